package io.weft.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.agent.cli.WeftCli;
import io.weft.agent.daemon.Daemon;
import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import java.io.DataInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weft up --socks5 --http-proxy --forward} through the daemon's local API. */
class UpProxyFlagsTest {
  @TempDir Path dir;
  ControlServer server;
  Daemon daemon;
  Path socket;

  record Run(int exit, String out, String err) {}

  @BeforeEach
  void start() throws Exception {
    server =
        ControlServer.start(ControlConfig.defaults(dir.resolve("control")).withAdminToken("admin"));
    socket = dir.resolve("run/weftd.sock");
    daemon =
        new Daemon(
            dir.resolve("state"),
            socket,
            c -> c.withBackoff(Duration.ofMillis(20), Duration.ofMillis(500)));
    daemon.start();
  }

  @AfterEach
  void stop() throws Exception {
    daemon.close();
    server.close();
  }

  Run weft(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--socket";
    all[1] = socket.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = WeftCli.run(all, new PrintWriter(out), new PrintWriter(err));
    return new Run(rc, out.toString(), err.toString());
  }

  String key() {
    return server
        .admin()
        .createPreAuthKey("mesh", null, true, false, false, List.of(), Duration.ofHours(1))
        .secret();
  }

  @Test
  void shouldRefuseProxiesInKernelModeWithAClearError() {
    Run r =
        weft(
            "up",
            "--login-server",
            server.url().toString(),
            "--auth-key",
            key(),
            "--tun=kernel",
            "--socks5",
            "127.0.0.1:1055");
    assertThat(r.exit()).isNotZero();
    assertThat(r.out() + r.err()).contains("need --tun=userspace");
  }

  @Test
  void shouldRefuseAMalformedForwardRule() {
    Run r =
        weft(
            "up",
            "--login-server",
            server.url().toString(),
            "--auth-key",
            key(),
            "--tun=userspace",
            "--forward",
            "sctp:80=127.0.0.1:8080");
    assertThat(r.exit()).isNotZero();
    assertThat(r.out() + r.err()).contains("--forward");
  }

  @Test
  void shouldReadSocks5UsersFromAFileAndNameOnlyTheLineOfABadOne() throws Exception {
    Path users = dir.resolve("users");
    java.nio.file.Files.writeString(users, "# proxy users\nalice:s3cret\n\nbob:pw:with:colons\n");
    assertThat(ProxyOptions.readUsers(users))
        .isEqualTo(java.util.Map.of("alice", "s3cret", "bob", "pw:with:colons"));
    java.nio.file.Files.writeString(users, "alice:s3cret\nno-password-here\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProxyOptions.readUsers(users))
        .hasMessageContaining("line 2")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void shouldServeSocks5AfterUpInUserspaceMode() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Run r =
        weft(
            "up",
            "--login-server",
            server.url().toString(),
            "--auth-key",
            key(),
            "--hostname",
            "solo",
            "--tun=userspace",
            "--advertise",
            "127.0.0.1",
            "--timeout",
            "30s",
            "--socks5",
            "127.0.0.1:" + port,
            "--http-proxy",
            "127.0.0.1:0",
            "--forward",
            "tcp:80=127.0.0.1:9");
    assertThat(r.exit()).as("%s %s", r.out(), r.err()).isZero();
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(new byte[] {5, 1, 0});
      DataInputStream in = new DataInputStream(s.getInputStream());
      assertThat(in.readUnsignedByte()).isEqualTo(5);
      assertThat(in.readUnsignedByte()).isEqualTo(0);
    }
    assertThat(weft("down").exit()).isZero();
    // The proxies stop with the node.
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      throw new AssertionError("still listening after down");
    } catch (java.net.ConnectException expected) {
      // Closed.
    }
  }
}
