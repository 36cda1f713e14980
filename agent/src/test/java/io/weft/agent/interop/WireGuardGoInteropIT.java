package io.weft.agent.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Prerequisites;
import io.weft.testing.netns.TestNet;
import io.weft.wg.key.NoisePresharedKey;
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
 * Weft's engine ({@code weft wg}, kernel TUN) in one network namespace and Debian 12's wireguard-go
 * (0.0.20220316, on {@code PATH}) in another, joined by a veth pair and both configured with the
 * real wg(8): handshakes either way, ICMP both ways, hash-checked TCP transfers, PSK, roaming and
 * rekeying. {@link WireGuardGoDebian13InteropIT} runs the same cases against Debian 13's build.
 */
class WireGuardGoInteropIT {
  static final String TUN_A = "10.232.0.1";
  static final String TUN_B = "10.232.0.2";
  static final String NET_A = "10.231.0.1";
  static final String NET_B = "10.231.0.2";

  @TempDir Path tmp;
  TestNet net;
  String nsA;
  String nsB;
  String wgA;
  String wgB;
  final SecureRandom random = new SecureRandom();
  final NoisePrivateKey keyA = NoisePrivateKey.generate(random);
  final NoisePrivateKey keyB = NoisePrivateKey.generate(random);

  /** The wireguard-go binary under test. */
  String wireGuardGo() {
    return "wireguard-go";
  }

  /** Skips (laptop) or fails (CI) when {@link #wireGuardGo()} is missing. */
  void requireWireGuardGo() {
    Prerequisites.requireTools(wireGuardGo());
  }

  @BeforeEach
  void setUp() throws Exception {
    Prerequisites.requireRootAndTools("wg", "ping", "socat");
    requireWireGuardGo();
    net = new TestNet(tmp);
    nsA = net.namespace("wfa");
    nsB = net.namespace("wfb");
    net.link(nsA, NET_A + "/24", nsB, NET_B + "/24");
    wgA = "wga" + net.id;
    wgB = "wgb" + net.id;
  }

  @AfterEach
  void tearDown() {
    if (net != null) {
      net.close();
    }
  }

  static Path weftJar() {
    Path root = Path.of(System.getenv().getOrDefault("WEFT_REPO_ROOT", ".."));
    Path jar = root.resolve("agent/target/weft.jar");
    if (!Files.exists(jar)) {
      jar = Path.of("target/weft.jar");
    }
    assertThat(jar).as("the weft jar (built in the package phase)").exists();
    return jar.toAbsolutePath();
  }

  /** Starts wireguard-go in A and weft in B, configures both; PSKs may differ or be null. */
  void start(NoisePresharedKey pskA, NoisePresharedKey pskB, Map<String, String> weftEnv)
      throws Exception {
    start(pskA, pskB, weftEnv, NET_B + ":51821", NET_A + ":51820");
  }

  /** As above, with the endpoint each side is given for the other. */
  void start(
      NoisePresharedKey pskA,
      NoisePresharedKey pskB,
      Map<String, String> weftEnv,
      String endpointOfB,
      String endpointOfA)
      throws Exception {
    net.start(
        "wireguard-go.log",
        Map.of("LOG_LEVEL", "verbose"),
        "ip",
        "netns",
        "exec",
        nsA,
        wireGuardGo(),
        "-f",
        wgA);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var env = new java.util.HashMap<String, String>(weftEnv);
    env.put("LOG_LEVEL", "verbose");
    net.start(
        "weft.log",
        env,
        "ip",
        "netns",
        "exec",
        nsB,
        java,
        "--enable-native-access=ALL-UNNAMED",
        "-cp",
        weftJar().toString(),
        "io.weft.agent.cli.WeftCli",
        "wg",
        "-f",
        wgB);
    waitForSocket(wgA, "wireguard-go.log");
    waitForSocket(wgB, "weft.log");
    configure(wgA, nsA, keyA, keyB, pskA, 51820, endpointOfB, TUN_A, TUN_B);
    configure(wgB, nsB, keyB, keyA, pskB, 51821, endpointOfA, TUN_B, TUN_A);
  }

