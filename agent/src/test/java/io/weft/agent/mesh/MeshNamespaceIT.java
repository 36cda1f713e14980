package io.weft.agent.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.agent.backend.Backend;
import io.weft.agent.backend.BackendState;
import io.weft.agent.mesh.MeshNet.Node;
import io.weft.agent.mesh.MeshNet.Output;
import io.weft.testing.Prerequisites;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7, end to end with the real processes: a coordination server ({@code weft-control.jar
 * serve}, SQLite) and Weft nodes ({@code weft daemon}, driven by the {@code weft} CLI), each in its
 * own network namespace, joined through a bridge. The kernel's own {@code ping} and TCP ({@code
 * socat}) run through the nodes' kernel TUNs; {@code weft status --json} is parsed with {@link
 * Backend.Status#fromJson} at every step.
 *
 * <ol>
 *   <li>three nodes join with a pre-auth key; every pair pings (IPv4 and IPv6) and moves 10 MB of
 *       TCP each way, checked by SHA-256; the TUN has the /32, MTU 1280 and both mesh routes; the
 *       status shows a handshake and more than 10 MB each way per peer;
 *   <li>a fourth node joins later and is reachable from all within 2 s of {@code weft up} returning
 *       (measured from that instant to the first echo reply);
 *   <li>one node's key is rotated while two others move data back to back: every transfer completes
 *       intact (at least one was in flight during the rotation), the rotated node keeps its
 *       addresses and its peers learn the new key. The CLI contract has no rotate command, so the
 *       rotation is {@code weft logout} then {@code weft up --auth-key} (a new node key for the
 *       same node);
 *   <li>the coordination server is killed (SIGKILL): transfers in flight complete, every node stays
 *       RUNNING with its peers, all pairs ping, another 10 MB moves; restarted on the same
 *       database, every node reconnects (the server lists each online, advertising only its bridge
 *       address) and a new change flows: the admin deletes the fourth node, which becomes
 *       unreachable both ways (TCP too), drops to NOT_LOGGED_IN with no peers, and leaves the
 *       others' peer lists;
 *   <li>a node in userspace mode ({@code --tun=userspace}, no TUN device in its namespace) joins:
 *       the kernel nodes' {@code ping} reaches its netstack (IPv4 and IPv6), their TCP SYN gets the
 *       netstack's RST ("connection refused": TCP segments cross the tunnel both ways), and {@code
 *       weft ping} works from it to each of them and from them to it. Not covered: a TCP data
 *       transfer to or from the userspace node (the CLI has no listener or connector).
 * </ol>
 */
class MeshNamespaceIT {
  static final Duration JOIN_TO_REACHABLE = Duration.ofSeconds(2);
  static final Duration STATUS_TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path tmp;
  MeshNet mesh;
  MeshTraffic traffic;
  String authKey;
  final Map<String, String> ip4 = new ConcurrentHashMap<>();
  final Map<String, String> ip6 = new ConcurrentHashMap<>();
  final long startNanos = System.nanoTime();

  @BeforeEach
  void setUp() throws Exception {
    Prerequisites.requireRootAndTools("ping", "socat", "ss");
    mesh = new MeshNet(tmp);
    mesh.createBridge();
    traffic = new MeshTraffic(mesh);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (mesh != null) {
      mesh.close();
      mesh.keepLogs(Path.of("target", "mesh-it-logs"));
    }
    report("whole test (including set-up and clean-up)", System.nanoTime() - startNanos);
  }

  @Test
  void meshOfNamespacesThroughJoinsRotationServerLossDeletionAndUserspaceMode() throws Exception {
    mesh.startControl();
    if (Prerequisites.which("tcpdump") != null) {
      // Diagnostics only (kept in target/mesh-it-logs): WireGuard handshake messages on the bridge.
      mesh.start(
          "handshakes.log",
          "ip",
          "netns",
          "exec",
          mesh.bridgeNs(),
          "tcpdump",
          "-i",
          "br0",
          "-n",
          "-U",
          "-tt",
          "-l",
          "udp and (udp[8] = 1 or udp[8] = 2 or udp[8] = 3)");
    }
    authKey = mesh.authKey();
    List<Node> first = threeNodesJoinAndEveryPairMovesTenMegabytes();
    Node n4 = aLateJoinerIsReachableFromAllWithinTwoSeconds(first);
    rotatingOneKeyDoesNotBreakTheOthersTransfers(first.get(0), first.get(1), first.get(2));
    List<Node> all = new ArrayList<>(first);
    all.add(n4);
    trafficKeepsFlowingWhileTheServerIsDown(all);
    theRestartedServerDeliversADeletion(first, n4);
    aUserspaceNodeReachesAndIsReachedByTheKernelNodes(first);
  }

