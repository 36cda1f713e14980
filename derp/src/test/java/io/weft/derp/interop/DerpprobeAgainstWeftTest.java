package io.weft.derp.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.ssl.SslContext;
import io.weft.derp.Await;
import io.weft.derp.TestClients;
import io.weft.derp.server.Admission;
import io.weft.derp.server.DerpServer;
import io.weft.derp.server.Metrics.Counter;
import io.weft.derp.server.StunServer;
import io.weft.wg.conn.RelayMap;
import io.weft.wg.key.NoisePrivateKey;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tailscale's derpprobe (v1.102.5) run once against a region of three meshed Weft relays over TLS
 * on loopback: a STUN probe per relay and a mesh probe per ordered pair (derpprobe connects a
 * client to each relay of the pair and checks delivery, prober/derp.go:741).
 */
class DerpprobeAgainstWeftTest {
  @TempDir Path dir;

  @Test
  void derpprobeShouldPassAgainstAMeshOfThreeWeftRelays() throws Exception {
    Path probe = Tailscale.binary("derpprobe", "WEFT_DERPPROBE");
    SslContext tls = TestTls.selfSigned(dir);
    byte[] mesh = new byte[32];
    TestClients.RANDOM.nextBytes(mesh);
    List<DerpServer> relays = new ArrayList<>();
    List<StunServer> stuns = new ArrayList<>();
    List<URI> meshUrls = new ArrayList<>();
    List<RelayMap.Relay> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        DerpServer relay =
            DerpServer.builder(NoisePrivateKey.generate(TestClients.RANDOM))
                .admission(Admission.acceptAny())
                .meshKey(mesh)
                .ioThreads(1)
                .build();
        relays.add(relay);
        // TLS for derpprobe; a plain loopback port for the mesh links between the relays
        InetSocketAddress a = relay.listen(new InetSocketAddress("127.0.0.1", 0), tls);
        InetSocketAddress m = relay.listen(new InetSocketAddress("127.0.0.1", 0), null);
        meshUrls.add(URI.create("http://127.0.0.1:" + m.getPort() + "/derp"));
        StunServer stun =
            StunServer.bind(
                relay.eventLoopGroup(), new InetSocketAddress("127.0.0.1", 0), relay.metrics());
        stuns.add(stun);
        nodes.add(
            new RelayMap.Relay(
                "900" + (char) ('a' + i),
                900,
                "localhost",
                "127.0.0.1",
                null,
                a.getPort(),
                stun.localAddress().getPort(),
                true));
      }
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          if (i != j) {
            relays.get(i).meshWith(meshUrls.get(j));
          }
        }
      }
      for (DerpServer r : relays) {
        Await.until("both peers watching", () -> r.metrics().currentWatchers() == 2);
      }
      RelayMap map =
          new RelayMap(List.of(new RelayMap.Region(900, "weft", "Weft loopback", false, nodes)));
      Path mapFile = dir.resolve("derpmap.json");
      Files.writeString(mapFile, new ObjectMapper().writeValueAsString(map));
      // 15 s intervals: each probe may take 0.8 of its interval (prober.go:148). derpprobe gives
      // the mesh only 100 ms to learn of the receiving client (prober/derp.go:757); on a
      // saturated machine one run can lose that race, so up to three runs, each one reported.
      String log = "";
      Process p = null;
      boolean done = false;
      for (int run = 1; run <= 3; run++) {
        Path logFile = dir.resolve("probe-" + run + ".log");
        p =
            new ProcessBuilder(
                    probe.toString(),
                    "-derp-map",
                    "file://" + mapFile,
                    "-once",
                    "-spread=false",
                    "-tls-interval",
                    "0",
                    "-stun-interval",
                    "15s",
                    "-mesh-interval",
                    "15s",
                    "-interval",
                    "15s")
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .start();
        done = p.waitFor(120, TimeUnit.SECONDS);
        if (!done) {
          p.destroyForcibly();
          p.waitFor();
        }
        log = Files.readString(logFile);
        if (done && p.exitValue() == 0) {
          break;
        }
        System.out.println(
            "derpprobe run "
                + run
                + " failed (exit "
                + (done ? p.exitValue() : "timeout")
                + "):\n"
                + log);
      }
      assertThat(done).as("derpprobe finished: %s", log).isTrue();
      StringBuilder m = new StringBuilder();
      for (DerpServer r : relays) {
        m.append(" unknown=")
            .append(r.metrics().get(Counter.DROP_UNKNOWN_DEST))
            .append(" fwdOut=")
            .append(r.metrics().get(Counter.FORWARDED_OUT))
            .append(" fwdIn=")
            .append(r.metrics().get(Counter.FORWARDED_IN))
            .append(" sent=")
            .append(r.metrics().get(Counter.PACKETS_SENT))
            .append(" tail=")
            .append(r.metrics().get(Counter.DROP_QUEUE_TAIL))
            .append(';');
      }
      assertThat(p.exitValue()).as("derpprobe exit status; relays:%s log:\n%s", m, log).isZero();
      for (char from = 'a'; from <= 'c'; from++) {
        assertThat(log).contains("good: derp/weft/900" + from + "/udp");
        for (char to = 'a'; to <= 'c'; to++) {
          assertThat(log).contains("good: derp/weft/900" + from + "/900" + to + "/mesh");
        }
      }
      assertThat(relays.stream().mapToLong(r -> r.metrics().get(Counter.FORWARDED_OUT)).sum())
          .as("cross-relay probes went through the mesh")
          .isPositive();
    } finally {
      stuns.forEach(StunServer::close);
      relays.forEach(DerpServer::close);
    }
  }
}