  void waitForSocket(String iface, String log) {
    Path sock = Path.of("/var/run/wireguard", iface + ".sock");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(sock)) {
      assertThat(System.nanoTime() - deadline)
          .as("UAPI socket of %s; log:%n%s", iface, net.log(log))
          .isNegative();
      LockSupport.parkNanos(20_000_000L);
    }
  }

  void configure(
      String iface,
      String ns,
      NoisePrivateKey self,
      NoisePrivateKey peer,
      NoisePresharedKey psk,
      int port,
      String endpoint,
      String addr,
      String peerAddr)
      throws Exception {
    Path key = tmp.resolve(iface + ".key");
    Files.writeString(key, self.toBase64() + "\n");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    var cmd =
        new java.util.ArrayList<>(
            java.util.List.of(
                "wg",
                "set",
                iface,
                "private-key",
                key.toString(),
                "listen-port",
                Integer.toString(port),
                "peer",
                peer.publicKey().toBase64(),
                "allowed-ips",
                peerAddr + "/32",
                "endpoint",
                endpoint));
    if (psk != null) {
      Path p = tmp.resolve(iface + ".psk");
      Files.writeString(p, psk.toBase64() + "\n");
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
      cmd.addAll(java.util.List.of("preshared-key", p.toString()));
    }
    net.run(cmd.toArray(String[]::new));
    net.run("ip", "-n", ns, "addr", "add", addr + "/24", "dev", iface);
    net.run("ip", "-n", ns, "link", "set", iface, "mtu", "1420", "up");
  }

  void ping(String ns, String to) throws Exception {
    TestNet.Result r =
        net.tryRun("ip", "netns", "exec", ns, "ping", "-c", "3", "-i", "0.2", "-W", "5", to);
    assertThat(r.exit())
        .as(
            "ping %s from %s:%n%s%nweft log:%n%s%nwireguard-go log:%n%s",
            to, ns, r.output(), net.log("weft.log"), net.log("wireguard-go.log"))
        .isZero();
  }

  long latestHandshake(String iface) throws Exception {
    String out = net.run("wg", "show", iface, "latest-handshakes").strip();
    return out.isEmpty() ? 0 : Long.parseLong(out.split("\\s+")[1]);
  }

  /**
   * Sends {@code bytes} random bytes with socat from one namespace to the other; checks SHA-256.
   */
  void transfer(String fromNs, String toNs, String toAddr, int bytes, Runnable midway)
      throws Exception {
    Path in = tmp.resolve("in-" + fromNs);
    Path out = tmp.resolve("out-" + toNs);
    byte[] data = new byte[bytes];
    new Random(bytes).nextBytes(data);
    Files.write(in, data);
    Files.deleteIfExists(out);
    Process server =
        net.start(
            "socat-server.log",
            Map.of(),
            "ip",
            "netns",
            "exec",
            toNs,
            "socat",
            "-u",
            "TCP-LISTEN:5001,reuseaddr",
            "CREATE:" + out);
    waitForListener(toNs);
    Process client =
        net.start(
            "socat-client.log",
            Map.of(),
            "ip",
            "netns",
            "exec",
            fromNs,
            "socat",
            "-u",
            "OPEN:" + in,
            "TCP:" + toAddr + ":5001");
    if (midway != null) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(out) || Files.size(out) < bytes / 4) {
        assertThat(System.nanoTime() - deadline).as("a quarter of the transfer").isNegative();
        assertThat(client.isAlive() || Files.size(out) >= bytes / 4).as("client alive").isTrue();
        LockSupport.parkNanos(5_000_000L);
      }
      midway.run();
    }
    assertThat(client.waitFor(120, TimeUnit.SECONDS)).as("transfer finished").isTrue();
    assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(client.exitValue()).as("socat client: %s", net.log("socat-client.log")).isZero();
    assertThat(sha256(out)).as("received data hash").isEqualTo(sha256(in));
  }

  void waitForListener(String ns) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!net.tryRun("ip", "netns", "exec", ns, "ss", "-Hltn", "sport = :5001")
        .output()
        .contains("5001")) {
      assertThat(System.nanoTime() - deadline).as("socat listening").isNegative();
      LockSupport.parkNanos(10_000_000L);
    }
  }

  static String sha256(Path p) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
  }

  @Test
  void wireGuardGoInitiatesAndBothWaysWork() throws Exception {
    start(null, null, Map.of());
    ping(nsA, TUN_B);
    ping(nsB, TUN_A);
    assertThat(latestHandshake(wgB)).isPositive();
    transfer(nsA, nsB, TUN_B, 10 << 20, null);
    transfer(nsB, nsA, TUN_A, 10 << 20, null);
    String dump = net.run("wg", "show", wgB, "transfer");
    long rx = Long.parseLong(dump.strip().split("\\s+")[1]);
    assertThat(rx).as("rx bytes reported by wg show").isGreaterThan(10L << 20);
  }

  @Test
  void weftInitiatesAndBothWaysWork() throws Exception {
    start(null, null, Map.of());
    ping(nsB, TUN_A);
    ping(nsA, TUN_B);
    transfer(nsB, nsA, TUN_A, 10 << 20, null);
  }

  @Test
  void shouldWorkWithAPresharedKey() throws Exception {
    NoisePresharedKey psk = NoisePresharedKey.generate(random);
    start(psk, NoisePresharedKey.fromHex(psk.toHex()), Map.of());
    ping(nsB, TUN_A);
    ping(nsA, TUN_B);
    transfer(nsA, nsB, TUN_B, 10 << 20, null);
  }

  @Test
  void shouldNeverCompleteAHandshakeWithAWrongPresharedKey() throws Exception {
    start(NoisePresharedKey.generate(random), NoisePresharedKey.generate(random), Map.of());
    TestNet.Result r1 = net.tryRun("ip", "netns", "exec", nsB, "ping", "-c", "2", "-W", "2", TUN_A);
    TestNet.Result r2 = net.tryRun("ip", "netns", "exec", nsA, "ping", "-c", "2", "-W", "2", TUN_B);
    assertThat(r1.exit()).isNotZero();
    assertThat(r2.exit()).isNotZero();
    assertThat(latestHandshake(wgA)).isZero();
    assertThat(latestHandshake(wgB)).isZero();
  }

  @Test
  void shouldKeepTheTransferGoingWhenWeftChangesItsPort() throws Exception {
    start(null, null, Map.of());
    ping(nsB, TUN_A);
    transfer(
        nsA,
        nsB,
        TUN_B,
        40 << 20,
        () -> {
          try {
            net.run("wg", "set", wgB, "listen-port", "51999");
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
    String endpoint = net.run("wg", "show", wgA, "endpoints").strip();
    assertThat(endpoint).as("wireguard-go roamed to Weft's new port").endsWith(NET_B + ":51999");
  }

  @Test
  void shouldRekeyAfterRekeyAfterTimeAndKeepTheTransferGoing() throws Exception {
    start(null, null, Map.of("WEFT_REKEY_AFTER_SECONDS", "3"));
    ping(nsB, TUN_A); // Weft initiates, so Weft is the side that rekeys
    long first = latestHandshake(wgB);
    // A steady flow from Weft for longer than REKEY_AFTER_TIME, then a hash-checked transfer.
    TestNet.Result flow =
        net.tryRun("ip", "netns", "exec", nsB, "ping", "-c", "30", "-i", "0.2", "-W", "2", TUN_A);
    assertThat(flow.exit()).as("no ping lost across the rekey:%n%s", flow.output()).isZero();
    assertThat(flow.output()).contains(" 0% packet loss");
    long second = latestHandshake(wgB);
    assertThat(second).as("a new handshake after REKEY_AFTER_TIME").isGreaterThan(first);
    transfer(nsB, nsA, TUN_A, 10 << 20, null);
  }

  /**
   * Both sides initiate at once and the initiations cross: a relay in B's namespace delays every
   * datagram by 300 ms (netem is not available everywhere), so each side's initiation arrives
   * before the response to the other's. wireguard-go then refuses Weft's response (its pending
   * initiation was overwritten); Weft accepts wireguard-go's, sends on that session, and
   * wireguard-go confirms it with the first packet. Both first pings must be answered well before
   * the 5 s REKEY_TIMEOUT retry that the old behaviour waited for.
   */
  @Test
  void shouldNotStallWhenBothSidesInitiateAtOnce() throws Exception {
    String relayClasses =
        Path.of(DelayRelay.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    net.start(
        "relay.log",
        Map.of(),
        "ip",
        "netns",
        "exec",
        nsB,
        java,
        "-cp",
        relayClasses,
        DelayRelay.class.getName(),
        "300",
        "120",
        NET_B + ":40000",
        NET_A + ":51820",
        "127.0.0.1:40001",
        "127.0.0.1:51821");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!net.log("relay.log").contains("ready")) {
      assertThat(System.nanoTime() - deadline)
          .as("relay up; log:%n%s", net.log("relay.log"))
          .isNegative();
      LockSupport.parkNanos(20_000_000L);
    }
    start(null, null, Map.of(), NET_B + ":40000", "127.0.0.1:40001");

    // One ping each way, started together; a reply must come within 3 s (the RTT is 0.6 s).
    long t0 = System.nanoTime();
    Process fromA =
        net.start(
            "ping-a.log",
            Map.of(),
            "ip",
            "netns",
            "exec",
            nsA,
            "ping",
            "-c",
            "1",
            "-W",
            "3",
            TUN_B);
    Process fromB =
        net.start(
            "ping-b.log",
            Map.of(),
            "ip",
            "netns",
            "exec",
            nsB,
            "ping",
            "-c",
            "1",
            "-W",
            "3",
            TUN_A);
    assertThat(fromA.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(fromB.waitFor(30, TimeUnit.SECONDS)).isTrue();
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    String logs =
        String.format(
            "%nping A:%n%s%nping B:%n%s%nweft log:%n%s%nwireguard-go log:%n%s",
            net.log("ping-a.log"),
            net.log("ping-b.log"),
            net.log("weft.log"),
            net.log("wireguard-go.log"));
    String wgLog = net.log("wireguard-go.log");
    assertThat(wgLog)
        .as("both sides initiated: %s", logs)
        .contains("Sending handshake initiation")
        .contains("Received handshake initiation");
    assertThat(fromA.exitValue())
        .as("wireguard-go's first ping answered within 3 s: %s", logs)
        .isZero();
    assertThat(fromB.exitValue()).as("Weft's first ping answered within 3 s: %s", logs).isZero();
    assertThat(seconds).as("no REKEY_TIMEOUT stall").isLessThan(5);
  }
}
