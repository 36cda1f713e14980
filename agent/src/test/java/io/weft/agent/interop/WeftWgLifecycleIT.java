package io.weft.agent.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Await;
import io.weft.testing.Prerequisites;
import io.weft.testing.netns.TestNet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft wg} starts like wireguard-go and stops cleanly: SIGTERM removes socket and interface.
 */
class WeftWgLifecycleIT {
  @TempDir Path tmp;
  TestNet net;
  String ns;

  @BeforeEach
  void setUp() throws Exception {
    Prerequisites.requireRootAndTools("wg");
    net = new TestNet(tmp);
    ns = net.namespace("wlc");
  }

  @AfterEach
  void tearDown() {
    if (net != null) {
      net.close();
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static void awaitTrue(String what, BooleanSupplier c) {
    Await.until(what, Duration.ofSeconds(30), c);
  }

  @Test
  void shouldRemoveSocketAndInterfaceOnSigterm() throws Exception {
    String iface = "wlc" + net.id;
    Path sock = Path.of("/var/run/wireguard", iface + ".sock");
    Process p =
        net.start(
            "weft.log",
            Map.of(),
            "ip",
            "netns",
            "exec",
            ns,
            java(),
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            WireGuardGoInteropIT.weftJar().toString(),
            "io.weft.agent.cli.WeftCli",
            "wg",
            "-f",
            iface);
    awaitTrue("socket " + sock, () -> Files.exists(sock));
    assertThat(net.run("ip", "-n", ns, "link", "show", iface)).contains(iface);
    assertThat(net.run("wg", "show", iface)).contains("interface: " + iface);
    p.destroy(); // SIGTERM
    assertThat(p.waitFor(20, TimeUnit.SECONDS))
        .as("weft exits on SIGTERM; log:%n%s", net.log("weft.log"))
        .isTrue();
    assertThat(sock).doesNotExist();
    assertThat(net.tryRun("ip", "-n", ns, "link", "show", iface).exit())
        .as("interface removed")
        .isNotZero();
  }

  @Test
  void shouldGoToTheBackgroundOnceUpAndStopWhenTheInterfaceIsDeleted() throws Exception {
    String iface = "wbg" + net.id;
    Path sock = Path.of("/var/run/wireguard", iface + ".sock");
    TestNet.Result r =
        net.tryRun(
            "ip",
            "netns",
            "exec",
            ns,
            java(),
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            WireGuardGoInteropIT.weftJar().toString(),
            "io.weft.agent.cli.WeftCli",
            "wg",
            iface);
    assertThat(r.exit()).as("weft wg (background): %s", r.output()).isZero();
    assertThat(sock).as("socket exists when the command returns").exists();
    assertThat(net.run("ip", "-n", ns, "link", "show", iface)).contains(iface);
    net.run("ip", "-n", ns, "link", "del", iface);
    awaitTrue("the background process removes its socket", () -> !Files.exists(sock));
  }

  @Test
  void shouldRefuseABadInterfaceName() throws Exception {
    TestNet.Result r =
        net.tryRun(
            java(),
            "-cp",
            WireGuardGoInteropIT.weftJar().toString(),
            "io.weft.agent.cli.WeftCli",
            "wg",
            "-f",
            "this-name-is-far-too-long");
    assertThat(r.exit()).isNotZero();
    assertThat(r.output()).contains("invalid interface name");
  }
}
