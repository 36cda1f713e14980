package io.weft.control.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.weft.control.policy.HuJson.Arr;
import io.weft.control.policy.HuJson.Obj;
import io.weft.control.policy.HuJson.Str;
import io.weft.control.policy.HuJson.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Compares the compiler with what Tailscale's control plane sent, as captured by headscale's
 * project (hscontrol/policy/v2/testdata/{acl,grant}_results/*.hujson: a policy, a topology, the
 * HTTP status Tailscale answered the policy with, and each node's packet filter and peers; for
 * policytest_results, only whether the policy's tests let it be set). The captures are not copied
 * into Weft: point {@code -Dweft.tailscale.captures=DIR} at a checkout's {@code testdata}
 * directory. Each capture is classified: policies using what Weft does not implement (app
 * capabilities, via, autogroup:internet and others) are counted as unsupported; every other one
 * must match: refused when Tailscale refused it, and otherwise the same rules per node (compared as
 * sets) and the same peers.
 *
 * <p>Its name keeps it out of {@code ./mvnw verify} (the captures are an outside data set that the
 * repository cannot carry, and a test that skips in CI would hide that); run it by name: {@code
 * ./mvnw -pl control test -Dtest=TailscaleCaptureCompat -Dweft.tailscale.captures=DIR}.
 */
class TailscaleCaptureCompat {

  private static final Set<String> UNSUPPORTED =
      Set.of(
          "\"app\"",
          "\"via\"",
          "autogroup:internet",
          "autogroup:danger-all",
          "user:",
          "\"ipsets\"",
          "autogroup:shared",
          "autogroup:nonroot",
          "autogroup:admin",
          "\"srcPosture\"",
          "\"postures\"");

  @Test
  void shouldMatchTailscalesCapturedOutput() throws IOException {
    final String dir = System.getProperty("weft.tailscale.captures");
    assumeTrue(
        dir != null,
        "set -Dweft.tailscale.captures=<headscale>/hscontrol/policy/v2/testdata"
            + " to compare against Tailscale's captured control-plane output");
    final List<Path> files = new ArrayList<>();
    for (String sub : List.of("acl_results", "grant_results", "policytest_results")) {
      try (Stream<Path> s = Files.list(Path.of(dir, sub))) {
        s.filter(p -> p.toString().endsWith(".hujson")).sorted().forEach(files::add);
      }
    }
    final Map<String, List<String>> outcome = new TreeMap<>();
    for (Path f : files) {
      final String name = f.getFileName().toString();
      String verdict;
      try {
        verdict = compare(Files.readString(f), !name.startsWith("policytest-"));
      } catch (RuntimeException e) {
        verdict = "FAIL exception " + e;
      }
      outcome
          .computeIfAbsent(verdict.startsWith("FAIL") ? "fail" : verdict, k -> new ArrayList<>())
          .add(name + (verdict.startsWith("FAIL") ? ": " + verdict : ""));
    }
    outcome.forEach((k, v) -> System.out.println(k + ": " + v.size()));
    outcome.getOrDefault("fail", List.of()).forEach(System.out::println);
    assertThat(outcome.getOrDefault("fail", List.of())).isEmpty();
  }

  /**
   * Compares one capture; {@code perNode} false for the policytest captures, whose per-node filters
   * are all empty (the capture recorded only whether the tests passed).
   */
  private static String compare(final String text, final boolean perNode) {
    final HuJson.Result tree = HuJson.parse(text);
    assertThat(tree.error()).isNull();
    final Obj root = (Obj) tree.value();
    final Obj input = obj(root, "input");
    final Value fp = input.members().get("full_policy").value();
    final String policyText = fp instanceof Str s ? s.value() : fp instanceof Obj ? json(fp) : null;
    if (policyText == null) {
      return "no policy";
    }
    for (String u : UNSUPPORTED) {
      if (policyText.contains(u)) {
        return "unsupported";
      }
    }
    final int code =
        (int)
            Double.parseDouble(
                ((HuJson.Num) input.members().get("api_response_code").value()).text());
    final PolicyEngine.SetResult set = PolicyEngine.set(policyText);
    if (code != 200) {
      return set.ok() ? "FAIL Tailscale refused (" + code + ") but Weft accepted" : "refused";
    }
    if (!set.ok()) {
      return "FAIL Tailscale accepted but Weft refused: " + set.errors();
    }
    final Obj topo = obj(root, "topology");
    final Map<String, String> emails = new HashMap<>();
    for (Value u : ((Arr) topo.members().get("users").value()).items()) {
      final Obj uo = (Obj) u;
      emails.put(str(uo, "name"), str(uo, "email"));
    }
    final List<PolicyNode> nodes = new ArrayList<>();
    final Map<Long, String> names = new HashMap<>();
    long id = 1;
    for (var e : obj(topo, "nodes").members().values()) {
      final Obj n = (Obj) e.value();
      final Set<String> tags = new TreeSet<>(strings(n, "tags"));
      final String user = n.members().containsKey("user") ? emails.get(str(n, "user")) : null;
      PolicyNode node =
          PolicyNode.of(id, str(n, "hostname"), user, tags, str(n, "ipv4"), str(n, "ipv6"));
      node =
          node.withAdvertisedRoutes(strings(n, "routable_ips").toArray(String[]::new))
              .withRoutes(strings(n, "approved_routes").toArray(String[]::new));
      nodes.add(node);
      names.put(id, node.name());
      id++;
    }
    final CompiledPolicy c = new PolicyCompiler().compile(set.policy(), nodes);
    if (!perNode || !root.members().containsKey("captures")) {
      return "match";
    }
    final Obj captures = obj(root, "captures");
    final List<String> diffs = new ArrayList<>();
    for (PolicyNode node : nodes) {
      final var cap = captures.members().get(node.name());
      if (cap == null) {
        continue;
      }
      final Obj co = (Obj) cap.value();
      final Set<String> want = new TreeSet<>();
      final var pfr = co.members().get("packet_filter_rules");
      final Value rules = pfr == null ? null : pfr.value();
      if (rules instanceof Arr a) {
        for (Value r : a.items()) {
          want.add(canonical((Obj) r));
        }
      }
      final Set<String> got = new TreeSet<>();
      for (FilterRule r : c.filterRules(node.id())) {
        got.add(canonical(r));
      }
      if (!want.equals(got)) {
        diffs.add(node.name() + " rules: want " + want + " got " + got);
      }
      final Set<String> wantPeers = new TreeSet<>();
      final var nm = co.members().get("netmap");
      if (nm != null
          && nm.value() instanceof Obj nmo
          && nmo.members().get("Peers") != null
          && nmo.members().get("Peers").value() instanceof Arr peers) {
        for (Value p : peers.items()) {
          final String full = str((Obj) p, "Name");
          wantPeers.add(full.substring(0, full.indexOf('.')));
        }
      } else {
        continue;
      }
      final Set<String> gotPeers = new TreeSet<>();
      for (long p : c.peers(node.id())) {
        gotPeers.add(names.get(p));
      }
      if (!wantPeers.equals(gotPeers)) {
        diffs.add(node.name() + " peers: want " + wantPeers + " got " + gotPeers);
      }
    }
    return diffs.isEmpty() ? "match" : "FAIL " + diffs;
  }

  private static String canonical(final Obj rule) {
    final List<String> src = new ArrayList<>(strings(rule, "SrcIPs"));
    src.sort(null);
    final List<String> dst = new ArrayList<>();
    final Value dp =
        rule.members().containsKey("DstPorts") ? rule.members().get("DstPorts").value() : null;
    if (dp instanceof Arr a) {
      for (Value v : a.items()) {
        final Obj d = (Obj) v;
        final Obj ports = obj(d, "Ports");
        dst.add(str(d, "IP") + ":" + num(ports, "First") + "-" + num(ports, "Last"));
      }
    }
    dst.sort(null);
    final List<String> proto = new ArrayList<>();
    if (rule.members().containsKey("IPProto")
        && rule.members().get("IPProto").value() instanceof Arr a) {
      for (Value v : a.items()) {
        proto.add(((HuJson.Num) v).text());
      }
    }
    proto.sort(null);
    final String cap = rule.members().containsKey("CapGrant") ? " cap" : "";
    return src + " -> " + dst + " " + proto + cap;
  }

  private static String canonical(final FilterRule r) {
    final List<String> src = new ArrayList<>(r.srcIps());
    src.sort(null);
    final List<String> dst = new ArrayList<>();
    for (var d : r.dstPorts()) {
      dst.add(d.ip() + ":" + d.ports().first() + "-" + d.ports().last());
    }
    dst.sort(null);
    final List<String> proto = new ArrayList<>();
    for (int p : r.ipProto()) {
      proto.add(Integer.toString(p));
    }
    proto.sort(null);
    return src + " -> " + dst + " " + proto;
  }

  private static String json(final Value v) {
    return switch (v) {
      case Obj o -> {
        final StringBuilder sb = new StringBuilder("{");
        for (var m : o.members().values()) {
          sb.append(sb.length() > 1 ? "," : "")
              .append(quote(m.key()))
              .append(':')
              .append(json(m.value()));
        }
        yield sb.append('}').toString();
      }
      case Arr a -> {
        final StringBuilder sb = new StringBuilder("[");
        for (Value item : a.items()) {
          sb.append(sb.length() > 1 ? "," : "").append(json(item));
        }
        yield sb.append(']').toString();
      }
      case Str s -> quote(s.value());
      case HuJson.Num n -> n.text();
      case HuJson.Bool b -> Boolean.toString(b.value());
      case HuJson.Null n -> "null";
    };
  }

  private static String quote(final String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  private static Obj obj(final Obj o, final String key) {
    return (Obj) o.members().get(key).value();
  }

  private static String str(final Obj o, final String key) {
    return ((Str) o.members().get(key).value()).value();
  }

  private static String num(final Obj o, final String key) {
    return ((HuJson.Num) o.members().get(key).value()).text();
  }

  private static List<String> strings(final Obj o, final String key) {
    final List<String> out = new ArrayList<>();
    final var m = o.members().get(key);
    if (m != null && m.value() instanceof Arr a) {
      for (Value v : a.items()) {
        out.add(((Str) v).value());
      }
    }
    return out;
  }
}
