package io.weft.derp.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.weft.derp.NodeKey;
import io.weft.wg.key.NoisePrivateKey;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code weft relay serve}: runs a relay until interrupted. Flags:
 *
 * <pre>
 *   --listen HOST:PORT        TCP address (default 127.0.0.1:3340)
 *   --tls-cert PEM --tls-key PEM   serve HTTPS with this certificate (else plain HTTP)
 *   --stun HOST:PORT          also answer STUN on this UDP address
 *   --key-file PATH           derper-style {"PrivateKey":"privkey:HEX"}; created 0600 if missing
 *   --accept-any              admit every node key (local use only)
 *   --allow-keys PATH         admit the node keys listed (hex or nodekey:hex, one per line)
 *   --mesh-psk-file PATH      64 hex characters: the region's mesh key
 *   --mesh-with URL[,URL]     the other relays of the region (http(s)://host:port/derp)
 *   --rate-config PATH        derper's per-client rate JSON; re-read when the file changes
 *   --accept-rate N           at most N new connections per second (burst --accept-burst, 10)
 * </pre>
 *
 * Without {@code --accept-any} or {@code --allow-keys} the relay admits only mesh peers.
 */
public final class RelayMain {
  private RelayMain() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out, System.err, null));
  }

  /** What {@code --help} prints (the flags of the class comment). */
  static final String USAGE =
      """
      Usage: weft relay serve [flags]
      Runs a DERP relay until interrupted.
        --listen HOST:PORT        TCP address (default 127.0.0.1:3340)
        --tls-cert PEM --tls-key PEM   serve HTTPS with this certificate (else plain HTTP)
        --stun HOST:PORT          also answer STUN on this UDP address
        --key-file PATH           derper-style {"PrivateKey":"privkey:HEX"}; created 0600 if missing
        --accept-any              admit every node key (local use only)
        --allow-keys PATH         admit the node keys listed (hex or nodekey:hex, one per line)
        --mesh-psk-file PATH      64 hex characters: the region's mesh key
        --mesh-with URL[,URL]     the other relays of the region (http(s)://host:port/derp)
        --rate-config PATH        derper's per-client rate JSON; re-read when the file changes
        --accept-rate N           at most N new connections per second (burst --accept-burst, 10)
      Without --accept-any or --allow-keys the relay admits only mesh peers.
      """;

  /** Runs until {@code stop} counts down (or forever when null); returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop)
      throws Exception {
    String listen = "127.0.0.1:3340";
    Path cert = null;
    Path keyPem = null;
    String stun = null;
    Path keyFile = null;
    boolean acceptAny = false;
    Path allow = null;
    Path psk = null;
    List<URI> meshWith = new ArrayList<>();
    Path rateFile = null;
    double acceptRate = 0;
    int acceptBurst = 10;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "-h", "--help" -> {
          out.print(USAGE);
          return 0;
        }
        case "--accept-any" -> acceptAny = true;
        case "--listen",
            "--tls-cert",
            "--tls-key",
            "--stun",
            "--key-file",
            "--allow-keys",
            "--mesh-psk-file",
            "--mesh-with",
            "--rate-config",
            "--accept-rate",
            "--accept-burst" -> {
          if (v == null) {
            err.println("weft relay serve: " + a + " needs a value");
            return 2;
          }
          i++;
          switch (a) {
            case "--listen" -> listen = v;
            case "--tls-cert" -> cert = Path.of(v);
            case "--tls-key" -> keyPem = Path.of(v);
            case "--stun" -> stun = v;
            case "--key-file" -> keyFile = Path.of(v);
            case "--allow-keys" -> allow = Path.of(v);
            case "--mesh-psk-file" -> psk = Path.of(v);
            case "--rate-config" -> rateFile = Path.of(v);
            case "--accept-rate" -> acceptRate = Double.parseDouble(v);
            case "--accept-burst" -> acceptBurst = Integer.parseInt(v);
            default -> {
              for (String u : v.split(",")) {
                if (!u.isBlank()) {
                  meshWith.add(URI.create(u.strip()));
                }
              }
            }
          }
        }
        default -> {
          err.println("weft relay serve: unknown flag " + a);
          return 2;
        }
      }
    }
    if ((cert == null) != (keyPem == null)) {
      err.println("weft relay serve: --tls-cert and --tls-key go together");
      return 2;
    }
    NoisePrivateKey key =
        keyFile == null ? NoisePrivateKey.generate(new SecureRandom()) : loadOrCreateKey(keyFile);
    Admission admission = Admission.denyAll();
    if (acceptAny) {
      admission = Admission.acceptAny();
    } else if (allow != null) {
      Set<NodeKey> keys = new HashSet<>();
      for (String line : Files.readAllLines(allow, StandardCharsets.UTF_8)) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        keys.add(NodeKey.fromHex(t.startsWith("nodekey:") ? t.substring(8) : t));
      }
      admission = Admission.knownKeys(Set.copyOf(keys));
    } else {
      err.println("weft relay serve: no --accept-any or --allow-keys: admitting mesh peers only");
    }
    DerpServer.Builder b = DerpServer.builder(key).admission(admission);
    if (acceptRate > 0) {
      b.acceptRate(acceptRate, acceptBurst);
    }
    if (psk != null) {
      b.meshKey(HexFormat.of().parseHex(Files.readString(psk).strip()));
    }
    SslContext ssl =
        cert == null ? null : SslContextBuilder.forServer(cert.toFile(), keyPem.toFile()).build();
    try (DerpServer s = b.build()) {
      InetSocketAddress bound = s.listen(parse(listen), ssl);
      out.println(
          "relay "
              + s.publicKey()
              + " serving "
              + (ssl == null ? "http" : "https")
              + " on "
              + bound);
      StunServer st = null;
      if (stun != null) {
        st = StunServer.bind(s.eventLoopGroup(), parse(stun), s.metrics());
        out.println("STUN on " + st.localAddress());
      }
      for (URI u : meshWith) {
        s.meshWith(u);
      }
      if (rateFile != null) {
        Path rf = rateFile;
        s.updateRateLimits(RateConfig.load(rf));
        long[] seen = {Files.getLastModifiedTime(rf).toMillis()};
        s.eventLoopGroup()
            .next()
            .scheduleWithFixedDelay(
                () -> {
                  try {
                    long m = Files.getLastModifiedTime(rf).toMillis();
                    if (m != seen[0]) {
                      seen[0] = m;
                      RateConfig rc = RateConfig.load(rf);
                      s.updateRateLimits(rc);
                      out.println("rate config reloaded: " + rc);
                    }
                  } catch (IOException | RuntimeException e) {
                    err.println("weft relay serve: rate config " + rf + ": " + e.getMessage());
                  }
                },
                2,
                2,
                TimeUnit.SECONDS);
      }
      if (stop == null) {
        new CountDownLatch(1).await();
      } else {
        stop.await();
      }
      if (st != null) {
        st.close();
      }
    }
    return 0;
  }

  static InetSocketAddress parse(String hostPort) {
    int c = hostPort.lastIndexOf(':');
    if (c < 0) {
      throw new IllegalArgumentException("address must be HOST:PORT: " + hostPort);
    }
    String h = hostPort.substring(0, c);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return new InetSocketAddress(
        h.isEmpty() ? "0.0.0.0" : h, Integer.parseInt(hostPort.substring(c + 1)));
  }

  /** Reads derper's key file, or writes a new one readable by its owner only. */
  public static NoisePrivateKey loadOrCreateKey(Path p) throws IOException {
    if (Files.exists(p)) {
      JsonNode n = new ObjectMapper().readTree(Files.readString(p));
      String s = n == null ? "" : n.path("PrivateKey").asText("");
      if (!s.startsWith("privkey:")) {
        throw new IOException(p + ": no \"PrivateKey\":\"privkey:…\"");
      }
      return NoisePrivateKey.fromHex(s.substring(8));
    }
    NoisePrivateKey k = NoisePrivateKey.generate(new SecureRandom());
    Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, "{\n\t\"PrivateKey\": \"privkey:" + k.toHex() + "\"\n}\n");
    Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE);
    return k;
  }
}
