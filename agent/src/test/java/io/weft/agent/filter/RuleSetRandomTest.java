package io.weft.agent.filter;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.protocol.FilterRule;
import io.weft.wg.allowedips.Prefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The compiled matcher against the rules read literally (each address form expanded to prefixes and
 * tested with {@link Prefix#contains}): random rule sets over a small address space, so that
 * prefixes overlap, and random TCP/UDP packets. Seeded; the seed is printed on a failure.
 */
class RuleSetRandomTest {
  static final String[] FORMS = {
    "*",
    "100.64.0.1",
    "100.64.0.2",
    "100.64.0.0/30",
    "100.64.0.4/30",
    "100.64.0.0/29",
    "100.64.0.0/31",
    "100.64.0.2-100.64.0.6",
    "100.64.0.3-100.64.0.3",
  };
  static final int[] PROTOS = {6, 17, 1, 47};

  @Test
  void shouldAgreeWithTheRulesReadLiterally() {
    long seed = Long.getLong("weft.seed", System.nanoTime());
    Random r = new Random(seed);
    try {
      for (int round = 0; round < 300; round++) {
        List<FilterRule> rules = new ArrayList<>();
        int n = 1 + r.nextInt(5);
        for (int i = 0; i < n; i++) {
          List<String> srcs = new ArrayList<>();
          for (int k = 1 + r.nextInt(2); k > 0; k--) {
            srcs.add(FORMS[r.nextInt(FORMS.length)]);
          }
          List<FilterRule.NetPortRange> dsts = new ArrayList<>();
          for (int k = 1 + r.nextInt(3); k > 0; k--) {
            int first = r.nextInt(20);
            dsts.add(
                new FilterRule.NetPortRange(
                    FORMS[r.nextInt(FORMS.length)],
                    new FilterRule.PortRange(first, first + r.nextInt(6))));
          }
          List<Integer> protos = new ArrayList<>();
          for (int k = r.nextInt(3); k > 0; k--) {
            protos.add(PROTOS[r.nextInt(PROTOS.length)]);
          }
          rules.add(new FilterRule(srcs, dsts, protos));
        }
        RuleSet set = RuleSet.compile(rules);
        assertThat(set.skipped).isEmpty();
        for (int p = 0; p < 100; p++) {
          byte[] s = {100, 64, 0, (byte) r.nextInt(8)};
          byte[] d = {100, 64, 0, (byte) r.nextInt(8)};
          int port = r.nextInt(28);
          int proto = r.nextBoolean() ? 6 : 17;
          boolean expected = literal(rules, s, d, proto, port);
          assertThat(set.match(s, d, 4, proto, port, RuleSet.PORTS) >= 0)
              .as(
                  "round %d: %s -> %s:%d/%d under %s",
                  round, Prefix.addressText(s), Prefix.addressText(d), port, proto, rules)
              .isEqualTo(expected);
        }
      }
    } catch (AssertionError e) {
      throw new AssertionError("seed " + seed + " (-Dweft.seed=" + seed + ")", e);
    }
  }

  @Test
  void shouldSplitRangesIntoTheFewestPrefixes() {
    assertThat(RuleSet.parse("100.64.0.1-100.64.0.6"))
        .map(Prefix::toString)
        .containsExactly("100.64.0.1/32", "100.64.0.2/31", "100.64.0.4/31", "100.64.0.6/32");
    assertThat(RuleSet.parse("fd7a:115c:a1e0::-fd7a:115c:a1e0::ff"))
        .map(Prefix::toString)
        .containsExactly("fd7a:115c:a1e0::/120");
    assertThat(RuleSet.parse("0.0.0.0-255.255.255.255"))
        .map(Prefix::toString)
        .containsExactly("0.0.0.0/0");
    assertThat(RuleSet.parse("*")).map(Prefix::toString).containsExactly("0.0.0.0/0", "::/0");
    for (String bad :
        new String[] {
          "100.64.0.5-100.64.0.1",
          "100.64.0.1-fd7a::1",
          "10.0.0.1/8",
          "",
          "cap:x",
          "999.1.1.1",
          "fd7a::1/129",
          "-",
          "1.2.3.4-"
        }) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> RuleSet.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  static boolean literal(List<FilterRule> rules, byte[] s, byte[] d, int proto, int port) {
    for (FilterRule rule : rules) {
      List<Integer> protos =
          rule.ipProto().isEmpty() ? FilterRule.DEFAULT_PROTOCOLS : rule.ipProto();
      if (!protos.contains(proto) || !covers(rule.srcIps(), s)) {
        continue;
      }
      for (FilterRule.NetPortRange dst : rule.dstPorts()) {
        if (covers(List.of(dst.ip()), d)
            && dst.ports().first() <= port
            && port <= dst.ports().last()) {
          return true;
        }
      }
    }
    return false;
  }

  static boolean covers(List<String> forms, byte[] a) {
    for (String f : forms) {
      int dash = f.indexOf('-');
      if (dash > 0) { // a range, read as numbers rather than through the matcher's prefix split
        int x = a[3] & 0xff;
        int lo = Integer.parseInt(f.substring(f.lastIndexOf('.', dash) + 1, dash));
        int hi = Integer.parseInt(f.substring(f.lastIndexOf('.') + 1));
        if (lo <= x && x <= hi) {
          return true;
        }
        continue;
      }
      for (Prefix p : RuleSet.parse(f)) {
        if (p.isIpv4() && p.contains(a)) {
          return true;
        }
      }
    }
    return false;
  }
}