  // ---- 1 ----

  List<Node> threeNodesJoinAndEveryPairMovesTenMegabytes() throws Exception {
    long t = System.nanoTime();
    List<Node> nodes = new ArrayList<>();
    for (String name : List.of("n1", "n2", "n3")) {
      nodes.add(mesh.addNode(name));
    }
    MeshNet.eachInParallel(
        nodes,
        n -> {
          n.startDaemon();
          n.up(authKey);
        });
    report("3 daemons started and up", System.nanoTime() - t);
    MeshNet.eachInParallel(
        nodes,
        n -> {
          Backend.Status s = awaitPeers(n, names(nodes, n));
          assertThat(s.state()).isEqualTo(BackendState.RUNNING);
          assertThat(s.controlConnected()).as("%s attached to the map stream", n).isTrue();
          assertThat(s.hostname()).isEqualTo(n.name);
          assertThat(s.nodeKey()).as("%s's node key", n).isNotBlank();
          learnAddresses(n, s);
          assertKernelTun(n);
        });
    t = System.nanoTime();
    for (int i = 0; i < nodes.size(); i++) {
      for (int j = i + 1; j < nodes.size(); j++) {
        Node a = nodes.get(i);
        Node b = nodes.get(j);
        traffic.ping(a, b, ip4.get(b.name));
        traffic.ping(b, a, ip4.get(a.name));
        traffic.ping(a, b, ip6.get(b.name));
        traffic.ping(b, a, ip6.get(a.name));
        report("10 MB TCP " + a + " -> " + b, traffic.transfer(a, b, ip4.get(b.name)).toNanos());
        report("10 MB TCP " + b + " -> " + a, traffic.transfer(b, a, ip4.get(a.name)).toNanos());
      }
    }
    report("pings and 6 x 10 MB among 3 nodes", System.nanoTime() - t);
    // The daemons' counters saw it: every peer has a handshake and at least 10 MB each way.
    MeshNet.eachInParallel(
        nodes,
        n -> {
          Backend.Status s = n.status();
          for (Backend.PeerStatus p : s.peers()) {
            assertThat(p.lastHandshakeEpochMillis())
                .as("%s: handshake with %s", n, p.name())
                .isPositive();
            assertThat(p.rxBytes())
                .as("%s: bytes from %s", n, p.name())
                .isGreaterThan(MeshTraffic.TRANSFER_BYTES);
            assertThat(p.txBytes())
                .as("%s: bytes to %s", n, p.name())
                .isGreaterThan(MeshTraffic.TRANSFER_BYTES);
            assertThat(p.endpoint())
                .as("%s: endpoint of %s on the bridge", n, p.name())
                .startsWith(MeshNet.UNDERLAY);
          }
        });
    return nodes;
  }

  // ---- 2 ----

