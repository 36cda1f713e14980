package io.weft.control.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.control.policy.FilterRule.NetPortRange;
import io.weft.control.policy.FilterRule.Ports;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Compiler behaviour checked against what Tailscale's control plane sends (facts from the captures
 * named in package-info), on a topology of our own.
 */
class PolicyCompilerTest {

  static final String DEFS =
      """
        "groups": {"group:admins": ["alice@example.com"],
                   "group:dev": ["bob@example.org", "alice@example.com"]},
        "tagOwners": {"tag:server": ["alice@example.com"], "tag:db": ["alice@example.com"],
                      "tag:router": ["alice@example.com"], "tag:client": ["alice@example.com"]},
        "hosts": {"internal": "10.0.0.0/8", "outside": "192.0.2.7"},
      """;

  static final PolicyNode LAPTOP_A =
      PolicyNode.of(
          1, "laptop-a", "alice@example.com", Set.of(), "100.64.0.1", "fd7a:115c:a1e0::1");
  static final PolicyNode PHONE_A =
      PolicyNode.of(2, "phone-a", "alice@example.com", Set.of(), "100.64.0.2", "fd7a:115c:a1e0::2");
  static final PolicyNode LAPTOP_B =
      PolicyNode.of(3, "laptop-b", "bob@example.org", Set.of(), "100.64.0.3", "fd7a:115c:a1e0::3");
  static final PolicyNode SERVER =
      PolicyNode.of(
          10,
          "server",
          "alice@example.com",
          Set.of("tag:server"),
          "100.64.0.10",
          "fd7a:115c:a1e0::a");
  static final PolicyNode DB =
      PolicyNode.of(
          11, "db", "alice@example.com", Set.of("tag:db"), "100.64.0.11", "fd7a:115c:a1e0::b");
  static final PolicyNode ROUTER =
      PolicyNode.of(
              12,
              "router",
              "alice@example.com",
              Set.of("tag:router"),
              "100.64.0.12",
              "fd7a:115c:a1e0::c")
          .withRoutes("10.33.0.0/16");
  static final PolicyNode CLIENT =
      PolicyNode.of(
          13,
          "client",
          "alice@example.com",
          Set.of("tag:client"),
          "100.64.0.13",
          "fd7a:115c:a1e0::d");
  static final List<PolicyNode> NODES =
      List.of(LAPTOP_A, PHONE_A, LAPTOP_B, SERVER, DB, ROUTER, CLIENT);

  static final List<String> MEMBER_IPS =
      List.of(
          "100.64.0.1",
          "100.64.0.2",
          "100.64.0.3",
          "fd7a:115c:a1e0::1",
          "fd7a:115c:a1e0::2",
          "fd7a:115c:a1e0::3");
  static final List<String> WILDCARD =
      List.of(
          "10.33.0.0/16",
          "100.115.94.0-100.127.255.255",
          "100.64.0.0-100.115.91.255",
          "fd7a:115c:a1e0::/48");

  static CompiledPolicy compile(final String body) {
    var parsed = PolicyParser.parse("{\n" + DEFS + body + "\n}");
    assertThat(parsed.errors()).isEmpty();
    return new PolicyCompiler().compile(parsed.policy(), NODES);
  }

  static NetPortRange dst(final String ip, final int first, final int last) {
    return new NetPortRange(ip, new Ports(first, last));
  }

  static List<NetPortRange> own(final PolicyNode node, final int... ports) {
    var out = new ArrayList<NetPortRange>();
    for (var a : node.addresses()) {
      for (int p : ports) {
        out.add(dst(Addresses.format(a), p, p));
      }
    }
    return out;
  }

  static List<NetPortRange> ownAll(final PolicyNode node) {
    return node.addresses().stream().map(a -> dst(Addresses.format(a), 0, 65535)).toList();
  }

  static List<Long> ids(final PolicyNode... nodes) {
    return java.util.Arrays.stream(nodes).map(PolicyNode::id).toList();
  }

  @Test
  void membersToEverythingGoesToEveryNodeAndTaggedNodesSeeOnlyMembers() {
    var c =
        compile(
            """
          "acls": [{"action": "accept", "src": ["autogroup:member"], "dst": ["*:*"]}],
        """);
    for (var node : NODES) {
      assertThat(c.filterRules(node.id()))
          .containsExactly(new FilterRule(MEMBER_IPS, List.of(dst("*", 0, 65535)), List.of()));
    }
    assertThat(c.peers(LAPTOP_A.id()))
        .isEqualTo(ids(PHONE_A, LAPTOP_B, SERVER, DB, ROUTER, CLIENT));
    assertThat(c.peers(SERVER.id())).isEqualTo(ids(LAPTOP_A, PHONE_A, LAPTOP_B));
    assertThat(c.canSee(SERVER.id(), DB.id())).isFalse();
    assertThat(c.canSee(DB.id(), LAPTOP_B.id())).isTrue();
  }

