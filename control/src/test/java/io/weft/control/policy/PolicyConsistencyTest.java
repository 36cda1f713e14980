package io.weft.control.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.policy.PolicyEngine.Identity;
import io.weft.wg.allowedips.Prefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Randomised: the compiled per-node filters, the engine's decisions and peer visibility agree on
 * every flow of random policies over random tailnets. Prints the seed of a failing case.
 */
class PolicyConsistencyTest {

  private static final List<String> RANGES = List.of("100.64.0.0/10", "fd7a:115c:a1e0::/48");

  @Test
  void compiledFiltersEngineAndVisibilityAgree() {
    final long seed = Long.getLong("policy.seed", System.nanoTime());
    final Random random = new Random(seed);
    int accepted = 0;
    int denied = 0;
    int visible = 0;
    for (int round = 0; round < 150; round++) {
      String text = null;
      try {
        final int users = 1 + random.nextInt(4);
        final int tags = 1 + random.nextInt(3);
        final List<PolicyNode> nodes = nodes(random, users, tags);
        text = policy(random, users, tags, nodes);
        final var parsed = PolicyParser.parse(text);
        assertThat(parsed.errors()).isEmpty();
        final CompiledPolicy c = new PolicyCompiler(RANGES).compile(parsed.policy(), nodes);
        for (PolicyNode a : nodes) {
          for (PolicyNode b : nodes) {
            if (a == b) {
              continue;
            }
            for (int proto : new int[] {6, 17}) {
              for (int port : new int[] {22, 80, 443, 5432, 8080}) {
                final boolean filter = admits(c.filterRules(b.id()), a, b, port, proto);
                final boolean engine =
                    PolicyEngine.decide(
                            parsed.policy(),
                            Identity.of(a, c.ownedTags(a.id())),
                            Identity.of(b, c.ownedTags(b.id())),
                            port,
                            proto)
                        .accepted();
                assertThat(engine)
                    .as("%s -> %s:%d/%d filter says %s", a.name(), b.name(), port, proto, filter)
                    .isEqualTo(filter);
                if (filter) {
                  accepted++;
                } else {
                  denied++;
                }
              }
            }
            final boolean reaches =
                anySource(c.filterRules(b.id()), a) || anySource(c.filterRules(a.id()), b);
            assertThat(c.canSee(a.id(), b.id()))
                .as("%s sees %s", a.name(), b.name())
                .isEqualTo(reaches);
            assertThat(c.peers(a.id()).contains(b.id())).isEqualTo(reaches);
            visible += reaches ? 1 : 0;
          }
        }
      } catch (Throwable t) {
        throw new AssertionError(
            "seed " + seed + " (-Dpolicy.seed=" + seed + "), round " + round + ", policy:\n" + text,
            t);
      }
    }
    // The generator exercises both answers.
    assertThat(accepted).as("seed %d", seed).isGreaterThan(1000);
    assertThat(denied).as("seed %d", seed).isGreaterThan(1000);
    assertThat(visible).as("seed %d", seed).isGreaterThan(100);
  }

  private static List<PolicyNode> nodes(final Random random, final int users, final int tags) {
    final List<PolicyNode> nodes = new ArrayList<>();
    final int n = 2 + random.nextInt(12);
    for (int i = 1; i <= n; i++) {
      final String user = "u" + random.nextInt(users) + "@x.org";
      final Set<String> t =
          random.nextInt(3) == 0
              ? new java.util.TreeSet<>(
                  List.of("tag:t" + random.nextInt(tags), "tag:t" + random.nextInt(tags)))
              : Set.of();
      nodes.add(PolicyNode.of(i, "n" + i, user, t, "100.64.0." + i, "fd7a:115c:a1e0::" + i));
    }
    return nodes;
  }