  Node aLateJoinerIsReachableFromAllWithinTwoSeconds(List<Node> others) throws Exception {
    Node n4 = mesh.addNode("n4");
    n4.startDaemon();
    long upStarted = System.nanoTime();
    n4.up(authKey);
    long joined = System.nanoTime();
    report("n4: weft up (JVM start to RUNNING)", joined - upStarted);
    // The address from the TUN (no JVM start in the measured window); checked against the status
    // below.
    String n4Ip = tunAddress(n4);
    // The others probe n4 at once (three different pairs) while n4 stays silent. When both ends of
    // a
    // pair initiate at the same instant, each may consume the other's initiation before the answer
    // to its own arrives; both answers are then refused (a response is only taken in the
    // "initiation sent" state, as in the WireGuard paper and wireguard-go) and the pair waits for
    // the REKEY_TIMEOUT retry (5 s). Seen here with n4 pinging back at the same time; reported.
    Map<String, MeshTraffic.FirstReply> reached = new ConcurrentHashMap<>();
    MeshNet.eachInParallel(
        others,
        o -> {
          MeshTraffic.FirstReply r = traffic.firstReply(o, n4Ip, joined, Duration.ofSeconds(10));
          assertThat(r).as("%s gets a reply from n4 at all", o).isNotNull();
          reached.put(o + " -> n4", r);
        });
    reached.forEach(
        (pair, r) ->
            report(
                "join-to-reachable " + pair + " (first reply to echo #" + r.seq() + ")",
                r.nanos()));
    for (Node o : others) {
      assertThat(Duration.ofNanos(reached.get(o + " -> n4").nanos()))
          .as("%s reaches n4 after it joined", o)
          .isLessThanOrEqualTo(JOIN_TO_REACHABLE);
    }
    for (Node o : others) {
      traffic.ping(n4, o, ip4.get(o.name));
    }
    Backend.Status s = awaitPeers(n4, names(others, null));
    learnAddresses(n4, s);
    assertThat(ip4.get("n4")).isEqualTo(n4Ip);
    MeshNet.eachInParallel(others, o -> awaitPeers(o, union(names(others, o), Set.of("n4"))));
    traffic.ping(n4, others.getFirst(), ip6.get(others.getFirst().name));
    traffic.transfer(n4, others.getFirst(), ip4.get(others.getFirst().name));
    return n4;
  }

  // ---- 3 ----

  void rotatingOneKeyDoesNotBreakTheOthersTransfers(Node a, Node b, Node rotated) throws Exception {
    Backend.Status before = rotated.status();
    MeshTraffic.Across across =
        traffic.transfersAcross(
            a, ip4.get(a.name), b, ip4.get(b.name), () -> rotateNodeKey(rotated));
    report(
        "key rotation of "
            + rotated
            + " ("
            + across.transfers()
            + " transfers "
            + a
            + " <-> "
            + b
            + ", "
            + across.overlapping()
            + " during it)",
        across.disruption().toNanos());
    Backend.Status after = rotated.status();
    assertThat(after.nodeKey()).as("%s's new node key", rotated).isNotEqualTo(before.nodeKey());
    assertThat(after.addresses()).as("addresses survive a rotation").isEqualTo(before.addresses());
    List<Node> peers = mesh.nodes().stream().filter(n -> n != rotated).toList();
    MeshNet.eachInParallel(
        peers,
        o -> {
          o.awaitStatus(
              "peer " + rotated + " with the new key",
              STATUS_TIMEOUT,
              st ->
                  st.peers().stream()
                      .anyMatch(
                          p ->
                              p.name().equals(rotated.name)
                                  && after.nodeKey().equals(p.nodeKey())));
          traffic.ping(o, rotated, ip4.get(rotated.name));
          traffic.ping(rotated, o, ip4.get(o.name));
        });
    traffic.transfer(rotated, a, ip4.get(a.name));
  }

  /**
   * Rotates the node key through the CLI (see the report: the contract names no rotate command).
   */
  void rotateNodeKey(Node n) throws Exception {
    n.cliOk("logout");
    n.awaitStatus(
        "NOT_LOGGED_IN after logout", STATUS_TIMEOUT, s -> s.state() == BackendState.NOT_LOGGED_IN);
    n.up(authKey);
  }

  // ---- 4 ----