  @Test
  void wildcardSourceIsTheTailnetRangesPlusApprovedRoutes() {
    var c =
        compile(
            """
          "acls": [{"action": "accept", "src": ["*"], "dst": ["tag:server:*"]}],
        """);
    assertThat(c.filterRules(SERVER.id()))
        .containsExactly(new FilterRule(WILDCARD, ownAll(SERVER), List.of()));
    assertThat(c.filterRules(LAPTOP_A.id())).isEmpty();
    assertThat(c.peers(SERVER.id()))
        .isEqualTo(ids(LAPTOP_A, PHONE_A, LAPTOP_B, DB, ROUTER, CLIENT));
    assertThat(c.peers(DB.id())).isEqualTo(ids(SERVER));
  }

  @Test
  void selfGivesEachUserTheirOwnNodesOnly() {
    var c =
        compile(
            """
          "acls": [{"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self:22"]}],
        """);
    var alice = List.of("100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2");
    assertThat(c.filterRules(LAPTOP_A.id()))
        .containsExactly(new FilterRule(alice, own(LAPTOP_A, 22), List.of()));
    assertThat(c.filterRules(PHONE_A.id()))
        .containsExactly(new FilterRule(alice, own(PHONE_A, 22), List.of()));
    assertThat(c.filterRules(LAPTOP_B.id()))
        .containsExactly(
            new FilterRule(
                List.of("100.64.0.3", "fd7a:115c:a1e0::3"), own(LAPTOP_B, 22), List.of()));
    assertThat(c.filterRules(SERVER.id())).isEmpty();
    assertThat(c.peers(LAPTOP_A.id())).isEqualTo(ids(PHONE_A));
    assertThat(c.peers(LAPTOP_B.id())).isEmpty();
    assertThat(c.peers(SERVER.id())).isEmpty();
  }

  @Test
  void selfAndOtherDestinationsOfOneAclBecomeSeparateRules() {
    var c =
        compile(
            """
          "acls": [{"action": "accept", "src": ["*"],
                    "dst": ["autogroup:self:*", "tag:server:22", "autogroup:member:80"]}],
        """);
    assertThat(c.filterRules(LAPTOP_B.id()))
        .containsExactlyInAnyOrder(
            new FilterRule(WILDCARD, own(LAPTOP_B, 80), List.of()),
            new FilterRule(
                List.of("100.64.0.3", "fd7a:115c:a1e0::3"), ownAll(LAPTOP_B), List.of()));
    assertThat(c.filterRules(SERVER.id()))
        .containsExactly(new FilterRule(WILDCARD, own(SERVER, 22), List.of()));
    // Everyone reaches members and the server; tagged nodes do not see each other otherwise.
    assertThat(c.peers(DB.id())).isEqualTo(ids(LAPTOP_A, PHONE_A, LAPTOP_B, SERVER));
  }

  @Test
  void aclsWithEqualSourcesAndProtocolsAreMergedAndProtocolsKeptApart() {
    var c =
        compile(
            """
          "acls": [
            {"action": "accept", "src": ["tag:client"], "dst": ["tag:server:22"]},
            {"action": "accept", "src": ["tag:client"], "dst": ["tag:server:80,443"]},
            {"action": "accept", "src": ["*"], "dst": ["tag:server:53"], "proto": "udp"},
          ],
        """);
    var merged = new ArrayList<>(own(SERVER, 22));
    merged.addAll(own(SERVER, 80, 443));
    assertThat(c.filterRules(SERVER.id()))
        .containsExactly(
            new FilterRule(List.of("100.64.0.13", "fd7a:115c:a1e0::d"), merged, List.of()),
            new FilterRule(WILDCARD, own(SERVER, 53), List.of(17)));
  }

  @Test
  void cidrDestinationsGoToTheRouterWhoseRouteOverlapsThemAsWritten() {
    var c =
        compile(
            """
          "acls": [{"action": "accept", "src": ["*"], "dst": ["internal:22", "tag:server:443"]}],
        """);
    assertThat(c.filterRules(ROUTER.id()))
        .containsExactly(new FilterRule(WILDCARD, List.of(dst("10.0.0.0/8", 22, 22)), List.of()));
    assertThat(c.peers(LAPTOP_A.id())).isEqualTo(ids(SERVER, ROUTER));
    // A CIDR source makes the router whose route lies in it a peer of the destination.
    var d =
        compile(
            """
          "acls": [{"action": "accept", "src": ["internal"], "dst": ["*:*"]}],
        """);
    assertThat(d.filterRules(SERVER.id()))
        .containsExactly(
            new FilterRule(List.of("10.0.0.0/8"), List.of(dst("*", 0, 65535)), List.of()));
    assertThat(d.peers(SERVER.id())).isEqualTo(ids(ROUTER));
  }

