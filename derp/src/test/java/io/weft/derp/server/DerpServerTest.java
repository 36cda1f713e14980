package io.weft.derp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.derp.Await;
import io.weft.derp.NodeKey;
import io.weft.derp.TestClients;
import io.weft.derp.TestClients.Recorder;
import io.weft.derp.client.DerpClient;
import io.weft.derp.server.Metrics.Counter;
import io.weft.derp.wire.FrameType;
import io.weft.derp.wire.Frames;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.time.ManualClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DerpServerTest {
  private final ManualClock clock = new ManualClock();
  private DerpServer server;
  private URI url;
  private InetSocketAddress addr;
  private final List<DerpClient> clients = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server =
        DerpServer.builder(NoisePrivateKey.generate(TestClients.RANDOM))
            .admission(Admission.acceptAny())
            .clock(clock)
            .housekeepingTick(Duration.ZERO)
            .ioThreads(2)
            .build();
    addr = server.listen(new InetSocketAddress("127.0.0.1", 0), null);
    url = URI.create("http://127.0.0.1:" + addr.getPort() + "/derp");
  }

  @AfterEach
  void stop() {
    clients.forEach(DerpClient::close);
    server.close();
  }

  private DerpClient client(Recorder r) throws IOException {
    DerpClient c = TestClients.connect(url, r);
    clients.add(c);
    return c;
  }

  private static byte[] disco(int n) {
    byte[] p = new byte[FrameType.DISCO_MIN_LENGTH + n];
    System.arraycopy(FrameType.DISCO_MAGIC, 0, p, 0, FrameType.DISCO_MAGIC.length);
    return p;
  }

  @Test
  void shouldRelayPacketsBetweenTwoClientsWithTheSourceKey() throws Exception {
    Recorder ra = new Recorder();
    Recorder rb = new Recorder();
    DerpClient a = client(ra);
    DerpClient b = client(rb);
    assertThat(a.serverKey()).isEqualTo(server.publicKey());
    assertThat(a.serverInfo().version()).isEqualTo(2);
    Await.until(
        "both registered",
        () -> server.isConnected(a.publicKey()) && server.isConnected(b.publicKey()));
    byte[] p = "hello through the relay".getBytes(StandardCharsets.UTF_8);
    a.send(b.publicKey(), p, 0, p.length);
    TestClients.Got g = Await.value("packet at b", rb.packets::poll);
    assertThat(g.src()).isEqualTo(a.publicKey());
    assertThat(g.data()).isEqualTo(p);
    b.send(a.publicKey(), new byte[1400], 0, 1400);
    assertThat(Await.value("packet at a", ra.packets::poll).data()).hasSize(1400);
    assertThat(server.metrics().get(Counter.PACKETS_SENT)).isEqualTo(2);
  }

  @Test
  void shouldRefuseKeysTheAdmissionRuleDoesNotKnow() throws Exception {
    NoisePrivateKey known = NoisePrivateKey.generate(TestClients.RANDOM);
    try (DerpServer closed =
        DerpServer.builder(NoisePrivateKey.generate(TestClients.RANDOM))
            .admission(Admission.knownKeys(Set.of(NodeKey.of(known.publicKey()))))
            .housekeepingTick(Duration.ZERO)
            .ioThreads(1)
            .build()) {
      InetSocketAddress a = closed.listen(new InetSocketAddress("127.0.0.1", 0), null);
      URI u = URI.create("http://127.0.0.1:" + a.getPort() + "/derp");
      assertThatThrownBy(() -> TestClients.connect(u, new Recorder()))
          .isInstanceOf(IOException.class);
      assertThat(closed.metrics().get(Counter.ADMISSION_REJECTED)).isEqualTo(1);
      DerpClient ok = TestClients.connect(u, known, DerpClient.Options.defaults(), new Recorder());
      ok.close();
    }
    try (DerpServer none =
        DerpServer.builder(NoisePrivateKey.generate(TestClients.RANDOM))
            .housekeepingTick(Duration.ZERO)
            .ioThreads(1)
            .build()) {
      InetSocketAddress a = none.listen(new InetSocketAddress("127.0.0.1", 0), null);
      URI u = URI.create("http://127.0.0.1:" + a.getPort() + "/derp");
      assertThatThrownBy(() -> TestClients.connect(u, new Recorder()))
          .as("no admission rule admits nobody")
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void shouldAnswerPingsAndSendKeepAlivesOnTheInjectedClock() throws Exception {
    Recorder r = new Recorder();
    DerpClient c = client(r);
    c.ping(0x1122334455667788L);
    Await.until("pong", () -> r.events.contains("pong " + 0x1122334455667788L));
    server.housekeeping();
    assertThat(r.keepAlives.get()).isZero();
    clock.advance(Duration.ofSeconds(66));
    server.housekeeping();
    Await.until("keep-alive", () -> r.keepAlives.get() == 1);
  }

  @Test
  void shouldCloseConnectionsThatNeverFinishTheHandshake() throws Exception {
    try (Socket idle = new Socket("127.0.0.1", addr.getPort());
        Socket half = new Socket("127.0.0.1", addr.getPort())) {
      OutputStream o = half.getOutputStream();
      o.write(
          "GET /derp HTTP/1.1\r\nHost: x\r\nUpgrade: DERP\r\nConnection: Upgrade\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      o.flush();
      Await.until("both accepted", () -> server.pendingConnections() == 2);
      clock.advance(Duration.ofSeconds(11));
      server.housekeeping();
      assertThat(readToEnd(idle)).isZero();
      assertThat(readToEnd(half)).as("101 and ServerKey, then closed").isPositive();
      assertThat(server.metrics().get(Counter.HANDSHAKE_TIMEOUTS)).isEqualTo(2);
      assertThat(server.pendingConnections()).isZero();
    }
  }

  private static int readToEnd(Socket s) throws IOException {
    s.setSoTimeout(10_000);
    InputStream in = s.getInputStream();
    int total = 0;
    byte[] b = new byte[4096];
    int n;
    while ((n = in.read(b)) >= 0) {
      total += n;
    }
    return total;
  }

  @Test
  void shouldDropBadFramesAndKeepServingOthers() throws Exception {
    Recorder rb = new Recorder();
    DerpClient b = client(rb);
    // unknown type: skipped, the connection stays
    Recorder ru = new Recorder();
    DerpClient u = client(ru);
    byte[] f = new byte[5 + 3000];
    Frames.header(f, 0, 0x7e, 3000);
    u.writeRaw(f, f.length);
    u.ping(7);
    Await.until("pong after unknown frame", () -> ru.events.contains("pong 7"));
    assertThat(server.metrics().get(Counter.FRAMES_UNKNOWN)).isEqualTo(1);
    // oversized SendPacket length: closed without reading or allocating 2 GiB
    Recorder ro = new Recorder();
    DerpClient o = client(ro);
    Frames.header(f, 0, FrameType.SEND_PACKET, 0x7fffffff);
    o.writeRaw(f, 5);
    Await.until("oversized sender closed", () -> ro.closed);
    // wrong NotePreferred length and a privileged frame without the mesh key: closed
    Recorder rn = new Recorder();
    DerpClient n = client(rn);
    Frames.header(f, 0, FrameType.NOTE_PREFERRED, 2);
    n.writeRaw(f, 7);
    Await.until("bad NotePreferred closed", () -> rn.closed);
    Recorder rw = new Recorder();
    DerpClient w = client(rw);
    w.watchConns();
    Await.until("unprivileged WatchConns closed", () -> rw.closed);
    assertThat(server.metrics().get(Counter.FRAMES_MALFORMED)).isGreaterThanOrEqualTo(2);
    assertThat(server.metrics().get(Counter.PROTOCOL_ERRORS)).isEqualTo(1);
    // random garbage after the handshake, from many connections
    long seed = new SecureRandom().nextLong();
    Random rnd = new Random(seed);
    for (int i = 0; i < 20; i++) {
      Recorder rg = new Recorder();
      DerpClient g = client(rg);
      byte[] junk = new byte[1 + rnd.nextInt(4000)];
      rnd.nextBytes(junk);
      try {
        g.writeRaw(junk, junk.length);
      } catch (IOException closedAlready) {
        // the relay may close first
      }
    }
    Recorder ra = new Recorder();
    DerpClient a = client(ra);
    a.send(b.publicKey(), new byte[] {1, 2, 3}, 0, 3);
    assertThat(Await.value("relay still serves (seed " + seed + ")", rb.packets::poll).data())
        .containsExactly(1, 2, 3);
  }

  @Test
  void shouldSendRateLimitedPeerGoneNotHereForDiscoToUnknownKeys() throws Exception {
    Recorder r = new Recorder();
    DerpClient c = client(r);
    NodeKey nobody = NodeKey.of(new byte[32], 0);
    byte[] p = disco(10);
    for (int i = 0; i < 10; i++) {
      c.send(nobody, p, 0, p.length);
    }
    c.send(nobody, new byte[100], 0, 100); // not disco: no PeerGone
    c.ping(1);
    Await.until("pong", () -> r.events.contains("pong 1"));
    Await.until(
        "3 PeerGone", () -> r.events.stream().filter(e -> e.startsWith("gone")).count() == 3);
    assertThat(server.metrics().get(Counter.DROP_UNKNOWN_DEST)).isEqualTo(11);
    clock.advance(Duration.ofSeconds(1));
    c.send(nobody, p, 0, p.length);
    Await.until(
        "a 4th after a second",
        () -> r.events.stream().filter(e -> e.startsWith("gone")).count() == 4);
    assertThat(r.events).contains("gone " + nobody + " 1");
  }

  @Test
  void shouldTellReceiversWhenASenderDisconnects() throws Exception {
    Recorder ra = new Recorder();
    Recorder rb = new Recorder();
    DerpClient a = client(ra);
    DerpClient b = client(rb);
    a.send(b.publicKey(), new byte[] {9}, 0, 1);
    Await.value("packet", rb.packets::poll);
    a.close();
    Await.until(
        "PeerGone(disconnected) at b", () -> rb.events.contains("gone " + a.publicKey() + " 0"));
  }

  @Test
  void shouldKeepOthersFlowingWhenOneClientStopsReading() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Recorder stuck =
        new Recorder() {
          @Override
          public void onPacket(NodeKey src, byte[] buf, int off, int len) {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    DerpClient s = client(stuck);
    Recorder ra = new Recorder();
    Recorder rc = new Recorder();
    DerpClient a = client(ra);
    DerpClient c = client(rc);
    byte[] p = new byte[1400];
    // until the kernel buffers are full and the relay sees s unwritable (bounded)
    for (int i = 0; i < 200_000 && server.stalledClients() == 0; i++) {
      a.send(s.publicKey(), p, 0, p.length);
    }
    assertThat(server.stalledClients()).isEqualTo(1);
    // paced in bursts under the queue depth, so none may be lost
    for (int burst = 1; burst <= 10; burst++) {
      for (int i = 0; i < 10; i++) {
        a.send(c.publicKey(), p, 0, p.length);
      }
      final int want = burst * 10;
      Await.until("c got " + want + " while s is stuck", () -> rc.received.get() == want);
    }
    Await.until("queue drops counted", () -> server.metrics().get(Counter.DROP_QUEUE_HEAD) > 0);
    clock.advance(Duration.ofSeconds(3));
    server.housekeeping();
    Await.until(
        "stalled client closed by the write timeout",
        () -> server.metrics().get(Counter.WRITE_TIMEOUTS) == 1);
    release.countDown();
  }

  /** Opens a raw connection, upgrades, reads the 101 head and ServerKey; returns the socket. */
  private Socket rawUpgrade() throws IOException {
    Socket s = new Socket("127.0.0.1", addr.getPort());
    s.setSoTimeout(10_000);
    s.getOutputStream()
        .write(
            "GET /derp HTTP/1.1\r\nHost: x\r\nUpgrade: DERP\r\nConnection: Upgrade\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
    InputStream in = s.getInputStream();
    int crlf = 0;
    while (crlf < 4) {
      int c = in.read();
      crlf = (c == '\r' || c == '\n') ? crlf + 1 : 0;
    }
    byte[] sk = in.readNBytes(5 + 40);
    assertThat(sk[0]).isEqualTo((byte) FrameType.SERVER_KEY);
    return s;
  }

  @Test
  void badHandshakesShouldBeCountedAndClosed() throws Exception {
    long seed = new SecureRandom().nextLong();
    Random rnd = new Random(seed);
    byte[] f = new byte[5 + 32 + 24 + 200];
    // a ClientInfo whose box does not open
    try (Socket s = rawUpgrade()) {
      Frames.header(f, 0, FrameType.CLIENT_INFO, f.length - 5);
      for (int i = 5; i < f.length; i++) {
        f[i] = (byte) rnd.nextInt();
      }
      s.getOutputStream().write(f);
      assertThat(readToEnd(s)).as("closed without ServerInfo (seed %d)", seed).isZero();
    }
    // a packet before ClientInfo
    try (Socket s = rawUpgrade()) {
      int n = Frames.packet(f, 0, FrameType.SEND_PACKET, new byte[32], 0, new byte[4], 0, 4);
      s.getOutputStream().write(f, 0, n);
      assertThat(readToEnd(s)).isZero();
    }
    assertThat(server.metrics().get(Counter.HANDSHAKE_FAILURES)).isEqualTo(2);
    // a ClientInfo declared over 256 KiB: closed before any of it is buffered
    try (Socket s = rawUpgrade()) {
      Frames.header(f, 0, FrameType.CLIENT_INFO, (256 << 10) + 1);
      s.getOutputStream().write(f, 0, 5);
      assertThat(readToEnd(s)).isZero();
    }
    assertThat(server.metrics().get(Counter.FRAMES_MALFORMED)).isEqualTo(1);
    Recorder r = new Recorder();
    client(r).ping(3);
    Await.until("the relay still serves", () -> r.events.contains("pong 3"));
  }
}
