package io.weft.agent.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.agent.backend.StateDirectory;
import io.weft.agent.cli.WeftCli;
import io.weft.agent.daemon.Daemon;
import io.weft.agent.daemon.LocalApiServer;
import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import io.weft.wg.key.NoisePrivateKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI side of server identity: {@code weft up --server-key} pins a key and names both keys when
 * the server presents another; the same flag with the server's key accepts it; the pre-auth key
 * comes from standard input or a file; {@code weft logout} forgets the pin.
 */
class DaemonServerKeyTest {
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
            c -> c.withBackoff(Duration.ofMillis(20), Duration.ofMillis(200)));
    daemon.start();
  }

  @AfterEach
  void stop() throws Exception {
    daemon.close();
    server.close();
  }

  Run weft(String stdin, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--socket";
    all[1] = socket.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc =
        WeftCli.run(
            all,
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintWriter(out),
            new PrintWriter(err));
    return new Run(rc, out.toString(), err.toString());
  }

  @Test
  void shouldRefuseAServerWithAnotherKeyThanGivenAndAcceptItWhenTold() throws Exception {
    String key =
        server
            .admin()
            .createPreAuthKey("mesh", null, true, false, false, List.of(), Duration.ofHours(1))
            .secret();
    String other = NoisePrivateKey.generate(new SecureRandom()).publicKey().toBase64();
    String real = server.publicKey().toBase64();

    Run refused =
        weft(
            key + "\n",
            "up",
            "--login-server",
            server.url().toString(),
            "--auth-key",
            "-",
            "--server-key",
            other,
            "--tun=userspace",
            "--advertise",
            "127.0.0.1",
            "--timeout",
            "30s");
    assertThat(refused.exit()).as("%s", refused).isEqualTo(1);
    assertThat(refused.err())
        .contains("now presents key " + real)
        .contains("pinned key " + other)
        .contains("weft up --server-key " + real);

    Path keyFile = Files.writeString(dir.resolve("auth-key"), key + "\n");
    Run accepted =
        weft("", "up", "--auth-key", "file:" + keyFile, "--server-key", real, "--timeout", "30s");
    assertThat(accepted.exit()).as("%s", accepted).isZero();
    assertThat(new StateDirectory(dir.resolve("state"), new SecureRandom()).serverKey())
        .isEqualTo(server.publicKey());

    assertThat(weft("", "logout").exit()).isZero();
    assertThat(new StateDirectory(dir.resolve("state"), new SecureRandom()).serverKey()).isNull();
  }

  @Test
  void shouldNeverDeleteARegularFileAtTheLocalApiSocketPath() throws Exception {
    Path victim = Files.writeString(dir.resolve("run/notes.txt"), "keep me\n");
    assertThatThrownBy(() -> LocalApiServer.start(victim, (r, replies) -> replies.error("no")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a socket");
    assertThat(victim).hasContent("keep me");
  }
}