  @Test
  void autoApproversApproveAdvertisedRoutesAndUnapprovedRoutesCountForNothing() {
    var parsed =
        PolicyParser.parse(
            "{\n"
                + DEFS
                + """
          "autoApprovers": {"routes": {"10.40.0.0/14": ["tag:router"]}},
          "acls": [{"action": "accept", "src": ["*"], "dst": ["internal:22"]}],
        }""");
    assertThat(parsed.errors()).isEmpty();
    var approved =
        PolicyNode.of(30, "auto", "alice@example.com", Set.of("tag:router"), "100.64.0.30")
            .withAdvertisedRoutes("10.41.0.0/16");
    var pending =
        PolicyNode.of(31, "pending", "alice@example.com", Set.of("tag:db"), "100.64.0.31")
            .withAdvertisedRoutes("10.42.0.0/16");
    var c = new PolicyCompiler().compile(parsed.policy(), List.of(LAPTOP_A, approved, pending));
    assertThat(c.filterRules(approved.id()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.srcIps()).contains("10.41.0.0/16").doesNotContain("10.42.0.0/16");
              assertThat(r.dstPorts()).containsExactly(dst("10.0.0.0/8", 22, 22));
            });
    assertThat(c.filterRules(pending.id())).isEmpty();
    assertThat(c.peers(LAPTOP_A.id())).isEqualTo(ids(approved));
  }

  @Test
  void aSourceAddressOfNoNodeMakesNoPeerVisible() {
    var c =
        compile(
            """
          "acls": [{"action": "accept", "src": ["100.99.0.1"], "dst": ["tag:server:22"]}],
        """);
    assertThat(c.filterRules(SERVER.id()))
        .containsExactly(new FilterRule(List.of("100.99.0.1"), own(SERVER, 22), List.of()));
    assertThat(c.peers(SERVER.id())).isEmpty();
  }

  @Test
  void grantIpEntriesBecomeOneRulePerProtocol() {
    var c =
        compile(
            """
          "grants": [{"src": ["*"], "dst": ["tag:server"], "ip": ["tcp:80", "udp:53", "tcp:443"]},
                     {"src": ["group:admins"], "dst": ["tag:db"], "ip": ["*"]}],
        """);
    var tcp = new ArrayList<NetPortRange>();
    for (var a : SERVER.addresses()) {
      tcp.add(dst(Addresses.format(a), 80, 80));
      tcp.add(dst(Addresses.format(a), 443, 443));
    }
    assertThat(c.filterRules(SERVER.id()))
        .containsExactly(
            new FilterRule(WILDCARD, tcp, List.of(6)),
            new FilterRule(WILDCARD, own(SERVER, 53), List.of(17)));
    assertThat(c.filterRules(DB.id()))
        .containsExactly(
            new FilterRule(
                List.of("100.64.0.1", "100.64.0.2", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0::2"),
                ownAll(DB),
                List.of()));
    // db is among "*", which reaches the server.
    assertThat(c.peers(DB.id())).isEqualTo(ids(LAPTOP_A, PHONE_A, SERVER));
  }

  @Test
  void usersGroupsAndTagsResolveToTheirNodes() {
    var c =
        compile(
            """
          "acls": [{"action": "accept", "src": ["group:dev", "tag:client"],
                    "dst": ["bob@example.org:8080", "autogroup:tagged:9000"], "proto": "6"}],
        """);
    var src =
        List.of(
            "100.64.0.1",
            "100.64.0.13",
            "100.64.0.2",
            "100.64.0.3",
            "fd7a:115c:a1e0::1",
            "fd7a:115c:a1e0::2",
            "fd7a:115c:a1e0::3",
            "fd7a:115c:a1e0::d");
    assertThat(c.filterRules(LAPTOP_B.id()))
        .containsExactly(new FilterRule(src, own(LAPTOP_B, 8080), List.of(6)));
    assertThat(c.filterRules(DB.id()))
        .containsExactly(new FilterRule(src, own(DB, 9000), List.of(6)));
    assertThat(c.filterRules(LAPTOP_A.id())).isEmpty();
    // client reaches bob and the tagged nodes, and is reached (as a tagged node) by group:dev.
    assertThat(c.peers(CLIENT.id()))
        .isEqualTo(ids(LAPTOP_A, PHONE_A, LAPTOP_B, SERVER, DB, ROUTER));
    assertThat(c.peers(SERVER.id())).isEqualTo(ids(LAPTOP_A, PHONE_A, LAPTOP_B, CLIENT));
  }

  @Test
  void rulesSerialiseWithTailscalesFieldNames() throws Exception {
    var json =
        new ObjectMapper()
            .writeValueAsString(
                List.of(
                    new FilterRule(List.of("100.64.0.1"), List.of(dst("*", 0, 65535)), List.of()),
                    new FilterRule(
                        List.of("*"), List.of(dst("100.64.0.2", 22, 22)), List.of(6, 17))));
    assertThat(json)
        .isEqualTo(
            "[{\"SrcIPs\":[\"100.64.0.1\"],\"DstPorts\":[{\"IP\":\"*\",\"Ports\":{\"First\":0,"
                + "\"Last\":65535}}]},{\"SrcIPs\":[\"*\"],\"DstPorts\":[{\"IP\":\"100.64.0.2\","
                + "\"Ports\":{\"First\":22,\"Last\":22}}],\"IPProto\":[6,17]}]");
  }
}
