package io.weft.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.weft.agent.backend.Backend;
import io.weft.agent.backend.BackendConfig;
import io.weft.agent.backend.BackendState;
import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import io.weft.testing.Prerequisites;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two userspace nodes and an embedded coordination server. Alpha forwards its mesh port 80 to a JDK
 * {@link HttpServer} on the host's loopback and mesh port 9/udp to a UDP echo; bravo runs the
 * SOCKS5 server and the HTTP proxy. A real {@code curl} downloads and uploads 10 MiB through each,
 * checked by SHA-256, and a small SOCKS5 UDP client echoes datagrams through UDP ASSOCIATE.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UserspaceProxyTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final byte[] BLOB = new byte[10 << 20];

  static {
    new Random(19).nextBytes(BLOB);
  }

  Path dir;
  ControlServer server;
  final List<AutoCloseable> closing = new ArrayList<>();
  Backend alpha;
  Backend bravo;
  HttpServer http;
  DatagramSocket udpEcho;
  UserspaceProxies alphaProxies;
  UserspaceProxies bravoProxies;
  Path blobFile;

  @BeforeAll
  void mesh(@TempDir Path tmp) throws Exception {
    dir = tmp;
    server =
        ControlServer.start(ControlConfig.defaults(dir.resolve("control")).withAdminToken("admin"));
    String key =
        server
            .admin()
            .createPreAuthKey("mesh", null, true, false, false, List.of(), Duration.ofHours(1))
            .secret();
    alpha = join("alpha", key);
    bravo = join("bravo", key);
    alpha.awaitMap(m -> m.peers().containsKey(bravo.self().id()), TIMEOUT);
    bravo.awaitMap(m -> m.peers().containsKey(alpha.self().id()), TIMEOUT);

    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    http.createContext(
        "/blob",
        ex -> {
          ex.getRequestBody().readAllBytes();
          ex.sendResponseHeaders(200, BLOB.length);
          try (OutputStream o = ex.getResponseBody()) {
            o.write(BLOB);
          }
        });
    http.createContext(
        "/sha256",
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          byte[] answer = (sha256(body) + " " + body.length).getBytes(StandardCharsets.US_ASCII);
          ex.sendResponseHeaders(200, answer.length);
          try (OutputStream o = ex.getResponseBody()) {
            o.write(answer);
          }
        });
    http.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    http.start();
    udpEcho = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread.ofVirtual()
        .start(
            () -> {
              byte[] b = new byte[2048];
              DatagramPacket p = new DatagramPacket(b, b.length);
              try {
                while (true) {
                  p.setLength(b.length);
                  udpEcho.receive(p);
                  udpEcho.send(new DatagramPacket(b, p.getLength(), p.getSocketAddress()));
                }
              } catch (IOException e) {
                // Closed at the end.
              }
            });

    alphaProxies =
        UserspaceProxies.start(
            alpha,
            ProxyOptions.NONE.withForwards(
                List.of(
                    InboundForwarder.Rule.parse("tcp:80=127.0.0.1:" + http.getAddress().getPort()),
                    InboundForwarder.Rule.parse("udp:9=127.0.0.1:" + udpEcho.getLocalPort()))));
    bravoProxies =
        UserspaceProxies.start(
            bravo,
            ProxyOptions.NONE
                .withSocks5(ProxyOptions.hostPort("127.0.0.1:0"))
                .withHttpProxy(ProxyOptions.hostPort("127.0.0.1:0")));
    closing.add(bravoProxies);
    closing.add(alphaProxies);
    // The name table follows the map on its own thread.
    io.weft.testing.Await.until(
        "alpha resolvable", TIMEOUT, () -> !bravoProxies.names().resolve("alpha").isEmpty());
    io.weft.testing.Await.until(
        "alpha forwarding", TIMEOUT, () -> alphaProxies.forwarder() != null);
    blobFile = dir.resolve("blob.bin");
    Files.write(blobFile, BLOB);
  }

  Backend join(String name, String key) throws Exception {
    BackendConfig cfg =
        BackendConfig.userspace(dir.resolve(name), server.url(), key, name)
            .withAdvertise(List.of(InetAddress.getLoopbackAddress()))
            .withBackoff(Duration.ofMillis(20), Duration.ofMillis(500));
    Backend b = new Backend(cfg);
    closing.add(b);
    b.start();
    assertThat(b.awaitState(BackendState.RUNNING, TIMEOUT))
        .as("%s running; %s", name, b.status())
        .isTrue();
    return b;
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    if (http != null) {
      http.stop(0);
    }
    if (udpEcho != null) {
      udpEcho.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void shouldDownloadAndUploadTenMegabytesThroughSocks5WithCurl() throws Exception {
    Prerequisites.requireTools("curl");
    String proxy = "127.0.0.1:" + bravoProxies.socks5().address().getPort();
    Path got = dir.resolve("socks-down.bin");
    long t0 = System.nanoTime();
    curl("--socks5-hostname", proxy, "-o", got.toString(), "http://alpha/blob");
    report("socks5 download", t0);
    assertThat(sha256(Files.readAllBytes(got))).isEqualTo(sha256(BLOB));
    t0 = System.nanoTime();
    String answer =
        curl("--socks5-hostname", proxy, "--data-binary", "@" + blobFile, "http://alpha/sha256");
    report("socks5 upload", t0);
    assertThat(answer).isEqualTo(sha256(BLOB) + " " + BLOB.length);
  }

  @Test
  void shouldDownloadAndUploadTenMegabytesThroughTheHttpProxyWithCurl() throws Exception {
    Prerequisites.requireTools("curl");
    String proxy = "http://127.0.0.1:" + bravoProxies.httpProxy().address().getPort();
    Path got = dir.resolve("http-down.bin");
    long t0 = System.nanoTime();
    curl("-x", proxy, "-o", got.toString(), "http://alpha/blob");
    report("http proxy forward download", t0);
    assertThat(sha256(Files.readAllBytes(got))).isEqualTo(sha256(BLOB));
    String answer = curl("-x", proxy, "--data-binary", "@" + blobFile, "http://alpha/sha256");
    assertThat(answer).isEqualTo(sha256(BLOB) + " " + BLOB.length);
    // CONNECT tunnel (curl -p), both ways.
    Path tunneled = dir.resolve("http-connect.bin");
    curl("-p", "-x", proxy, "-o", tunneled.toString(), "http://alpha/blob");
    assertThat(sha256(Files.readAllBytes(tunneled))).isEqualTo(sha256(BLOB));
    answer = curl("-p", "-x", proxy, "--data-binary", "@" + blobFile, "http://alpha/sha256");
    assertThat(answer).isEqualTo(sha256(BLOB) + " " + BLOB.length);
  }

  @Test
  void shouldConnectToAnIpv6MeshAddressResolvedByTheClient() throws Exception {
    Prerequisites.requireTools("curl");
    InetAddress v6 =
        alpha.self().hosts().stream()
            .filter(a -> a instanceof java.net.Inet6Address)
            .findFirst()
            .orElseThrow();
    // --socks5 (not -hostname): curl sends the literal as ATYP 4.
    String answer =
        curl(
            "--socks5",
            "127.0.0.1:" + bravoProxies.socks5().address().getPort(),
            "--data-binary",
            "hello",
            "http://[" + v6.getHostAddress() + "]/sha256");
    assertThat(answer).isEqualTo(sha256("hello".getBytes(StandardCharsets.US_ASCII)) + " 5");
  }

  @Test
  void shouldDialOutsideTheMeshOnlyWithTheDirectFallback() throws Exception {
    int hostPort = http.getAddress().getPort();
    byte[] loopback = {5, 1, 0, 1, 127, 0, 0, 1, (byte) (hostPort >> 8), (byte) hostPort};
    assertThat(socksConnect(bravoProxies.socks5().address().getPort(), loopback))
        .isEqualTo(Socks5.REP_NETWORK_UNREACHABLE);
    try (UserspaceProxies direct =
        UserspaceProxies.start(
            bravo,
            ProxyOptions.NONE
                .withSocks5(ProxyOptions.hostPort("127.0.0.1:0"))
                .withFallback(MeshDialer.Fallback.DIRECT))) {
      assertThat(socksConnect(direct.socks5().address().getPort(), loopback))
          .isEqualTo(Socks5.REP_SUCCEEDED);
    }
  }

  @Test
  void shouldCloseAnIdleRelayButNotOneBusyInOneDirection() throws Exception {
    Prerequisites.requireTools("curl");
    try (UserspaceProxies p =
        UserspaceProxies.start(
            bravo,
            ProxyOptions.NONE
                .withSocks5(ProxyOptions.hostPort("127.0.0.1:0"))
                .withLimits(ProxyLimits.DEFAULTS.withIdleTimeout(Duration.ofMillis(200))))) {
      int port = p.socks5().address().getPort();
      // An upload longer than the idle timeout, while the server stays silent until the end.
      String answer =
          curl(
              "--socks5-hostname",
              "127.0.0.1:" + port,
              "--limit-rate",
              "20M",
              "--data-binary",
              "@" + blobFile,
              "http://alpha/sha256");
      assertThat(answer).isEqualTo(sha256(BLOB) + " " + BLOB.length);
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        s.setSoTimeout((int) TIMEOUT.toMillis());
        OutputStream o = s.getOutputStream();
        DataInputStream in = new DataInputStream(s.getInputStream());
        o.write(new byte[] {5, 1, 0});
        in.readFully(new byte[2]);
        o.write(domainRequest("alpha", 80));
        byte[] reply = new byte[10];
        in.readFully(reply);
        assertThat(reply[1]).isZero();
        long t0 = System.nanoTime();
        assertThat(in.read()).as("closed when idle").isEqualTo(-1);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(TIMEOUT);
      }
    }
  }

  @Test
  void shouldEchoDatagramsThroughUdpAssociate() throws Exception {
    try (Socket control =
            new Socket(
                InetAddress.getLoopbackAddress(), bravoProxies.socks5().address().getPort());
        DatagramSocket udp =
            new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      control.setSoTimeout((int) TIMEOUT.toMillis());
      OutputStream o = control.getOutputStream();
      DataInputStream in = new DataInputStream(control.getInputStream());
      o.write(new byte[] {5, 1, 0});
      assertThat(in.readUnsignedByte()).isEqualTo(5);
      assertThat(in.readUnsignedByte()).isEqualTo(0);
      // UDP ASSOCIATE naming the client's UDP port.
      int port = udp.getLocalPort();
      o.write(new byte[] {5, 3, 0, 1, 127, 0, 0, 1, (byte) (port >> 8), (byte) port});
      byte[] reply = new byte[10];
      in.readFully(reply);
      assertThat(reply[1]).as("reply code").isEqualTo((byte) 0);
      InetSocketAddress relay =
          new InetSocketAddress(
              InetAddress.getByAddress(java.util.Arrays.copyOfRange(reply, 4, 8)),
              ((reply[8] & 0xFF) << 8) | (reply[9] & 0xFF));
      udp.setSoTimeout(1000);
      InetAddress alphaV4 =
          alpha.self().hosts().stream()
              .filter(a -> a instanceof java.net.Inet4Address)
              .findFirst()
              .orElseThrow();
      for (int i = 0; i < 5; i++) {
        String text = "datagram " + i;
        byte[] header = i % 2 == 0 ? domainHeader("alpha", 9) : ipv4Header(alphaV4, 9);
        byte[] out = concat(header, text.getBytes(StandardCharsets.US_ASCII));
        // UDP may lose the first datagrams while the path warms up: resend, bounded.
        String echoed = null;
        for (int attempt = 0; attempt < 20 && echoed == null; attempt++) {
          udp.send(new DatagramPacket(out, out.length, relay));
          DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
          try {
            udp.receive(p);
          } catch (java.net.SocketTimeoutException e) {
            continue;
          }
          byte[] d = java.util.Arrays.copyOf(p.getData(), p.getLength());
          assertThat(d[3]).as("reply names an IPv4 source").isEqualTo((byte) 1);
          assertThat(InetAddress.getByAddress(java.util.Arrays.copyOfRange(d, 4, 8)))
              .isEqualTo(alphaV4);
          assertThat(((d[8] & 0xFF) << 8) | (d[9] & 0xFF)).isEqualTo(9);
          echoed = new String(d, 10, d.length - 10, StandardCharsets.US_ASCII);
        }
        assertThat(echoed).isEqualTo(text);
      }
    }
  }

  @Test
  void shouldAnswerUnknownNamesAndForeignAddressesWithTheRightReplyCodes() throws Exception {
    int port = bravoProxies.socks5().address().getPort();
    assertThat(socksConnect(port, domainRequest("no-such-node", 80)))
        .isEqualTo(Socks5.REP_HOST_UNREACHABLE);
    assertThat(socksConnect(port, domainRequest("example.com", 80)))
        .isEqualTo(Socks5.REP_HOST_UNREACHABLE);
    assertThat(socksConnect(port, new byte[] {5, 1, 0, 1, 8, 8, 8, 8, 0, 53}))
        .isEqualTo(Socks5.REP_NETWORK_UNREACHABLE);
    assertThat(socksConnect(port, new byte[] {5, 2, 0, 1, 8, 8, 8, 8, 0, 53}))
        .isEqualTo(Socks5.REP_COMMAND_NOT_SUPPORTED);
    assertThat(socksConnect(port, new byte[] {5, 1, 0, 9, 1, 2}))
        .isEqualTo(Socks5.REP_ADDRESS_TYPE_NOT_SUPPORTED);
    // The server keeps serving after garbage.
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(s.getInputStream().read()).as("closed without a reply").isEqualTo(-1);
    }
    assertThat(
            rawHttp(
                bravoProxies.httpProxy().address().getPort(),
                "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n"))
        .startsWith("HTTP/1.1 403");
    assertThat(
            rawHttp(
                bravoProxies.httpProxy().address().getPort(),
                "POST http://alpha/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"))
        .startsWith("HTTP/1.1 400");
  }

  @Test
  void shouldRequireTheConfiguredPassword() throws Exception {
    try (UserspaceProxies p =
        UserspaceProxies.start(
            bravo,
            ProxyOptions.NONE
                .withSocks5(ProxyOptions.hostPort("127.0.0.1:0"))
                .withUsers(Map.of("user", "secret")))) {
      int port = p.socks5().address().getPort();
      assertThat(auth(port, "user", "wrong")).isEqualTo(1);
      assertThat(auth(port, "user", "secret")).isEqualTo(0);
      if (Prerequisites.which("curl") != null) {
        Path got = dir.resolve("auth.bin");
        curl(
            "--socks5-hostname",
            "127.0.0.1:" + port,
            "--proxy-user",
            "user:secret",
            "-o",
            got.toString(),
            "http://alpha/blob");
        assertThat(sha256(Files.readAllBytes(got))).isEqualTo(sha256(BLOB));
      }
    }
  }

  // ---- clients ----

  static int auth(int port, String user, String password) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      OutputStream o = s.getOutputStream();
      DataInputStream in = new DataInputStream(s.getInputStream());
      o.write(new byte[] {5, 1, 2});
      assertThat(in.readUnsignedByte()).isEqualTo(5);
      assertThat(in.readUnsignedByte()).isEqualTo(2);
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.write(1);
      b.write(user.length());
      b.writeBytes(user.getBytes(StandardCharsets.US_ASCII));
      b.write(password.length());
      b.writeBytes(password.getBytes(StandardCharsets.US_ASCII));
      o.write(b.toByteArray());
      assertThat(in.readUnsignedByte()).isEqualTo(1);
      return in.readUnsignedByte();
    }
  }

  static int socksConnect(int port, byte[] request) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(20_000);
      OutputStream o = s.getOutputStream();
      DataInputStream in = new DataInputStream(s.getInputStream());
      o.write(new byte[] {5, 1, 0});
      assertThat(in.readUnsignedByte()).isEqualTo(5);
      assertThat(in.readUnsignedByte()).isEqualTo(0);
      o.write(request);
      assertThat(in.readUnsignedByte()).isEqualTo(5);
      return in.readUnsignedByte();
    }
  }

  static String rawHttp(int port, String request) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(20_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  static byte[] domainRequest(String name, int port) {
    return concat(new byte[] {5, 1, 0}, domainHeader(name, port), 3);
  }

  /** RSV RSV FRAG ATYP=3 LEN NAME PORT; with an offset, only ATYP onwards. */
  static byte[] domainHeader(String name, int port) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {0, 0, 0, 3, (byte) name.length()});
    b.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
    b.write(port >> 8);
    b.write(port);
    return b.toByteArray();
  }

  static byte[] ipv4Header(InetAddress a, int port) {
    return concat(
        concat(new byte[] {0, 0, 0, 1}, a.getAddress()),
        new byte[] {(byte) (port >> 8), (byte) port});
  }

  static byte[] concat(byte[] a, byte[] b) {
    return concat(a, b, 0);
  }

  static byte[] concat(byte[] a, byte[] b, int skipOfB) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length - skipOfB);
    System.arraycopy(b, skipOfB, out, a.length, b.length - skipOfB);
    return out;
  }

  static String curl(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("curl", "-sS", "--fail", "--max-time", "60", "--noproxy", ""));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
    byte[] out;
    try (InputStream in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("curl finished").isTrue();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("curl %s: %s", cmd, err).isZero();
    return new String(out, StandardCharsets.US_ASCII);
  }

  static void report(String what, long t0) {
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "%s: %d MiB in %.2f s = %.1f MiB/s (loaded shared machine)%n",
        what, BLOB.length >> 20, s, (BLOB.length >> 20) / s);
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
