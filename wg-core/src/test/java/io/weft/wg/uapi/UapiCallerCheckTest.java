package io.weft.wg.uapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.testing.Prerequisites;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.device.Device;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.testing.MemoryTun;
import io.weft.wg.time.NanoClock;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, local: the UAPI socket hands out the private key, so only root and its owner may use it
 * whatever its mode (under umask 000 the socket was world-connectable until the chmod, and a
 * connection made then was served); its path never replaces a file that is not a stale socket.
 */
class UapiCallerCheckTest {
  @TempDir Path tmp;
  Path dir;
  Device device;
  UapiServer server;
  NoisePrivateKey key = NoisePrivateKey.generate(new SecureRandom());

  @BeforeEach
  void setUp() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    dir = Files.createDirectory(tmp.resolve("wireguard"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    device =
        new Device(new MemoryTun(1420), new UdpBind(), NanoClock.SYSTEM, System.getLogger("test"));
    device.setPrivateKey(key);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) {
      server.close();
    }
    device.close();
  }

  @Test
  void shouldNotServeAnotherUserEvenWhenTheSocketModeLetsThemConnect() throws Exception {
    Prerequisites.requireRootAndTools("setpriv", "socat");
    server = UapiServer.start(new Uapi(device), dir, "wgc0");
    // The mode a umask-000 bind leaves until the chmod (or any later mistake): anyone may connect.
    Files.setPosixFilePermissions(server.path(), PosixFilePermissions.fromString("rwxrwxrwx"));

    String asNobody =
        run(
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "socat",
            "-t",
            "2",
            "-",
            "UNIX-CONNECT:" + server.path());
    assertThat(asNobody).doesNotContain("private_key").doesNotContain("errno=0");
    assertThat(server.refused()).isEqualTo(1);

    String asRoot = run("socat", "-t", "2", "-", "UNIX-CONNECT:" + server.path());
    assertThat(asRoot).contains("private_key=").contains("errno=0");
  }

  @Test
  void shouldNeverDeleteARegularFileAtTheSocketPath() throws Exception {
    Path victim = Files.writeString(dir.resolve("wgc1.sock"), "someone's data\n");
    assertThatThrownBy(() -> UapiServer.start(new Uapi(device), dir, "wgc1"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a socket");
    assertThat(victim).hasContent("someone's data");
  }

  @Test
  void shouldReplaceAStaleSocketButNotALiveOne() throws Exception {
    Path path = dir.resolve("wgc2.sock");
    ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    crashed.bind(UnixDomainSocketAddress.of(path));
    crashed.close(); // the file stays, as after a crash
    assertThat(path).exists();
    server = UapiServer.start(new Uapi(device), dir, "wgc2");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path)))
        .isEqualTo("rw-------");
    assertThatThrownBy(() -> UapiServer.start(new Uapi(device), dir, "wgc2"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("listening");
  }

  @Test
  void shouldRefuseADirectoryOthersMayWrite() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThatThrownBy(() -> UapiServer.start(new Uapi(device), dir, "wgc3"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("writable by others");
  }

  /** Runs {@code cmd} with {@code get=1} on its input; returns what it printed. */
  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().write("get=1\n\n".getBytes(StandardCharsets.US_ASCII));
    p.getOutputStream().close(); // socat then waits at most -t seconds for the answer
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", cmd));
    }
    return out;
  }
}
