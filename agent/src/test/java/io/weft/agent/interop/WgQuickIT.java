package io.weft.agent.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Prerequisites;
import io.weft.testing.netns.TestNet;
import io.weft.wg.key.NoisePrivateKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * wg-quick(8) brings Weft up as its userspace implementation ({@code
 * WG_QUICK_USERSPACE_IMPLEMENTATION=bin/weft-wg}) in one namespace, against wireguard-go (also
 * through wg-quick) or another Weft in the other: ping both ways, iperf3 both directions, a 50 MB
 * HTTP download checked by hash, and wg-quick down removing interface, socket and process.
 */
class WgQuickIT {
  @TempDir Path tmp;
  TestNet net;
  String nsA;
  String nsB;
  String ifA;
  String ifB;
  final SecureRandom random = new SecureRandom();
  final NoisePrivateKey keyA = NoisePrivateKey.generate(random);
  final NoisePrivateKey keyB = NoisePrivateKey.generate(random);

  @BeforeEach
  void setUp() throws Exception {
    Prerequisites.requireRootAndTools(
        "wg-quick", "wg", "wireguard-go", "ping", "iperf3", "curl", "socat");
    net = new TestNet(tmp);
    nsA = net.namespace("wqa");
    nsB = net.namespace("wqb");
    net.link(nsA, "10.241.0.1/24", nsB, "10.241.0.2/24");
    ifA = "wqa" + net.id;
    ifB = "wqb" + net.id;
  }

  @AfterEach
  void tearDown() throws Exception {
    if (net != null) {
      for (String[] side : new String[][] {{nsA, ifA}, {nsB, ifB}}) {
        if (side[0] != null) {
          net.tryRun(
              "ip",
              "netns",
              "exec",
              side[0],
              "wg-quick",
              "down",
              tmp.resolve(side[1] + ".conf").toString());
        }
      }
      net.close();
    }
  }

  static Path repo() {
    return Path.of(System.getenv().getOrDefault("WEFT_REPO_ROOT", "..")).toAbsolutePath();
  }

  Path conf(
      String iface,
      NoisePrivateKey self,
      NoisePrivateKey peer,
      String addr,
      int port,
      String peerAddr,
      String endpoint)
      throws Exception {
    Path p = tmp.resolve(iface + ".conf");
    Files.writeString(
        p,
        """
        [Interface]
        PrivateKey = %s
        Address = %s/24
        ListenPort = %d

        [Peer]
        PublicKey = %s
        AllowedIPs = %s/32
        Endpoint = %s
        """
            .formatted(
                self.toBase64(), addr, port, peer.publicKey().toBase64(), peerAddr, endpoint));
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    return p;
  }

  void up(String ns, Path conf, String implementation) throws Exception {
    TestNet.Result r =
        net.tryRun(
            Map.of("WG_QUICK_USERSPACE_IMPLEMENTATION", implementation),
            "ip",
            "netns",
            "exec",
            ns,
            "wg-quick",
            "up",
            conf.toString());
    assertThat(r.exit()).as("wg-quick up %s:%n%s", conf, r.output()).isZero();
  }

  void bringUp(boolean weftOnBoth) throws Exception {
    String weft = repo().resolve("bin/weft-wg").toString();
    up(nsA, conf(ifA, keyA, keyB, "10.242.0.1", 51820, "10.242.0.2", "10.241.0.2:51821"), weft);
    up(
        nsB,
        conf(ifB, keyB, keyA, "10.242.0.2", 51821, "10.242.0.1", "10.241.0.1:51820"),
        weftOnBoth ? weft : "wireguard-go");
  }

  void ping(String ns, String to) throws Exception {
    TestNet.Result r =
        net.tryRun("ip", "netns", "exec", ns, "ping", "-c", "3", "-i", "0.2", "-W", "5", to);
    assertThat(r.exit()).as("ping %s:%n%s", to, r.output()).isZero();
  }

