package io.weft.control.server;

import io.netty.handler.ssl.SslContext;
import io.weft.derp.NodeKey;
import io.weft.derp.server.Admission;
import io.weft.derp.server.DerpServer;
import io.weft.derp.server.StunServer;
import io.weft.wg.conn.RelayMap;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.local.OwnerOnlyFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The relay inside {@code weft control serve} (as headscale embeds one): a Weft DERP server and its
 * STUN server, on their own ports (the control server's HTTP stack is not Netty's DERP pipeline;
 * one port each keeps both parsers strict and separate). Admission fails closed: only node keys the
 * coordination server knows, not deleted, not expired ({@link NodeRegistry#relayAdmits}), checked
 * at every connect and again every {@link #REVALIDATE} for the keys connected (a deleted node is
 * dropped then).
 */
public final class EmbeddedRelay implements AutoCloseable {
  /** The region ID of the embedded relay in the default relay map (derper's custom range). */
  public static final int REGION_ID = 900;

  private final DerpServer server;
  private final StunServer stun;
  private final RelayMap relayMap;
  private final InetSocketAddress relayAddress;
  private final Admission admission;
  private final ScheduledFuture<?> sweep;

  private EmbeddedRelay(
      DerpServer server,
      StunServer stun,
      InetSocketAddress relayAddress,
      RelayMap relayMap,
      Admission admission) {
    this.server = server;
    this.stun = stun;
    this.relayAddress = relayAddress;
    this.relayMap = relayMap;
    this.admission = admission;
    this.sweep =
        server
            .eventLoopGroup()
            .next()
            .scheduleWithFixedDelay(
                this::revalidate,
                REVALIDATE.toMillis(),
                REVALIDATE.toMillis(),
                TimeUnit.MILLISECONDS);
  }

  /** How often connected keys are checked again (a deleted node is dropped within this). */
  public static final Duration REVALIDATE = Duration.ofSeconds(10);

  /**
   * Closes the connections of keys no longer admitted (deleted or expired nodes); returns how many
   * keys. Runs every {@link #REVALIDATE}; tests call it.
   */
  public int revalidate() {
    int n = 0;
    for (NodeKey k : server.connectedKeys()) {
      if (!admission.admit(k)) {
        server.closePeer(k);
        n++;
      }
    }
    return n;
  }

  /**
   * Starts a relay admitting {@code admission}'s keys on {@code listen} (TCP) and the same address
   * (UDP, STUN), with the key in {@code keyFile} (created 0600 if missing).
   *
   * @param advertisedHost the host name nodes reach it at (the control server's public host)
   * @param ssl TLS for the relay, or null for plain HTTP (local use)
   */
  public static EmbeddedRelay start(
      Admission admission,
      Path keyFile,
      InetSocketAddress listen,
      String advertisedHost,
      SslContext ssl)
      throws IOException {
    DerpServer s = DerpServer.builder(loadOrCreateKey(keyFile)).admission(admission).build();
    try {
      InetSocketAddress bound = s.listen(listen, ssl);
      StunServer st = StunServer.bind(s.eventLoopGroup(), listen, s.metrics());
      RelayMap map =
          new RelayMap(
              List.of(
                  new RelayMap.Region(
                      REGION_ID,
                      "weft",
                      "Weft embedded",
                      false,
                      List.of(
                          new RelayMap.Relay(
                              REGION_ID + "a",
                              REGION_ID,
                              advertisedHost,
                              null,
                              null,
                              bound.getPort(),
                              st.localAddress().getPort(),
                              ssl == null)))));
      return new EmbeddedRelay(s, st, bound, map, admission);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    } catch (Exception e) {
      s.close();
      throw e instanceof IOException io ? io : new IOException(e);
    }
  }

  /** The relay's admission rule for {@code registry}: known, live node keys only. */
  public static Admission admission(NodeRegistry registry) {
    return k -> registry.relayAdmits(k.toNoisePublicKey().toBase64());
  }

  /** The relay map naming this relay (one region, {@value #REGION_ID}). */
  public RelayMap relayMap() {
    return relayMap;
  }

  /** Where the relay's TCP listener is bound. */
  public InetSocketAddress relayAddress() {
    return relayAddress;
  }

  /** The relay server (metrics, connected keys). */
  public DerpServer server() {
    return server;
  }

  @Override
  public void close() {
    sweep.cancel(false);
    try {
      stun.close();
    } finally {
      server.close();
    }
  }

  /** The relay's private key: 64 hex characters in {@code file}, written 0600 on first start. */
  static NoisePrivateKey loadOrCreateKey(Path file) throws IOException {
    if (Files.exists(file)) {
      String hex = Files.readString(file, StandardCharsets.US_ASCII).strip();
      if (!hex.matches("[0-9a-f]{64}")) {
        throw new IOException(file + ": not a relay key (64 lowercase hex characters)");
      }
      return NoisePrivateKey.fromHex(hex);
    }
    NoisePrivateKey k = NoisePrivateKey.generate(new SecureRandom());
    OwnerOnlyFiles.writeSecret(file, (k.toHex() + "\n").getBytes(StandardCharsets.US_ASCII));
    return k;
  }
}
