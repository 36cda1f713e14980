package io.weft.derp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.derp.Await;
import io.weft.derp.NodeKey;
import io.weft.derp.TestClients;
import io.weft.derp.TestClients.Recorder;
import io.weft.derp.client.DerpClient;
import io.weft.derp.server.Metrics.Counter;
import io.weft.derp.wire.Frame;
import io.weft.derp.wire.FrameDecoder;
import io.weft.derp.wire.FrameType;
import io.weft.derp.wire.Frames;
import io.weft.derp.wire.Info;
import io.weft.derp.wire.NaclBox;
import io.weft.wg.key.NoisePrivateKey;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The relay's HTTP endpoints, the WebSocket form and the fast-start upgrade. */
class HttpSurfaceTest {
  private DerpServer server;
  private int port;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    server =
        DerpServer.builder(NoisePrivateKey.generate(TestClients.RANDOM))
            .admission(Admission.acceptAny())
            .ioThreads(1)
            .build();
    port = server.listen(new InetSocketAddress("127.0.0.1", 0), null).getPort();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void probeAndCaptivePortalEndpointsShouldAnswerAsDerperDoes() throws Exception {
    HttpResponse<String> probe = get("/derp/probe");
    assertThat(probe.statusCode()).isEqualTo(200);
    assertThat(probe.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
    assertThat(get("/derp/latency-check").statusCode()).isEqualTo(200);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/derp/probe"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    HttpResponse<String> g = get("/generate_204", "X-Tailscale-Challenge", "ts_abc:1.2-3");
    assertThat(g.statusCode()).isEqualTo(204);
    assertThat(g.headers().firstValue("X-Tailscale-Response")).hasValue("response ts_abc:1.2-3");
    assertThat(
            get("/generate_204", "X-Tailscale-Challenge", "bad/char")
                .headers()
                .firstValue("X-Tailscale-Response"))
        .isEmpty();
    assertThat(get("/derp").statusCode()).as("no Upgrade header").isEqualTo(426);
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> m = get("/metrics");
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.body())
        .contains("# TYPE weft_derp_accepts_total counter")
        .contains("weft_derp_current_clients 0");
  }

  @Test
  void malformedHttpShouldGet400AndTheRelayKeepsServing() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.getOutputStream()
          .write("\u0001\u0002 garbage \r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      s.setSoTimeout(5000);
      String resp = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(resp).startsWith("HTTP/1.1 400");
    }
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.getOutputStream()
          .write(
              ("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      s.setSoTimeout(5000);
      String resp = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(resp).as("over-long request line").startsWith("HTTP/1.1 400");
    }
    assertThat(server.metrics().get(Counter.HTTP_BAD_REQUESTS)).isEqualTo(2);
    assertThat(get("/derp/probe").statusCode()).isEqualTo(200);
  }