  private static String policy(
      final Random random, final int users, final int tags, final List<PolicyNode> nodes) {
    final StringBuilder sb = new StringBuilder("{\"groups\": {\"group:g\": [\"u0@x.org\"");
    for (int u = 1; u < users; u += 2) {
      sb.append(", \"u").append(u).append("@x.org\"");
    }
    sb.append("]}, \"tagOwners\": {");
    for (int t = 0; t < tags; t++) {
      sb.append(t == 0 ? "" : ", ").append("\"tag:t").append(t).append("\": [\"u0@x.org\"]");
    }
    sb.append("}, \"hosts\": {\"h\": \"100.64.0.")
        .append(1 + random.nextInt(nodes.size()))
        .append("\", \"net\": \"100.64.0.0/29\"},\n \"acls\": [");
    final int rules = 1 + random.nextInt(6);
    for (int r = 0; r < rules; r++) {
      final boolean self = random.nextInt(5) == 0;
      final List<String> src = new ArrayList<>();
      for (int k = 0; k <= random.nextInt(2); k++) {
        src.add(
            self
                ? pick(random, "*", "autogroup:member", "group:g", user(random, users))
                : alias(random, users, tags, nodes));
      }
      final List<String> dst = new ArrayList<>();
      for (int k = 0; k <= random.nextInt(2); k++) {
        final String ports = pick(random, "*", "22", "80,443", "80-5432", "8080");
        dst.add(
            (self && k == 0 ? "autogroup:self" : alias(random, users, tags, nodes)) + ":" + ports);
      }
      sb.append(r == 0 ? "" : ",")
          .append("\n  {\"action\": \"accept\", \"src\": ")
          .append(json(src))
          .append(", \"dst\": ")
          .append(json(dst))
          .append(pick(random, "", "", ", \"proto\": \"tcp\"", ", \"proto\": \"udp\""))
          .append("}");
    }
    return sb.append("]}").toString();
  }

  private static String alias(
      final Random random, final int users, final int tags, final List<PolicyNode> nodes) {
    return switch (random.nextInt(9)) {
      case 0 -> "*";
      case 1 -> "autogroup:member";
      case 2 -> "autogroup:tagged";
      case 3 -> "group:g";
      case 4 -> "tag:t" + random.nextInt(tags);
      case 5 -> "h";
      case 6 -> "net";
      case 7 -> "100.64.0." + (1 + random.nextInt(nodes.size()));
      default -> user(random, users);
    };
  }

  private static String user(final Random random, final int users) {
    return "u" + random.nextInt(users) + "@x.org";
  }

  private static String pick(final Random random, final String... options) {
    return options[random.nextInt(options.length)];
  }

  private static String json(final List<String> items) {
    return items.stream().map(s -> "\"" + s + "\"").toList().toString();
  }

  // ---- a reference reading of the compiled rules, as a Tailscale client would apply them

  private static boolean admits(
      final List<FilterRule> rules,
      final PolicyNode src,
      final PolicyNode dst,
      final int port,
      final int proto) {
    for (FilterRule r : rules) {
      final boolean protoOk =
          r.ipProto().isEmpty()
              ? PolicyEngine.DEFAULT_PROTOCOLS.contains(proto)
              : r.ipProto().contains(proto);
      if (protoOk && covers(r.srcIps(), src)) {
        for (FilterRule.NetPortRange d : r.dstPorts()) {
          if (covers(List.of(d.ip()), dst)
              && port >= d.ports().first()
              && port <= d.ports().last()) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static boolean anySource(final List<FilterRule> rules, final PolicyNode src) {
    return rules.stream().anyMatch(r -> covers(r.srcIps(), src));
  }

  private static boolean covers(final List<String> ips, final PolicyNode node) {
    for (String ip : ips) {
      for (Prefix a : node.addresses()) {
        if (ip.equals("*")) {
          return true;
        }
        final Prefix p =
            Prefix.parse(ip.indexOf('/') >= 0 ? ip : ip + (ip.indexOf(':') >= 0 ? "/128" : "/32"));
        if (Addresses.contains(p, a)) {
          return true;
        }
      }
    }
    return false;
  }
}
