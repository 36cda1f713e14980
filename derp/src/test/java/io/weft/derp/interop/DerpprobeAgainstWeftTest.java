package io.weft.derp.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.SslContext;
import io.weft.derp.RelayMap;
import io.weft.derp.TestClients;
import io.weft.derp.server.Admission;
import io.weft.derp.server.DerpServer;
import io.weft.derp.server.Metrics.Counter;
import io.weft.derp.server.StunServer;
import io.weft.wg.key.NoisePrivateKey;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tailscale's derpprobe (v1.102.5) run once against a Weft relay over TLS on loopback. */
class DerpprobeAgainstWeftTest {
  @TempDir
  Path dir;

  @Test
  void derpprobeShouldPassAgainstAWeftRelay() throws Exception {
    Path probe = Tailscale.binary("derpprobe", "WEFT_DERPPROBE");
    SslContext tls = TestTls.selfSigned(dir);
    try (DerpServer relay = DerpServer.builder(NoisePrivateKey.generate(TestClients.RANDOM))
        .admission(Admission.acceptAny()).ioThreads(2).build()) {
      InetSocketAddress a = relay.listen(new InetSocketAddress("127.0.0.1", 0), tls);
      try (StunServer stun = StunServer.bind(relay.eventLoopGroup(),
          new InetSocketAddress("127.0.0.1", 0), relay.metrics())) {
        RelayMap.Node node = new RelayMap.Node("900a", 900, "localhost", null, "127.0.0.1", null,
            stun.localAddress().getPort(), false, a.getPort(), true, null, false);
        RelayMap map = new RelayMap(Map.of(900,
            new RelayMap.Region(900, "weft", "Weft loopback", List.of(node))), false);
        Path mapFile = dir.resolve("derpmap.json");
        Files.writeString(mapFile, map.toJson());
        Process p = new ProcessBuilder(probe.toString(), "-derp-map", "file://" + mapFile,
            "-once", "-spread=false", "-tls-interval", "0", "-stun-interval", "1s",
            "-mesh-interval", "1s", "-interval", "1s")
            .redirectErrorStream(true).redirectOutput(dir.resolve("probe.log").toFile()).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        if (!done) {
          p.destroyForcibly();
        }
        String log = Files.readString(dir.resolve("probe.log"));
        assertThat(done).as("derpprobe finished: %s", log).isTrue();
        assertThat(p.exitValue()).as("derpprobe exit status; log:\n%s", log).isZero();
        assertThat(log).contains("good: derp/weft/900a/900a/mesh").contains("good: derp/weft/900a/udp");
        assertThat(relay.metrics().get(Counter.PACKETS_SENT)).isPositive();
        assertThat(relay.metrics().get(Counter.STUN_REQUESTS)).isPositive();
      }
    }
  }
}