  @Test
  void fastStartShouldSkipTheHttpResponseAndSpeakDerpAtOnce() throws Exception {
    Recorder rb = new Recorder();
    try (DerpClient b = TestClients.connect(URI.create("http://127.0.0.1:" + port + "/derp"), rb);
        Socket s = new Socket("127.0.0.1", port)) {
      NoisePrivateKey k = NoisePrivateKey.generate(TestClients.RANDOM);
      OutputStream o = s.getOutputStream();
      // request, ClientInfo and a packet in one write, as a client that knows the server key may
      byte[] sealed =
          NaclBox.sealTo(
              k.rawForCrypto(),
              server.publicKey().toBytes(),
              new Info.ClientInfo(null, 2, true, false, "test").toJson());
      byte[] req =
          ("GET /derp HTTP/1.1\r\nHost: x\r\nUpgrade: DERP\r\nConnection: Upgrade\r\n"
                  + "Derp-Fast-Start: 1\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      byte[] buf = new byte[4096];
      int n = 0;
      System.arraycopy(req, 0, buf, 0, req.length);
      n += req.length;
      n += Frames.clientInfo(buf, n, k.publicKey().toBytes(), sealed);
      o.write(buf, 0, n);
      o.flush();
      InputStream in = s.getInputStream();
      s.setSoTimeout(5000);
      byte[] first = in.readNBytes(5);
      assertThat(first[0])
          .as("a DERP frame, not 'HTTP/1.1 101'")
          .isEqualTo((byte) FrameType.SERVER_KEY);
      Await.until(
          "fast-start client registered", () -> server.isConnected(NodeKey.of(k.publicKey())));
      n =
          Frames.packet(
              buf, 0, FrameType.SEND_PACKET, b.publicKey().toBytes(), 0, new byte[] {5}, 0, 1);
      o.write(buf, 0, n);
      o.flush();
      assertThat(Await.value("packet from the fast-start client", rb.packets::poll).src())
          .isEqualTo(NodeKey.of(k.publicKey()));
    }
  }

  @Test
  void webSocketClientsShouldSpeakDerpInBinaryMessages() throws Exception {
    Recorder rb = new Recorder();
    try (DerpClient b = TestClients.connect(URI.create("http://127.0.0.1:" + port + "/derp"), rb)) {
      LinkedBlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
      FrameDecoder dec = new FrameDecoder(FrameDecoder.CLIENT);
      WebSocket.Listener l =
          new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
              dec.feed(
                  data,
                  (Frame f) -> {
                    byte[] c = new byte[1 + f.length()];
                    c[0] = (byte) f.type();
                    System.arraycopy(f.buffer(), f.offset(), c, 1, f.length());
                    frames.add(c);
                    return true;
                  });
              ws.request(1);
              return CompletableFuture.completedFuture(null);
            }
          };
      WebSocket ws =
          http.newWebSocketBuilder()
              .subprotocols("derp")
              .buildAsync(URI.create("ws://127.0.0.1:" + port + "/derp"), l)
              .get(10, TimeUnit.SECONDS);
      assertThat(ws.getSubprotocol()).isEqualTo("derp");
      byte[] sk = frames.poll(10, TimeUnit.SECONDS);
      assertThat(sk[0]).isEqualTo((byte) FrameType.SERVER_KEY);
      assertThat(NodeKey.of(sk, 1 + 8)).isEqualTo(server.publicKey());
      NoisePrivateKey k = NoisePrivateKey.generate(TestClients.RANDOM);
      byte[] sealed =
          NaclBox.sealTo(
              k.rawForCrypto(),
              server.publicKey().toBytes(),
              new Info.ClientInfo(null, 2, true, false, "ws").toJson());
      byte[] buf = new byte[1024];
      int n = Frames.clientInfo(buf, 0, k.publicKey().toBytes(), sealed);
      ws.sendBinary(ByteBuffer.wrap(buf, 0, n), true).get(5, TimeUnit.SECONDS);
      byte[] si = frames.poll(10, TimeUnit.SECONDS);
      assertThat(si[0]).isEqualTo((byte) FrameType.SERVER_INFO);
      n =
          Frames.packet(
              buf, 0, FrameType.SEND_PACKET, b.publicKey().toBytes(), 0, new byte[] {1, 2}, 0, 2);
      ws.sendBinary(ByteBuffer.wrap(buf, 0, n), true).get(5, TimeUnit.SECONDS);
      assertThat(Await.value("packet from the WebSocket client", rb.packets::poll).src())
          .isEqualTo(NodeKey.of(k.publicKey()));
      b.send(NodeKey.of(k.publicKey()), new byte[] {3}, 0, 1);
      byte[] rp = frames.poll(10, TimeUnit.SECONDS);
      assertThat(rp[0]).isEqualTo((byte) FrameType.RECV_PACKET);
      assertThat(NodeKey.of(rp, 1)).isEqualTo(b.publicKey());
      assertThat(server.metrics().get(Counter.WEBSOCKET_ACCEPTS)).isEqualTo(1);
      ws.abort();
    }
  }
}
