package io.weft.control.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.policy.Policy.Kind;
import io.weft.control.policy.Policy.PortRange;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyParserTest {

  private static final String DEFS =
      """
        "groups": {"group:eng": ["alice@example.com", "bob@example.com"], "group:empty": []},
        "tagOwners": {"tag:server": ["group:eng"], "tag:db": ["tag:server"]},
        "hosts": {"db": "10.0.0.5", "lan": "10.1.0.0/16", "v6": "fd00::/64"},
      """;

  private static List<String> errors(final String body) {
    return PolicyParser.parse("{\n" + DEFS + body + "\n}").errors().stream()
        .map(PolicyError::toString)
        .toList();
  }

  @Test
  void shouldNormaliseAclsAndGrantsIntoRules() {
    var r =
        PolicyParser.parse(
            "{\n"
                + DEFS
                + """
                  "acls": [
                    {"action": "accept", "src": ["group:eng", "10.2.0.0/16"],
                     "dst": ["tag:server:22,80-443", "db:*", "[fd00::1]:53", "fd00::2:8080"],
                     "proto": "tcp"},
                  ],
                  "grants": [{"src": ["*"], "dst": ["tag:db"], "ip": ["tcp:5432", "udp:53", "tcp:6432", "icmp:*"]}],
                  "autoApprovers": {"routes": {"10.1.0.0/16": ["tag:server"]}, "exitNode": ["group:eng"]},
                  "ssh": [],
                }
                """);
    assertThat(r.errors()).isEmpty();
    var p = r.policy();
    assertThat(p.ignoredSections()).containsExactly("ssh");
    assertThat(p.rules()).hasSize(4);
    var acl = p.rules().get(0);
    assertThat(acl.ref()).isEqualTo("acls[0]");
    assertThat(acl.line()).isEqualTo(6);
    assertThat(acl.protocols()).containsExactly(6);
    assertThat(acl.sources())
        .extracting(Policy.Alias::kind)
        .containsExactly(Kind.GROUP, Kind.PREFIX);
    assertThat(acl.destinations().get(0).ports())
        .containsExactly(new PortRange(22, 22), new PortRange(80, 443));
    assertThat(acl.destinations().get(1).ports()).containsExactly(PortRange.ALL);
    assertThat(acl.destinations().get(2).alias().prefix().toString()).isEqualTo("fd00::1/128");
    assertThat(acl.destinations().get(3).alias().prefix().toString()).isEqualTo("fd00::2/128");
    // One rule per protocol, ports in order of appearance.
    assertThat(p.rules().subList(1, 4))
        .extracting(Policy.Rule::protocols)
        .containsExactly(List.of(6), List.of(17), List.of(1));
    assertThat(p.rules().get(1).destinations().get(0).ports())
        .containsExactly(new PortRange(5432, 5432), new PortRange(6432, 6432));
    assertThat(p.autoApprovers().exitNode()).containsExactly("group:eng");
  }

  @Test
  void shouldNameLineColumnAndValueOfEachError() {
    assertThat(
            errors(
                """
          "acls": [{"action": "accept", "src": ["group:nope"], "dst": ["tag:server:22"]}],
        """))
        .containsExactly("line 5, column 41: acls[0] src: unknown group \"group:nope\"");
    assertThat(
            errors(
                """
          "acls": [{"action": "accept", "src": ["*"], "dst": ["tag:web:22"]}],
        """))
        .containsExactly(
            "line 5, column 55: acls[0] dst: tag \"tag:web\" is not defined in tagOwners");
    assertThat(
            errors(
                """
          "acls": [{"action": "accept", "src": ["*"], "dst": ["db:443-80"]}],
        """))
        .containsExactly(
            "line 5, column 55: acls[0] dst \"db:443-80\": port range \"443-80\" ends before it starts");
    assertThat(
            errors(
                """
          "acls": [{"action": "accept", "src": ["*"], "dst": ["db:ssh"]}],
        """))
        .containsExactly(
            "line 5, column 55: acls[0] dst \"db:ssh\": port range: \"ssh\" is not a port number (first of a range, 1-65535, or * for all)");
    assertThat(
            errors(
                """
          "acls": [{"action": "accept", "src": ["*"], "dst": ["db:70000"]}],
        """))
        .containsExactly(
            "line 5, column 55: acls[0] dst \"db:70000\": port 70000 is outside 1-65535 (use * for all ports)");
    assertThat(
            errors(
                """
          "acls": [{"action": "accept", "src": ["10.0.0.1/8"], "dst": ["db:*"], "dsts": 1}],
        """))
        .containsExactly(
            "line 5, column 41: bad CIDR \"10.0.0.1/8\": host bits are set (did you mean \"10.0.0.0/8\"?)",
            "line 5, column 73: acls[0]: unknown key \"dsts\"");
    assertThat(
            errors(
                    """
          "acls": [{"action": "accept", "src": ["10.0.0.300"], "dst": ["db:*"]}],
        """)
                .get(0))
        .startsWith("line 5, column 41: bad IP or CIDR \"10.0.0.300\"");
    assertThat(
            errors(
                """
          "acl": [],
        """))
        .containsExactly("line 5, column 3: unknown key \"acl\"");
  }

  @Test
  void shouldRejectWhatTailscaleRejects() {
    // action other than accept (Tailscale: action="deny" is not supported)
    assertThat(
            errors(
                """
          "acls": [{"action": "deny", "src": ["*"], "dst": ["db:22"]}],
        """))
        .singleElement()
        .asString()
        .contains("action \"deny\" is not supported");
    // autogroup:self as a source
    assertThat(
            errors(
                """
          "acls": [{"action": "accept", "src": ["autogroup:self"], "dst": ["db:22"]}],
        """))
        .singleElement()
        .asString()
        .contains("\"autogroup:self\" is not valid on the src side");
    // autogroup:self without ports
    assertThat(
            errors(
                """
          "acls": [{"action": "accept", "src": ["*"], "dst": ["autogroup:self"]}],
        """))
        .singleElement()
        .asString()
        .contains("\"self\" is not a port number");
    // autogroup:self with a tag, host or IP source
    for (String src : List.of("tag:server", "autogroup:tagged", "db", "100.64.0.1")) {
      assertThat(
              errors(
                  "  \"acls\": [{\"action\": \"accept\", \"src\": [\"autogroup:member\", \""
                      + src
                      + "\"], \"dst\": [\"autogroup:self:*\"]}],"))
          .as(src)
          .singleElement()
          .asString()
          .contains("cannot be used with autogroup:self");
    }
    // ... and in grants even "*" (grant-e3, grant-h9)
    assertThat(
            errors(
                """
          "grants": [{"src": ["*"], "dst": ["autogroup:self"], "ip": ["*"]}],
        """))
        .singleElement()
        .asString()
        .contains("cannot be used with autogroup:self");
    // grants with neither ip nor app; bad ip entries
    assertThat(
            errors(
                """
          "grants": [{"src": ["*"], "dst": ["*"]}, {"src": ["*"], "dst": ["*"], "ip": []}],
        """))
        .hasSize(2)
        .allMatch(e -> e.contains("ip and app cannot both be empty"));
    assertThat(
            errors(
                """
          "grants": [{"src": ["*"], "dst": ["tag:server"], "ip": ["icmp"]}],
        """))
        .singleElement()
        .asString()
        .contains("\"icmp\" is not a port number");
    assertThat(
            errors(
                """
          "grants": [{"src": ["*"], "dst": ["tag:server"], "ip": ["tcp:0"]}],
        """))
        .singleElement()
        .asString()
        .contains("port 0 is outside 1-65535");
    // nested groups (Tailscale: group members cannot be recursive)
    assertThat(
            PolicyParser.parse(
                    "{\"groups\": {\"group:a\": [\"x@y.z\"], \"group:b\": [\"group:a\"]}}")
                .errors())
        .singleElement()
        .asString()
        .contains("group members cannot be groups");
    // tag owners must exist; tags may own each other in a cycle (Tailscale accepts that)
    assertThat(PolicyParser.parse("{\"tagOwners\": {\"tag:a\": [\"group:none\"]}}").errors())
        .singleElement()
        .asString()
        .contains("unknown group \"group:none\"");
    assertThat(
            PolicyParser.parse("{\"tagOwners\": {\"tag:a\": [\"tag:b\"], \"tag:b\": [\"tag:a\"]}}")
                .errors())
        .isEmpty();
    // unknown autogroup, unknown alias, unknown proto, test without accept or deny
    assertThat(
            errors(
                """
          "acls": [{"action": "accept", "src": ["autogroup:everyone", "printer"], "dst": ["db:1"], "proto": "tcpp"}],
          "tests": [{"src": "alice@example.com"}],
        """))
        .hasSize(4)
        .anyMatch(e -> e.contains("unknown or unsupported autogroup \"autogroup:everyone\""))
        .anyMatch(e -> e.contains("unknown alias \"printer\""))
        .anyMatch(e -> e.contains("unknown proto \"tcpp\""))
        .anyMatch(e -> e.contains("line 6, column 13: tests[0]: needs at least one"));
    // all addresses as a destination (Tailscale: use "*" or autogroup:internet)
    assertThat(
            errors(
                """
          "grants": [{"src": ["*"], "dst": ["0.0.0.0/0"], "ip": ["tcp:80"]}],
        """))
        .singleElement()
        .asString()
        .contains("to allow all IP addresses, use \"*\"");
    // a test destination is one address and one port (policytest-port-shape-*, -prefix32-dst)
    assertThat(
            errors(
                """
          "tests": [{"src": "alice@example.com", "accept": ["db:80,443", "db:*", "lan:22", "10.0.0.5/32:22"]}],
        """))
        .hasSize(4);
    // auto-approver routes are CIDRs and approvers exist
    assertThat(
            errors(
                """
          "autoApprovers": {"routes": {"10.0.0.0/33": ["tag:server"], "10.9.0.0/16": ["tag:nope"]}},
        """))
        .hasSize(2);
  }
}
