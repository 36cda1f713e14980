package io.weft.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.protocol.Message;
import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.Node;
import io.weft.wg.conn.Endpoint;
import io.weft.wg.conn.PeerPaths;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.conn.UdpEndpoint;
import io.weft.wg.device.Device;
import io.weft.wg.key.DiscoPrivateKey;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.time.NanoClock;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine hands each peer whole to the bind, and uses the endpoint the bind chooses. */
class EnginePeerPathsTest {
  static final SecureRandom RANDOM = new SecureRandom();

  /** A UDP bind that records what the engine hands it and picks the last candidate. */
  static final class ChoosingBind extends ForwardingBind {
    final List<PeerPaths> asked = new CopyOnWriteArrayList<>();
    final List<List<PeerPaths>> peerSets = new CopyOnWriteArrayList<>();

    ChoosingBind() {
      super(new UdpBind());
    }

    @Override
    public Endpoint endpointFor(PeerPaths peer) {
      asked.add(peer);
      return peer.candidates().isEmpty() ? null : new UdpEndpoint(peer.candidates().getLast());
    }

    @Override
    public void setPeers(Collection<PeerPaths> peers) {
      peerSets.add(List.copyOf(peers));
    }
  }

  /** A TUN that never yields a packet (the engine test needs no data path). */
  static final class IdleTun implements Tun {
    volatile boolean closed;

    @Override
    public int read(ByteBuffer[] bufs, int[] sizes, int offset) throws IOException {
      synchronized (this) {
        while (!closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            break;
          }
        }
      }
      throw new java.nio.channels.ClosedChannelException();
    }

    @Override
    public int write(ByteBuffer[] bufs, int count, int offset) {
      return count;
    }

    @Override
    public int batchSize() {
      return 1;
    }

    @Override
    public int mtu() {
      return 1280;
    }

    @Override
    public String name() {
      return "idle";
    }

    @Override
    public synchronized void close() {
      closed = true;
      notifyAll();
    }
  }

  final ChoosingBind bind = new ChoosingBind();
  final Device device = new Device(new IdleTun(), bind, NanoClock.SYSTEM, System.getLogger("test"));

  @AfterEach
  void close() {
    device.close();
  }

  static Node node(long id, String nodeKey, String discoKey, String... endpoints) {
    return new Node(
        id,
        "n" + id,
        "n" + id,
        null,
        nodeKey,
        discoKey,
        null,
        List.of("100.64.0." + id + "/32"),
        List.of(endpoints),
        true,
        0,
        0,
        false,
        true,
        List.of());
  }

  @Test
  void shouldHandTheWholePeerToTheBindAndUseItsChoice() throws IOException {
    NoisePrivateKey self = NoisePrivateKey.generate(RANDOM);
    device.setPrivateKey(self);
    device.up();
    NoisePrivateKey peerKey = NoisePrivateKey.generate(RANDOM);
    DiscoPrivateKey disco = DiscoPrivateKey.generate(RANDOM);
    NoisePrivateKey goneKey = NoisePrivateKey.generate(RANDOM);
    Node peer =
        node(
            2,
            peerKey.publicKey().toBase64(),
            disco.publicKey().toBase64(),
            "192.0.2.1:41641",
            "not an endpoint",
            "[2001:db8::2]:41641");
    Node gone = node(3, goneKey.publicKey().toBase64(), null);
    Engine engine = new Engine(device);
    NetMap m = new NetMap();
    m.apply(
        new Message.FullMap(
            1, "e", 1, "d", node(1, self.publicKey().toBase64(), null), List.of(peer, gone)));
    engine.apply(m);

    PeerPaths paths =
        bind.asked.stream()
            .filter(p -> p.nodeKey().equals(peerKey.publicKey()))
            .findFirst()
            .orElseThrow();
    assertThat(paths.discoKey()).isEqualTo(disco.publicKey());
    assertThat(paths.candidates())
        .as("every well-formed candidate, in the peer's order")
        .containsExactly(
            new InetSocketAddress("192.0.2.1", 41641), new InetSocketAddress("2001:db8::2", 41641));
    assertThat(device.peer(peerKey.publicKey()).endpoint().destinationString())
        .as("the bind's choice, not the first candidate")
        .isEqualTo("[2001:db8:0:0:0:0:0:2]:41641");
    assertThat(device.peer(goneKey.publicKey()).endpoint())
        .as("no candidates: no endpoint")
        .isNull();
    assertThat(bind.peerSets.getLast()).hasSize(2);

    NetMap next = new NetMap();
    next.apply(
        new Message.FullMap(
            1, "e", 2, "d", node(1, self.publicKey().toBase64(), null), List.of(peer)));
    engine.apply(next);
    assertThat(bind.peerSets.getLast())
        .extracting(PeerPaths::nodeKey)
        .containsExactly(peerKey.publicKey());
  }

  @Test
  void shouldTakeTheFirstCandidateOnAPlainUdpBind() throws IOException {
    UdpBind plain = new UdpBind();
    List<InetSocketAddress> candidates =
        new ArrayList<>(
            List.of(new InetSocketAddress("192.0.2.7", 1), new InetSocketAddress("192.0.2.8", 2)));
    Endpoint e =
        plain.endpointFor(
            new PeerPaths(NoisePrivateKey.generate(RANDOM).publicKey(), null, candidates, 0));
    assertThat(e.destinationString()).isEqualTo("192.0.2.7:1");
    plain.close();
  }
}