  void trafficKeepsFlowingWhileTheServerIsDown(List<Node> nodes) throws Exception {
    Node a = nodes.get(0);
    Node b = nodes.get(1);
    long killed = System.nanoTime();
    // a <-> b keep moving data through the kill and until every node has noticed the server is
    // gone.
    MeshTraffic.Across across =
        traffic.transfersAcross(
            a,
            ip4.get(a.name),
            b,
            ip4.get(b.name),
            () -> {
              mesh.killControl();
              MeshNet.eachInParallel(
                  nodes,
                  n -> {
                    Backend.Status s =
                        n.awaitStatus(
                            "control connection lost",
                            STATUS_TIMEOUT,
                            st -> !st.controlConnected());
                    assertThat(s.state())
                        .as("%s keeps running without the server", n)
                        .isEqualTo(BackendState.RUNNING);
                    assertThat(s.peers()).as("%s keeps its peers", n).hasSize(nodes.size() - 1);
                  });
            });
    report(
        "server kill until all nodes noticed ("
            + across.transfers()
            + " transfers "
            + a
            + " <-> "
            + b
            + ", "
            + across.overlapping()
            + " during it)",
        across.disruption().toNanos());
    for (Node x : nodes) {
      for (Node y : nodes) {
        if (x != y) {
          traffic.ping(x, y, ip4.get(y.name)); // one pair at a time: no crossing handshakes
        }
      }
    }
    traffic.transfer(nodes.get(2), nodes.get(3), ip4.get(nodes.get(3).name));
    report("server down: transfers, all-pairs ping, one more 10 MB", System.nanoTime() - killed);

    long restart = System.nanoTime();
    mesh.startControl();
    MeshNet.eachInParallel(
        nodes,
        n ->
            n.awaitStatus(
                "reconnected to the restarted server",
                Duration.ofSeconds(60),
                Backend.Status::controlConnected));
    report("server restart to all nodes reconnected", System.nanoTime() - restart);
    // The restarted server has them all online, each advertising only its bridge address (never a
    // mesh one).
    JsonNode listed = new ObjectMapper().readTree(mesh.admin("nodes", "--json").stdout());
    for (Node n : nodes) {
      JsonNode entry = null;
      for (JsonNode e : listed) {
        if (e.path("hostname").asText().equals(n.name)) {
          entry = e;
        }
      }
      assertThat(entry).as("the server lists %s", n).isNotNull();
      assertThat(entry.path("online").asBoolean()).as("%s online at the server", n).isTrue();
      List<String> endpoints = new ArrayList<>();
      entry.path("endpoints").forEach(e -> endpoints.add(e.asText()));
      assertThat(endpoints)
          .as("%s's advertised endpoints", n)
          .isNotEmpty()
          .allMatch(e -> e.startsWith(n.underlayIp + ":"), "on the bridge");
    }
  }

  // ---- 4, continued ----

  void theRestartedServerDeliversADeletion(List<Node> others, Node deleted) throws Exception {
    String target = ip4.get(deleted.name);
    MeshNet.eachInParallel(others, o -> traffic.ping(o, deleted, target));
    mesh.admin("delete", deleted.name);
    long gone = System.nanoTime();
    MeshNet.eachInParallel(
        others,
        o ->
            MeshNet.await(
                o + " no longer reaches the deleted " + deleted,
                Duration.ofSeconds(10),
                () -> {
                  try {
                    return !traffic.answers(o, target);
                  } catch (Exception e) {
                    throw new AssertionError(e);
                  }
                }));
    report("deletion to unreachable from all", System.nanoTime() - gone);
    Backend.Status s =
        deleted.awaitStatus(
            "logged out by the deletion",
            STATUS_TIMEOUT,
            st -> st.state() == BackendState.NOT_LOGGED_IN);
    assertThat(s.peers()).as("the deleted node has no peers left").isEmpty();
    MeshNet.eachInParallel(
        others,
        o -> {
          Backend.Status os = awaitPeers(o, names(others, o));
          assertThat(os.peers())
              .extracting(Backend.PeerStatus::nodeKey)
              .doesNotContain(s.nodeKey());
          assertThat(traffic.answers(deleted, ip4.get(o.name)))
              .as("the deleted node reaches %s", o)
              .isFalse();
          Output again = o.inNs("ping", "-c", "3", "-i", "0.2", "-w", "2", target);
          assertThat(again.exit())
              .as("%s still cannot reach the deleted node:%n%s", o, again.stdout())
              .isNotZero();
        });
    Output tcp =
        others
            .getFirst()
            .inNs("socat", "-u", "OPEN:/dev/null", "TCP:" + target + ":7,connect-timeout=2");
    assertThat(tcp.exit()).as("TCP to the deleted node:%n%s", tcp.both()).isNotZero();
  }

  // ---- 5 ----

