package io.weft.derp.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.derp.Await;
import io.weft.derp.NodeKey;
import io.weft.derp.TestClients;
import io.weft.derp.TestClients.Recorder;
import io.weft.derp.client.DerpClient;
import io.weft.derp.client.RegionClient;
import io.weft.derp.server.Admission;
import io.weft.derp.server.DerpServer;
import io.weft.wg.key.NoisePrivateKey;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Three Weft relays of one region on loopback, meshed with a shared key. */
class MeshTest {
  private final List<DerpServer> servers = new ArrayList<>();
  private final List<URI> urls = new ArrayList<>();
  private final List<AutoCloseable> closers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    byte[] mesh = new byte[32];
    TestClients.RANDOM.nextBytes(mesh);
    for (int i = 0; i < 3; i++) {
      DerpServer s =
          DerpServer.builder(NoisePrivateKey.generate(TestClients.RANDOM))
              .admission(Admission.acceptAny())
              .meshKey(mesh)
              .ioThreads(1)
              .build();
      InetSocketAddress a = s.listen(new InetSocketAddress("127.0.0.1", 0), null);
      servers.add(s);
      urls.add(URI.create("http://127.0.0.1:" + a.getPort() + "/derp"));
    }
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        if (i != j) {
          servers.get(i).meshWith(urls.get(j));
        }
      }
    }
    for (DerpServer s : servers) {
      Await.until("both peers watching", () -> s.metrics().currentWatchers() == 2);
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closers) {
      c.close();
    }
    servers.forEach(DerpServer::close);
  }

  private DerpClient client(int server, Recorder r) throws Exception {
    DerpClient c = TestClients.connect(urls.get(server), r);
    closers.add(c);
    return c;
  }

  private void awaitKnownEverywhere(NodeKey k) {
    Await.until(
        k + " connected to exactly one relay",
        () -> servers.stream().filter(s -> s.isConnected(k)).count() == 1);
  }

  @Test
  void clientsOnDifferentRelaysShouldExchangePackets() throws Exception {
    Recorder[] r = {new Recorder(), new Recorder(), new Recorder()};
    DerpClient[] c = new DerpClient[3];
    for (int i = 0; i < 3; i++) {
      c[i] = client(i, r[i]);
      awaitKnownEverywhere(c[i].publicKey());
    }
    // a relay learns remote keys from its mesh links' PeerPresent: 1-byte warm-up packets until
    // each pair delivers, then every 1200-byte packet must arrive
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        if (i != j) {
          final DerpClient from = c[i];
          final DerpClient to = c[j];
          final Recorder rt = r[j];
          Await.until(
              "warm-up " + i + "->" + j,
              () -> {
                try {
                  from.send(to.publicKey(), new byte[] {1}, 0, 1);
                } catch (java.io.IOException e) {
                  throw new AssertionError(e);
                }
                return rt.packets.stream().anyMatch(g -> g.src().equals(from.publicKey()));
              });
        }
      }
    }
    byte[] p = new byte[1200];
    for (int round = 0; round < 5; round++) {
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          if (i != j) {
            c[i].send(c[j].publicKey(), p, 0, p.length);
          }
        }
      }
      for (int j = 0; j < 3; j++) {
        final int jj = j;
        final int want = 2 * (round + 1);
        Await.until(
            "round " + round + " at " + j,
            () -> r[jj].packets.stream().filter(g -> g.data().length == 1200).count() == want);
      }
    }
    assertThat(r[1].packets).anyMatch(g -> g.src().equals(c[0].publicKey()));
  }

  @Test
  void killingARelayShouldMoveItsClientsToAnotherWithinFiveSeconds() throws Exception {
    Recorder rx = new Recorder();
    RegionClient x =
        new RegionClient(
            urls, NoisePrivateKey.generate(TestClients.RANDOM), DerpClient.Options.defaults(), rx);
    closers.add(x);
    Await.until("x connected", () -> x.current() != null);
    NodeKey xk = x.current().publicKey();
    assertThat(servers.get(0).isConnected(xk)).as("x starts on the first relay").isTrue();
    Recorder ry = new Recorder();
    DerpClient y = client(1, ry);
    long killed = System.nanoTime();
    servers.get(0).close();
    Await.until(
        "x reconnected", Duration.ofSeconds(5), () -> x.connects() == 2 && x.current() != null);
    long movedMs = (System.nanoTime() - killed) / 1_000_000;
    assertThat(movedMs).as("failover time").isLessThan(5000);
    Await.until(
        "x -> y after failover",
        () -> {
          x.send(y.publicKey(), new byte[] {7}, 0, 1);
          return !ry.packets.isEmpty();
        });
    assertThat(ry.packets.peek().src()).isEqualTo(xk);
  }

  @Test
  void aSenderLeavingTheRegionShouldBeReportedGoneOnTheOtherRelays() throws Exception {
    Recorder rx = new Recorder();
    Recorder ry = new Recorder();
    DerpClient x = client(0, rx);
    DerpClient y = client(1, ry);
    Await.until(
        "y reaches x through the mesh",
        () -> {
          try {
            y.send(x.publicKey(), new byte[] {1}, 0, 1);
          } catch (java.io.IOException e) {
            throw new AssertionError(e);
          }
          return !rx.packets.isEmpty();
        });
    y.close();
    Await.until(
        "PeerGone(disconnected) for y at x, via relay 0's mesh link",
        () -> rx.events.contains("gone " + y.publicKey() + " 0"));
  }
}
