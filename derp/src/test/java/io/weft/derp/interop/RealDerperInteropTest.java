package io.weft.derp.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.derp.Await;
import io.weft.derp.NodeKey;
import io.weft.derp.TestClients;
import io.weft.derp.TestClients.Recorder;
import io.weft.derp.client.DerpClient;
import io.weft.derp.server.RelayMain;
import io.weft.derp.wire.FrameType;
import io.weft.wg.key.NoisePrivateKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weft's DERP client against Tailscale's own derper (v1.102.5) on loopback. */
class RealDerperInteropTest {
  @TempDir Path dir;

  @Test
  void twoWeftClientsShouldExchangePacketsThroughARealDerper() throws Exception {
    byte[] mesh = new byte[32];
    new Random(5).nextBytes(mesh);
    Path psk = dir.resolve("mesh.key");
    Files.writeString(psk, HexFormat.of().formatHex(mesh) + "\n");
    try (Tailscale.Derper d = new Tailscale.Derper(dir, "-mesh-psk-file", psk.toString())) {
      Recorder ra = new Recorder();
      Recorder rb = new Recorder();
      try (DerpClient a = TestClients.connect(d.url(), ra);
          DerpClient b = TestClients.connect(d.url(), rb)) {
        assertThat(a.serverInfo().version()).isEqualTo(2);
        assertThat(a.serverKey()).isEqualTo(b.serverKey());
        // derper's own key file reads as the key it serves
        assertThat(NodeKey.of(RelayMain.loadOrCreateKey(dir.resolve("derper.key")).publicKey()))
            .isEqualTo(a.serverKey());
        long seed = System.nanoTime();
        Random r = new Random(seed);
        int sent = 0;
        for (int burst = 0; burst < 20; burst++) {
          for (int i = 0; i < 10; i++) {
            byte[] p = new byte[1 + r.nextInt(1400)];
            r.nextBytes(p);
            p[0] = (byte) i;
            a.send(b.publicKey(), p, 0, p.length);
            b.send(a.publicKey(), p, 0, p.length);
            sent++;
          }
          final int want = sent;
          Await.until(
              "burst " + burst + " both ways (seed " + seed + ")",
              () -> ra.received.get() == want && rb.received.get() == want);
        }
        TestClients.Got g = rb.packets.poll();
        assertThat(g.src()).isEqualTo(a.publicKey());
        // derper answers our ping and tells us about a disco packet to an unknown key
        a.ping(42);
        Await.until("pong from derper", () -> ra.events.contains("pong 42"));
        byte[] disco = new byte[FrameType.DISCO_MIN_LENGTH + 8];
        System.arraycopy(FrameType.DISCO_MAGIC, 0, disco, 0, FrameType.DISCO_MAGIC.length);
        NodeKey nobody = NodeKey.of(new byte[32], 0);
        a.send(nobody, disco, 0, disco.length);
        Await.until(
            "PeerGone(not here) from derper", () -> ra.events.contains("gone " + nobody + " 1"));
        // a mesh watcher gets 51-byte PeerPresent frames for both clients
        Recorder rw = new Recorder();
        try (DerpClient w =
            DerpClient.connect(
                d.url(),
                NoisePrivateKey.generate(TestClients.RANDOM),
                DerpClient.Options.defaults().withMeshKey(mesh),
                rw)) {
          w.watchConns();
          Await.until(
              "PeerPresent for a and b",
              () ->
                  rw.events.contains("present " + a.publicKey() + " 1")
                      && rw.events.contains("present " + b.publicKey() + " 1"));
          b.close();
          Await.until(
              "PeerGone for b at the watcher",
              () -> rw.events.contains("gone " + b.publicKey() + " 0"));
          Await.until(
              "PeerGone(disconnected) for b at a",
              () -> ra.events.contains("gone " + b.publicKey() + " 0"));
        }
      }
    }
  }
}
