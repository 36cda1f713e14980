package io.weft.control.policy;

import static io.weft.control.policy.PolicyCompilerTest.CLIENT;
import static io.weft.control.policy.PolicyCompilerTest.DB;
import static io.weft.control.policy.PolicyCompilerTest.DEFS;
import static io.weft.control.policy.PolicyCompilerTest.LAPTOP_A;
import static io.weft.control.policy.PolicyCompilerTest.LAPTOP_B;
import static io.weft.control.policy.PolicyCompilerTest.NODES;
import static io.weft.control.policy.PolicyCompilerTest.SERVER;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyEngineTest {

  private static final String RULES =
      """
        "acls": [
          {"action": "accept", "src": ["group:dev"], "dst": ["tag:server:22,80-443"]},
          {"action": "accept", "src": ["tag:client"], "dst": ["tag:db:5432"], "proto": "tcp"},
          {"action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self:*"]},
        ],
      """;

  private static String policy(final String tests) {
    return "{\n" + DEFS + RULES + tests + "\n}";
  }

  @Test
  void shouldAcceptAPolicyWhoseTestsPass() {
    var r =
        PolicyEngine.set(
            policy(
                """
          "tests": [
            {"src": "bob@example.org", "accept": ["tag:server:22", "tag:server:150"],
             "deny": ["tag:server:21", "tag:db:5432", "alice@example.com:22"]},
            {"src": "alice@example.com", "accept": ["alice@example.com:3389"]},
            {"src": "tag:client", "proto": "tcp", "accept": ["tag:db:5432"]},
            {"src": "tag:client", "proto": "udp", "deny": ["tag:db:5432"]},
          ],
        """));
    assertThat(r.errors()).isEmpty();
    assertThat(r.policy()).isNotNull();
  }

  @Test
  void shouldRefuseAPolicyWhoseTestsFailNamingEachFailingTest() {
    var r =
        PolicyEngine.set(
            policy(
                """
          "tests": [
            {"src": "group:dev", "accept": ["tag:server:20"]},
            {"src": "bob@example.org", "deny": ["tag:server:443"]},
            {"src": "tag:client", "accept": ["tag:server:22"]},
          ],
        """));
    assertThat(r.policy()).isNull();
    assertThat(r.errors())
        .extracting(PolicyError::toString)
        .containsExactly(
            "line 13, column 37: tests[0] failed: bob@example.org (group:dev) should reach "
                + "tag:server:20 but port 20 is not allowed (wrong port: acls[0] (line 8) allows "
                + "bob@example.org (group:dev) to tag:server on ports 22,80-443, not 20)",
            "line 13, column 37: tests[0] failed: alice@example.com (group:dev) should reach "
                + "tag:server:20 but port 20 is not allowed (wrong port: acls[0] (line 8) allows "
                + "alice@example.com (group:dev) to tag:server on ports 22,80-443, not 20)",
            "line 14, column 41: tests[1] failed: bob@example.org should not reach tag:server:443 "
                + "but acls[0] (line 8) allows it",
            "line 15, column 38: tests[2] failed: tag:client should reach tag:server:22 but port 22 "
                + "is not allowed (no rule: no acl or grant has tag:client among its sources and "
                + "tag:server among its destinations)");
  }

  @Test
  void checkNamesTheRuleOrTheReason() {
    var c = new PolicyCompiler().compile(PolicyParser.parse(policy("")).policy(), NODES);
    var ok = PolicyEngine.check(c, "laptop-b", "server:443/tcp");
    assertThat(ok.accepted()).isTrue();
    assertThat(ok.rule()).isEqualTo("acls[0] (line 8)");
    assertThat(ok.reason())
        .isEqualTo("accepted by acls[0] (line 8): group:dev -> tag:server:22,80-443");

    var port = PolicyEngine.check(c, "100.64.0.3", "100.64.0.10:8080");
    assertThat(port.accepted()).isFalse();
    assertThat(port.reason())
        .isEqualTo(
            "wrong port: acls[0] (line 8) allows laptop-b to server on ports 22,80-443, not 8080");

    var proto = PolicyEngine.check(c, "client", "db:5432/udp");
    assertThat(proto.reason())
        .isEqualTo("wrong protocol: acls[1] (line 9) allows client to db only over tcp");

    var none = PolicyEngine.check(c, "db", "server:22");
    assertThat(none.reason())
        .isEqualTo(
            "no rule: no acl or grant has db among its sources and server among its destinations; "
                + "peer not visible: no rule lets db and server reach each other, so neither is given "
                + "the other's key");

    var self = PolicyEngine.check(c, LAPTOP_A.id(), PolicyCompilerTest.PHONE_A.id(), 5900, 6);
    assertThat(self.accepted()).isTrue();
    assertThat(PolicyEngine.check(c, LAPTOP_B.id(), LAPTOP_A.id(), 5900, 6).accepted()).isFalse();

    assertThat(PolicyEngine.check(c, "nobody", "server:22").reason())
        .isEqualTo("no node named or addressed \"nobody\"");
    assertThat(PolicyEngine.check(c, "client", "server:ssh").reason())
        .isEqualTo("bad port \"ssh\"");
  }

  @Test
  void checkSaysWhenATagIsNotOwned() {
    var rogue = PolicyNode.of(20, "rogue", "bob@example.org", Set.of("tag:printer"), "100.64.0.20");
    var nodes = new ArrayList<>(NODES);
    nodes.add(rogue);
    var c = new PolicyCompiler().compile(PolicyParser.parse(policy("")).policy(), nodes);
    var d = PolicyEngine.check(c, "rogue", "server:22");
    assertThat(d.accepted()).isFalse();
    assertThat(d.reason())
        .contains("tag not owned: rogue carries tag:printer, which tagOwners does not define");
    assertThat(c.filterRules(rogue.id())).isEmpty();
    assertThat(c.peers(rogue.id())).isEmpty();
    assertThat(List.of(CLIENT, DB, SERVER)).allMatch(n -> !c.canSee(n.id(), rogue.id()));
  }
}