  void aUserspaceNodeReachesAndIsReachedByTheKernelNodes(List<Node> kernel) throws Exception {
    long t = System.nanoTime();
    Node u = mesh.addNode("n5");
    u.startDaemon();
    u.up(authKey, "--tun=userspace");
    Backend.Status s = awaitPeers(u, names(kernel, null));
    learnAddresses(u, s);
    Output links = u.inNs("ip", "-d", "-o", "link", "show");
    assertThat(links.stdout())
        .as("no TUN device in the userspace node's namespace")
        .doesNotContain("weft0")
        .doesNotContain("tun type");
    MeshNet.eachInParallel(
        kernel,
        k -> {
          awaitPeers(k, union(names(kernel, k), Set.of(u.name)));
          traffic.ping(k, u, ip4.get(u.name));
          traffic.ping(k, u, ip6.get(u.name));
          assertWeftPing(u, k);
          assertWeftPing(k, u);
          // A SYN to a closed port of the netstack gets its RST back: TCP goes both ways through
          // the tunnel.
          Output syn =
              k.inNs(
                  "socat",
                  "-u",
                  "OPEN:/dev/null",
                  "TCP:" + ip4.get(u.name) + ":9,connect-timeout=5");
          assertThat(syn.exit()).isNotZero();
          assertThat(syn.stderr())
              .as("%s -> %s TCP: refused by the netstack", k, u)
              .contains("Connection refused");
        });
    report("userspace node: join, pings both ways, TCP RST", System.nanoTime() - t);
  }

  void assertWeftPing(Node from, Node to) throws Exception {
    Output o = from.cliOk("ping", "-c", "3", "--interval", "200ms", "--timeout", "5s", to.name);
    assertThat(o.stdout())
        .as("weft ping %s -> %s", from, to)
        .containsPattern(
            "pong from "
                + to.name
                + " \\("
                + java.util.regex.Pattern.quote(ip4.get(to.name))
                + "\\) via "
                + java.util.regex.Pattern.quote(MeshNet.UNDERLAY)
                + "\\d+:\\d+ in \\d+\\.\\d\\dms");
  }

  // ---- helpers ----

  /** The node's status once its peers are exactly {@code names} (and it runs). */
  Backend.Status awaitPeers(Node n, Set<String> names) throws Exception {
    return n.awaitStatus(
        "running with peers " + names,
        STATUS_TIMEOUT,
        s ->
            s.state() == BackendState.RUNNING
                && s.peers().stream()
                    .map(Backend.PeerStatus::name)
                    .collect(Collectors.toSet())
                    .equals(names));
  }

  void learnAddresses(Node n, Backend.Status s) {
    String v4 = n.meshIp(s, 4);
    String v6 = n.meshIp(s, 6);
    assertThat(v4)
        .as("%s's IPv4 in 100.64.0.0/10", n)
        .matches("100\\.(6[4-9]|[7-9]\\d|1[01]\\d|12[0-7])\\.\\d+\\.\\d+");
    assertThat(v6).as("%s's IPv6 in fd7a:115c:a1e0::/48", n).startsWith("fd7a:115c:a1e0:");
    ip4.put(n.name, v4);
    ip6.put(n.name, v6);
  }

  /** Kernel mode: the TUN carries the node's /32, MTU 1280, and the mesh routes point into it. */
  void assertKernelTun(Node n) throws Exception {
    String addr = n.inNs("ip", "-o", "addr", "show", "dev", "weft0").stdout();
    assertThat(addr).as("%s's weft0 addresses", n).contains(ip4.get(n.name) + "/32");
    assertThat(n.inNs("ip", "-o", "link", "show", "dev", "weft0").stdout()).contains("mtu 1280");
    assertThat(n.inNs("ip", "-4", "route").stdout())
        .as("%s's IPv4 routes", n)
        .contains("100.64.0.0/10 dev weft0");
    assertThat(n.inNs("ip", "-6", "route").stdout())
        .as("%s's IPv6 routes", n)
        .contains("fd7a:115c:a1e0::/48 dev weft0");
  }

  /** The IPv4 address on the node's weft0 (read with ip(8): fast, no JVM). */
  String tunAddress(Node n) throws Exception {
    String out = n.inNs("ip", "-o", "-4", "addr", "show", "dev", "weft0").stdout();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("inet (\\d+\\.\\d+\\.\\d+\\.\\d+)/32").matcher(out);
    assertThat(m.find()).as("%s's weft0 has an IPv4 /32: %s", n, out).isTrue();
    return m.group(1);
  }

  static Set<String> names(List<Node> nodes, Node except) {
    return nodes.stream().filter(x -> x != except).map(x -> x.name).collect(Collectors.toSet());
  }

  static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> u = new java.util.HashSet<>(a);
    u.addAll(b);
    return u;
  }

  static void report(String what, long nanos) {
    System.out.printf("MeshNamespaceIT: %-70s %8.1f ms%n", what, nanos / 1e6);
  }
}