  void iperf(String clientNs, String serverNs, String serverAddr, boolean reverse)
      throws Exception {
    Process server =
        net.start(
            "iperf3-server.log",
            Map.of(),
            "ip",
            "netns",
            "exec",
            serverNs,
            "iperf3",
            "-s",
            "-1",
            "-B",
            serverAddr);
    awaitListening(serverNs, 5201);
    TestNet.Result r =
        reverse
            ? net.tryRun(
                "ip", "netns", "exec", clientNs, "iperf3", "-c", serverAddr, "-t", "5", "-R")
            : net.tryRun("ip", "netns", "exec", clientNs, "iperf3", "-c", serverAddr, "-t", "5");
    assertThat(r.exit()).as("iperf3:%n%s", r.output()).isZero();
    assertThat(r.output()).contains("receiver");
    assertThat(server.waitFor(20, TimeUnit.SECONDS)).isTrue();
  }

  void awaitListening(String ns, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!net.tryRun("ip", "netns", "exec", ns, "ss", "-Hltn", "sport = :" + port)
        .output()
        .contains(":" + port)) {
      assertThat(System.nanoTime() - deadline).as("listening on %d", port).isNegative();
      LockSupport.parkNanos(10_000_000L);
    }
  }

  void download(String clientNs, String serverNs, String serverAddr) throws Exception {
    byte[] data = new byte[50 << 20];
    new Random(50).nextBytes(data);
    Path file = tmp.resolve("file.bin");
    Files.write(file, data);
    Path header = tmp.resolve("header");
    Files.writeString(
        header,
        "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
            + data.length
            + "\r\n\r\n");
    net.start(
        "http.log",
        Map.of(),
        "ip",
        "netns",
        "exec",
        serverNs,
        "socat",
        "TCP-LISTEN:8080,bind=" + serverAddr + ",reuseaddr,fork",
        "SYSTEM:cat " + header + " " + file);
    awaitListening(serverNs, 8080);
    Path out = tmp.resolve("download.bin");
    TestNet.Result r =
        net.tryRun(
            "ip",
            "netns",
            "exec",
            clientNs,
            "curl",
            "-sS",
            "--fail",
            "--max-time",
            "120",
            "-o",
            out.toString(),
            "http://" + serverAddr + ":8080/file.bin");
    assertThat(r.exit()).as("curl:%n%s", r.output()).isZero();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    assertThat(HexFormat.of().formatHex(sha.digest(Files.readAllBytes(out))))
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)));
  }

  void checkAll() throws Exception {
    ping(nsA, "10.242.0.2");
    ping(nsB, "10.242.0.1");
    iperf(nsA, nsB, "10.242.0.2", false);
    iperf(nsA, nsB, "10.242.0.2", true);
    download(nsA, nsB, "10.242.0.2");
  }

  @Test
  void weftUnderWgQuickAgainstWireGuardGo() throws Exception {
    bringUp(false);
    assertThat(net.run("ip", "-n", nsA, "-br", "addr", "show", ifA)).contains("10.242.0.1/24");
    assertThat(net.run("ip", "-n", nsA, "route")).contains("10.242.0.0/24 dev " + ifA);
    checkAll();
  }

  @Test
  void weftOnBothSides() throws Exception {
    bringUp(true);
    checkAll();
  }

  @Test
  void wgQuickDownRemovesInterfaceSocketAndProcess() throws Exception {
    bringUp(false);
    ping(nsA, "10.242.0.2");
    Path sock = Path.of("/var/run/wireguard", ifA + ".sock");
    assertThat(sock).exists();
    String pids =
        net.tryRun("pgrep", "-f", "wg -f --mtu 1420 --uapi-dir /var/run/wireguard " + ifA)
            .output()
            .strip();
    assertThat(pids).as("the background weft process").isNotEmpty();
    TestNet.Result r =
        net.tryRun(
            "ip", "netns", "exec", nsA, "wg-quick", "down", tmp.resolve(ifA + ".conf").toString());
    assertThat(r.exit()).as("wg-quick down:%n%s", r.output()).isZero();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    ProcessHandle weft =
        ProcessHandle.of(Long.parseLong(pids.lines().findFirst().orElseThrow())).orElse(null);
    while ((Files.exists(sock) || (weft != null && weft.isAlive()))
        && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(20_000_000L);
    }
    assertThat(sock).as("UAPI socket removed").doesNotExist();
    assertThat(weft == null || !weft.isAlive()).as("weft process exited").isTrue();
    assertThat(net.tryRun("ip", "-n", nsA, "link", "show", ifA).exit())
        .as("interface gone")
        .isNotZero();
  }
}
