package io.weft.control.policy;

import io.weft.control.policy.HuJson.Arr;
import io.weft.control.policy.HuJson.Member;
import io.weft.control.policy.HuJson.Obj;
import io.weft.control.policy.HuJson.Str;
import io.weft.control.policy.HuJson.Value;
import io.weft.control.policy.Policy.Alias;
import io.weft.control.policy.Policy.AutoApprovers;
import io.weft.control.policy.Policy.Destination;
import io.weft.control.policy.Policy.Kind;
import io.weft.control.policy.Policy.PolicyTest;
import io.weft.control.policy.Policy.PortRange;
import io.weft.control.policy.Policy.Rule;
import io.weft.control.policy.Policy.TestTarget;
import io.weft.wg.allowedips.Prefix;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a HuJSON policy file into a validated {@link Policy}, or into every error found, each
 * naming the line, column and offending value. Never throws on its input.
 */
public final class PolicyParser {

  /** Either a policy or the errors, sorted by position. */
  public record Result(Policy policy, List<PolicyError> errors) {
    public boolean ok() {
      return errors.isEmpty();
    }
  }

  private static final Set<String> TOP_LEVEL =
      Set.of("groups", "tagOwners", "hosts", "acls", "grants", "tests", "autoApprovers");

  // Sections of Tailscale's policy file that Weft accepts but does not enforce yet.
  private static final Set<String> IGNORED =
      Set.of(
          "ssh",
          "sshTests",
          "nodeAttrs",
          "postures",
          "defaultSrcPosture",
          "ipsets",
          "derpMap",
          "disableIPv4",
          "randomizeClientPort",
          "OneCGNATRoute");

  private static final Map<String, Integer> PROTOCOLS =
      Map.ofEntries(
          Map.entry("icmp", 1),
          Map.entry("igmp", 2),
          Map.entry("ipv4", 4),
          Map.entry("ip-in-ip", 4),
          Map.entry("tcp", 6),
          Map.entry("egp", 8),
          Map.entry("igp", 9),
          Map.entry("udp", 17),
          Map.entry("gre", 47),
          Map.entry("esp", 50),
          Map.entry("ah", 51),
          Map.entry("ipv6-icmp", 58),
          Map.entry("icmpv6", 58),
          Map.entry("sctp", 132));

  private final List<PolicyError> errors = new ArrayList<>();
  private final Map<String, List<String>> groups = new LinkedHashMap<>();
  private final Map<String, List<String>> tagOwners = new LinkedHashMap<>();
  private final Map<String, Prefix> hosts = new LinkedHashMap<>();

  private PolicyParser() {}

  /** Parses and validates a policy file. */
  public static Result parse(final String text) {
    final HuJson.Result tree = HuJson.parse(text);
    if (!tree.ok()) {
      return new Result(null, List.of(tree.error()));
    }
    return parse(tree.value());
  }

  /** Validates an already parsed tree. */
  public static Result parse(final Value root) {
    return new PolicyParser().run(root);
  }

  private Result run(final Value root) {
    if (!(root instanceof Obj top)) {
      error(root, "a policy is an object, not " + root.kind());
      return done(null);
    }
    final List<String> ignored = new ArrayList<>();
    for (Member m : top.members().values()) {
      if (IGNORED.contains(m.key())) {
        ignored.add(m.key());
      } else if (!TOP_LEVEL.contains(m.key())) {
        errors.add(new PolicyError(m.line(), m.column(), "unknown key \"" + m.key() + "\""));
      }
    }
    final Map<String, Member> s = top.members();
    // Definitions first: rules refer to them.
    parseGroups(s.get("groups"));
    parseHosts(s.get("hosts"));
    parseTagOwners(s.get("tagOwners"));
    final List<Rule> rules = new ArrayList<>();
    parseAcls(s.get("acls"), rules);
    parseGrants(s.get("grants"), rules);
    final List<PolicyTest> tests = parseTests(s.get("tests"));
    final AutoApprovers approvers = parseAutoApprovers(s.get("autoApprovers"));
    if (!errors.isEmpty()) {
      return done(null);
    }
    return done(
        new Policy(
            Collections.unmodifiableMap(groups),
            Collections.unmodifiableMap(tagOwners),
            Collections.unmodifiableMap(hosts),
            List.copyOf(rules),
            List.copyOf(tests),
            approvers,
            List.copyOf(ignored)));
  }

  private Result done(final Policy policy) {
    errors.sort(Comparator.comparingInt(PolicyError::line).thenComparingInt(PolicyError::column));
    return new Result(policy, List.copyOf(errors));
  }

  // ---- definitions

  private void parseGroups(final Member section) {
    final Obj obj = object(section);
    if (obj == null) {
      return;
    }
    for (Member m : obj.members().values()) {
      if (!m.key().startsWith("group:") || m.key().length() == "group:".length()) {
        errors.add(
            new PolicyError(
                m.line(), m.column(), "group name \"" + m.key() + "\" must start with \"group:\""));
        continue;
      }
      final List<String> members = new ArrayList<>();
      for (Str str : strings(m.value(), "groups[\"" + m.key() + "\"]")) {
        final String v = str.value();
        if (v.startsWith("group:")) {
          error(
              str,
              "groups[\""
                  + m.key()
                  + "\"]: \""
                  + v
                  + "\": group members cannot be groups (no recursion)");
        } else if (!isLogin(v)) {
          error(
              str, "groups[\"" + m.key() + "\"]: \"" + v + "\" is not a user login (user@domain)");
        } else {
          members.add(v);
        }
      }
      groups.put(m.key(), List.copyOf(members));
    }
  }

  private void parseHosts(final Member section) {
    final Obj obj = object(section);
    if (obj == null) {
      return;
    }
    for (Member m : obj.members().values()) {
      if (m.key().isEmpty()
          || m.key().contains(":")
          || m.key().contains("@")
          || m.key().equals("*")) {
        errors.add(
            new PolicyError(
                m.line(),
                m.column(),
                "host name \"" + m.key() + "\" may not be empty or contain ':' or '@'"));
        continue;
      }
      if (!(m.value() instanceof Str str)) {
        error(m.value(), "hosts[\"" + m.key() + "\"] must be a string, not " + m.value().kind());
        continue;
      }
      final Prefix p = prefix(str.value(), str);
      if (p != null) {
        hosts.put(m.key(), p);
      }
    }
  }

  private void parseTagOwners(final Member section) {
    final Obj obj = object(section);
    if (obj == null) {
      return;
    }
    // Tags may own tags (in any order, cycles allowed), so collect names first.
    for (Member m : obj.members().values()) {
      if (!m.key().startsWith("tag:") || m.key().length() == "tag:".length()) {
        errors.add(
            new PolicyError(
                m.line(), m.column(), "tag name \"" + m.key() + "\" must start with \"tag:\""));
      } else {
        tagOwners.put(m.key(), List.of());
      }
    }
    for (Member m : obj.members().values()) {
      if (!tagOwners.containsKey(m.key())) {
        continue;
      }
      final List<String> owners = new ArrayList<>();
      for (Str str : strings(m.value(), "tagOwners[\"" + m.key() + "\"]")) {
        if (owner(str, "tagOwners[\"" + m.key() + "\"]")) {
          owners.add(str.value());
        }
      }
      tagOwners.put(m.key(), List.copyOf(owners));
    }
  }

  /** A tag owner or auto-approver: a login, a defined group or tag, or an admin/member group. */
  private boolean owner(final Str str, final String where) {
    final String v = str.value();
    if (v.startsWith("group:")) {
      if (!groups.containsKey(v)) {
        error(str, where + ": unknown group \"" + v + "\"");
        return false;
      }
    } else if (v.startsWith("tag:")) {
      if (!tagOwners.containsKey(v)) {
        error(str, where + ": tag \"" + v + "\" is not defined in tagOwners");
        return false;
      }
    } else if (v.startsWith("autogroup:")) {
      if (!v.equals("autogroup:admin")
          && !v.equals("autogroup:member")
          && !v.equals("autogroup:owner")
          && !v.equals("autogroup:it-admin")
          && !v.equals("autogroup:network-admin")) {
        error(str, where + ": \"" + v + "\" cannot own tags or approve routes");
        return false;
      }
    } else if (!isLogin(v)) {
      error(str, where + ": \"" + v + "\" is not a user, group, tag or autogroup");
      return false;
    }
    return true;
  }

  // ---- rules

  private void parseAcls(final Member section, final List<Rule> out) {
    final Arr arr = array(section);
    if (arr == null) {
      return;
    }
    for (int i = 0; i < arr.items().size(); i++) {
      final String ref = "acls[" + i + "]";
      if (!(arr.items().get(i) instanceof Obj acl)) {
        error(arr.items().get(i), ref + " must be an object, not " + arr.items().get(i).kind());
        continue;
      }
      final Map<String, Member> f = acl.members();
      for (Member m : f.values()) {
        if (!Set.of("action", "src", "dst", "proto", "users", "ports").contains(m.key())) {
          errors.add(
              new PolicyError(m.line(), m.column(), ref + ": unknown key \"" + m.key() + "\""));
        }
      }
      final int before = errors.size();
      final Member action = f.get("action");
      if (action == null) {
        error(acl, ref + ": missing \"action\"");
      } else if (!(action.value() instanceof Str a) || !a.value().equals("accept")) {
        error(
            action.value(),
            ref
                + ": action "
                + show(action.value())
                + " is not supported (only \"accept\"; rules only allow)");
      }
      final Member src = either(f, "src", "users", acl, ref);
      final Member dst = either(f, "dst", "ports", acl, ref);
      final List<Alias> sources = src == null ? List.of() : sources(src.value(), ref + " src");
      final List<Destination> dests = new ArrayList<>();
      if (dst != null) {
        for (Str d : strings(dst.value(), ref + " dst")) {
          final Destination parsed = destinationWithPorts(d, ref);
          if (parsed != null) {
            dests.add(parsed);
          }
        }
      }
      List<Integer> protocols = List.of();
      final Member proto = f.get("proto");
      if (proto != null) {
        if (proto.value() instanceof Str p) {
          final Integer n = protocol(p.value());
          if (n == null) {
            error(p, ref + ": unknown proto \"" + p.value() + "\"");
          } else {
            protocols = List.of(n);
          }
        } else {
          error(proto.value(), ref + ": proto must be a string, not " + proto.value().kind());
        }
      }
      if (errors.size() == before) {
        checkSelf(sources, dests, ref, false);
        out.add(new Rule(ref, acl.line(), acl.column(), sources, List.copyOf(dests), protocols));
      }
    }
  }

  private void parseGrants(final Member section, final List<Rule> out) {
    final Arr arr = array(section);
    if (arr == null) {
      return;
    }
    for (int i = 0; i < arr.items().size(); i++) {
      final String ref = "grants[" + i + "]";
      if (!(arr.items().get(i) instanceof Obj grant)) {
        error(arr.items().get(i), ref + " must be an object, not " + arr.items().get(i).kind());
        continue;
      }
      final Map<String, Member> f = grant.members();
      for (Member m : f.values()) {
        if (!Set.of("src", "dst", "ip", "app", "via", "srcPosture").contains(m.key())) {
          errors.add(
              new PolicyError(m.line(), m.column(), ref + ": unknown key \"" + m.key() + "\""));
        }
      }
      final int before = errors.size();
      final Member src = f.get("src");
      final Member dst = f.get("dst");
      if (src == null) {
        error(grant, ref + ": missing \"src\"");
      }
      if (dst == null) {
        error(grant, ref + ": missing \"dst\"");
      }
      if (f.containsKey("via")) {
        error(
            f.get("via").value(),
            ref
                + ": \"via\" (routing through a subnet router or exit "
                + "node) is not supported yet");
      }
      final List<Alias> sources = src == null ? List.of() : sources(src.value(), ref + " src");
      final List<Alias> targets = new ArrayList<>();
      if (dst != null) {
        for (Str d : strings(dst.value(), ref + " dst")) {
          final Alias a = alias(d.value(), d, true, ref + " dst");
          if (a != null) {
            targets.add(a);
          }
        }
      }
      final Member ip = f.get("ip");
      final Member app = f.get("app");
      final boolean noIp = ip == null || (ip.value() instanceof Arr a && a.items().isEmpty());
      final boolean noApp = app == null || (app.value() instanceof Obj o && o.members().isEmpty());
      if (noIp && noApp) {
        error(grant, ref + ": ip and app cannot both be empty");
      }
      if (app != null && !(app.value() instanceof Obj)) {
        error(app.value(), ref + ": app must be an object, not " + app.value().kind());
      }
      // protocol (0 = none given) -> port ranges, in order of first appearance
      final Map<Integer, List<PortRange>> byProto = new LinkedHashMap<>();
      if (ip != null) {
        for (Str entry : strings(ip.value(), ref + " ip")) {
          grantIp(entry, ref, byProto);
        }
      }
      if (errors.size() != before) {
        continue;
      }
      for (Map.Entry<Integer, List<PortRange>> e : byProto.entrySet()) {
        final List<Destination> dests = new ArrayList<>();
        for (Alias t : targets) {
          dests.add(new Destination(t, List.copyOf(e.getValue()), t.text()));
        }
        checkSelf(sources, dests, ref, true);
        out.add(
            new Rule(
                ref,
                grant.line(),
                grant.column(),
                sources,
                List.copyOf(dests),
                e.getKey() == 0 ? List.of() : List.of(e.getKey())));
      }
    }
  }

  private void grantIp(final Str entry, final String ref, final Map<Integer, List<PortRange>> out) {
    final String v = entry.value();
    int proto = 0;
    String ports = v;
    final int colon = v.indexOf(':');
    if (colon >= 0) {
      final Integer n = protocol(v.substring(0, colon));
      if (n == null) {
        error(entry, ref + " ip \"" + v + "\": unknown protocol \"" + v.substring(0, colon) + "\"");
        return;
      }
      proto = n;
      ports = v.substring(colon + 1);
    }
    final List<PortRange> ranges = ports(ports, entry, ref + " ip \"" + v + "\"");
    if (ranges != null) {
      out.computeIfAbsent(proto, k -> new ArrayList<>()).addAll(ranges);
    }
  }

  /** {@code autogroup:self} needs sources that are users: logins, groups, members (ACLs: *). */
  private void checkSelf(
      final List<Alias> sources,
      final List<Destination> dests,
      final String ref,
      final boolean grant) {
    if (dests.stream().noneMatch(d -> d.alias().kind() == Kind.SELF)) {
      return;
    }
    for (Alias s : sources) {
      final boolean ok =
          switch (s.kind()) {
            case USER, GROUP, MEMBER -> true;
            case WILDCARD -> !grant;
            default -> false;
          };
      if (!ok) {
        errors.add(
            new PolicyError(
                s.line(),
                s.column(),
                ref
                    + ": source \""
                    + s.text()
                    + "\" cannot be used with autogroup:self (only users, groups and autogroup:member"
                    + (grant ? "" : " or *")
                    + ")"));
      }
    }
  }

  private Member either(
      final Map<String, Member> f,
      final String name,
      final String legacy,
      final Obj at,
      final String ref) {
    final Member m = f.containsKey(name) ? f.get(name) : f.get(legacy);
    if (m == null) {
      error(at, ref + ": missing \"" + name + "\"");
    } else if (f.containsKey(name) && f.containsKey(legacy)) {
      error(f.get(legacy).value(), ref + ": both \"" + name + "\" and legacy \"" + legacy + "\"");
    }
    return m;
  }

  private List<Alias> sources(final Value v, final String where) {
    final List<Alias> out = new ArrayList<>();
    for (Str s : strings(v, where)) {
      final Alias a = alias(s.value(), s, false, where);
      if (a != null) {
        out.add(a);
      }
    }
    return List.copyOf(out);
  }

  /** {@code alias:ports}; IPv6 may be bracketed ({@code [fd7a::1]:22}) or not. */
  private Destination destinationWithPorts(final Str d, final String ref) {
    final String v = d.value();
    String host;
    String ports;
    if (v.startsWith("[") && v.indexOf("]:") > 0) {
      host = v.substring(1, v.indexOf("]:"));
      ports = v.substring(v.indexOf("]:") + 2);
    } else {
      final int colon = v.lastIndexOf(':');
      if (colon < 0) {
        error(d, ref + " dst \"" + v + "\": missing \":ports\" (for example \"" + v + ":*\")");
        return null;
      }
      host = v.substring(0, colon);
      ports = v.substring(colon + 1);
    }
    final List<PortRange> ranges = ports(ports, d, ref + " dst \"" + v + "\"");
    if (ranges == null) {
      return null;
    }
    final Alias a = alias(host, d, true, ref + " dst");
    return a == null ? null : new Destination(a, ranges, v);
  }

  private List<PortRange> ports(final String spec, final Value at, final String where) {
    if (spec.equals("*")) {
      return List.of(PortRange.ALL);
    }
    final List<PortRange> out = new ArrayList<>();
    for (String part : spec.split(",", -1)) {
      final int dash = part.indexOf('-');
      final int first = port(dash < 0 ? part : part.substring(0, dash), at, where, "first");
      final int last = dash < 0 ? first : port(part.substring(dash + 1), at, where, "last");
      if (first < 0 || last < 0) {
        return null;
      }
      if (first > last) {
        error(at, where + ": port range \"" + part + "\" ends before it starts");
        return null;
      }
      out.add(new PortRange(first, last));
    }
    return out;
  }

  private int port(final String text, final Value at, final String where, final String which) {
    if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      error(
          at,
          where
              + ": port range: \""
              + text
              + "\" is not a port number ("
              + which
              + " of a range, 1-65535, or * for all)");
      return -1;
    }
    final int n = Integer.parseInt(text);
    if (n < 1 || n > 65535) {
      error(at, where + ": port " + n + " is outside 1-65535 (use * for all ports)");
      return -1;
    }
    return n;
  }

  private Alias alias(final String v, final Value at, final boolean dst, final String where) {
    final int l = at.line();
    final int c = at.column();
    if (v.equals("*")) {
      return new Alias(Kind.WILDCARD, v, v, null, l, c);
    }
    if (v.startsWith("autogroup:")) {
      final Kind k =
          switch (v) {
            case "autogroup:member" -> Kind.MEMBER;
            case "autogroup:tagged" -> Kind.TAGGED;
            case "autogroup:self" -> Kind.SELF;
            case "autogroup:internet" -> Kind.INTERNET;
            default -> null;
          };
      if (k == null) {
        error(at, where + ": unknown or unsupported autogroup \"" + v + "\"");
        return null;
      }
      if (!dst && (k == Kind.SELF || k == Kind.INTERNET)) {
        error(at, where + ": \"" + v + "\" is not valid on the src side of a rule");
        return null;
      }
      return new Alias(k, v, v, null, l, c);
    }
    if (v.startsWith("group:")) {
      if (!groups.containsKey(v)) {
        error(at, where + ": unknown group \"" + v + "\"");
        return null;
      }
      return new Alias(Kind.GROUP, v, v, null, l, c);
    }
    if (v.startsWith("tag:")) {
      if (!tagOwners.containsKey(v)) {
        error(at, where + ": tag \"" + v + "\" is not defined in tagOwners");
        return null;
      }
      return new Alias(Kind.TAG, v, v, null, l, c);
    }
    if (isLogin(v)) {
      return new Alias(Kind.USER, v, v, null, l, c);
    }
    if (hosts.containsKey(v)) {
      return new Alias(Kind.HOST, v, v, hosts.get(v), l, c);
    }
    if (looksLikeAddress(v)) {
      final Prefix p = prefix(v, at);
      if (p != null && dst && p.bits() == 0) {
        error(
            at,
            where
                + " \""
                + v
                + "\": to allow all IP addresses, use \"*\" or "
                + "\"autogroup:internet\"");
        return null;
      }
      return p == null ? null : new Alias(Kind.PREFIX, v, v, p, l, c);
    }
    error(
        at,
        where
            + ": unknown alias \""
            + v
            + "\" (not *, a user, group:, tag:, autogroup:, a host name or an IP)");
    return null;
  }

  // ---- tests and auto-approvers

  private List<PolicyTest> parseTests(final Member section) {
    final List<PolicyTest> out = new ArrayList<>();
    final Arr arr = array(section);
    if (arr == null) {
      return out;
    }
    for (int i = 0; i < arr.items().size(); i++) {
      final String ref = "tests[" + i + "]";
      if (!(arr.items().get(i) instanceof Obj t)) {
        error(arr.items().get(i), ref + " must be an object, not " + arr.items().get(i).kind());
        continue;
      }
      final int before = errors.size();
      for (Member m : t.members().values()) {
        if (!Set.of("src", "proto", "accept", "deny", "srcPostureAttrs").contains(m.key())) {
          errors.add(
              new PolicyError(m.line(), m.column(), ref + ": unknown key \"" + m.key() + "\""));
        }
      }
      Alias src = null;
      final Member s = t.members().get("src");
      if (s == null) {
        error(t, ref + ": missing \"src\"");
      } else if (!(s.value() instanceof Str str)) {
        error(s.value(), ref + ": src must be a string, not " + s.value().kind());
      } else {
        src = alias(str.value(), str, false, ref + " src");
        if (src != null
            && src.kind() != Kind.USER
            && src.kind() != Kind.GROUP
            && src.kind() != Kind.TAG
            && src.kind() != Kind.HOST
            && src.kind() != Kind.PREFIX) {
          error(
              str,
              ref
                  + ": src \""
                  + str.value()
                  + "\" must be a user, a group, a tag, a host or an IP");
        }
      }
      int proto = 6;
      final Member p = t.members().get("proto");
      if (p != null) {
        final Integer n = p.value() instanceof Str ps ? protocol(ps.value()) : null;
        if (n == null) {
          error(p.value(), ref + ": unknown proto " + show(p.value()));
        } else {
          proto = n;
        }
      }
      final List<TestTarget> accept = targets(t.members().get("accept"), ref + " accept");
      final List<TestTarget> deny = targets(t.members().get("deny"), ref + " deny");
      if (accept.isEmpty() && deny.isEmpty() && errors.size() == before) {
        error(t, ref + ": needs at least one \"accept\" or \"deny\" entry");
      }
      if (errors.size() == before) {
        out.add(new PolicyTest(src, proto, accept, deny, t.line(), t.column()));
      }
    }
    return out;
  }

  private List<TestTarget> targets(final Member m, final String where) {
    final List<TestTarget> out = new ArrayList<>();
    if (m == null) {
      return out;
    }
    for (Str s : strings(m.value(), where)) {
      final Destination d = destinationWithPorts(s, where);
      if (d == null) {
        continue;
      }
      final Kind k = d.alias().kind();
      if (k != Kind.USER
          && k != Kind.GROUP
          && k != Kind.TAG
          && k != Kind.HOST
          && k != Kind.PREFIX) {
        error(
            s,
            where
                + " \""
                + s.value()
                + "\": a test destination must be a user, group, tag, "
                + "host or IP");
        continue;
      }
      if ((k == Kind.HOST || k == Kind.PREFIX)
          && (d.alias().prefix().bits() != d.alias().prefix().address().length * 8
              || (k == Kind.PREFIX && d.alias().text().contains("/")))) {
        error(s, where + " \"" + s.value() + "\": a test destination is one address, not a CIDR");
        continue;
      }
      if (d.ports().size() != 1 || d.ports().get(0).first() != d.ports().get(0).last()) {
        error(s, where + " \"" + s.value() + "\": a test destination names one port");
        continue;
      }
      out.add(new TestTarget(d.alias(), d.ports(), s.value(), s.line(), s.column()));
    }
    return out;
  }

  private AutoApprovers parseAutoApprovers(final Member section) {
    final Map<Prefix, List<String>> routes = new LinkedHashMap<>();
    final List<String> exit = new ArrayList<>();
    final Obj obj = object(section);
    if (obj != null) {
      for (Member m : obj.members().values()) {
        if (m.key().equals("routes")) {
          if (!(m.value() instanceof Obj r)) {
            error(m.value(), "autoApprovers.routes must be an object, not " + m.value().kind());
            continue;
          }
          for (Member route : r.members().values()) {
            final Prefix p =
                prefix(route.key(), new HuJson.Str(route.line(), route.column(), route.key()));
            final List<String> who = new ArrayList<>();
            for (Str s : strings(route.value(), "autoApprovers.routes[\"" + route.key() + "\"]")) {
              if (owner(s, "autoApprovers.routes[\"" + route.key() + "\"]")) {
                who.add(s.value());
              }
            }
            if (p != null) {
              routes.put(p, List.copyOf(who));
            }
          }
        } else if (m.key().equals("exitNode")) {
          for (Str s : strings(m.value(), "autoApprovers.exitNode")) {
            if (owner(s, "autoApprovers.exitNode")) {
              exit.add(s.value());
            }
          }
        } else if (!m.key().equals("services")) {
          errors.add(
              new PolicyError(
                  m.line(), m.column(), "autoApprovers: unknown key \"" + m.key() + "\""));
        }
      }
    }
    return new AutoApprovers(Collections.unmodifiableMap(routes), List.copyOf(exit));
  }

  // ---- small readers

  private Obj object(final Member section) {
    if (section == null || section.value() instanceof HuJson.Null) {
      return null;
    }
    if (section.value() instanceof Obj o) {
      return o;
    }
    error(
        section.value(),
        "\"" + section.key() + "\" must be an object, not " + section.value().kind());
    return null;
  }

  private Arr array(final Member section) {
    if (section == null || section.value() instanceof HuJson.Null) {
      return null;
    }
    if (section.value() instanceof Arr a) {
      return a;
    }
    error(
        section.value(),
        "\"" + section.key() + "\" must be an array, not " + section.value().kind());
    return null;
  }

  /** The strings of an array; anything else is an error naming {@code where}. */
  private List<Str> strings(final Value v, final String where) {
    final List<Str> out = new ArrayList<>();
    if (v instanceof HuJson.Null) {
      return out;
    }
    if (!(v instanceof Arr a)) {
      error(v, where + " must be an array of strings, not " + v.kind());
      return out;
    }
    for (Value item : a.items()) {
      if (item instanceof Str s) {
        out.add(s);
      } else {
        error(item, where + ": expected a string, found " + item.kind());
      }
    }
    return out;
  }

  private Prefix prefix(final String text, final Value at) {
    final String withBits =
        text.indexOf('/') >= 0 ? text : text + (text.indexOf(':') >= 0 ? "/128" : "/32");
    final Prefix p;
    try {
      p = Prefix.parse(withBits);
    } catch (IllegalArgumentException e) {
      error(at, "bad IP or CIDR \"" + text + "\": " + e.getMessage());
      return null;
    }
    if (text.indexOf('/') >= 0 && !Addresses.sameAddress(p, text)) {
      error(at, "bad CIDR \"" + text + "\": host bits are set (did you mean \"" + p + "\"?)");
      return null;
    }
    return p;
  }

  static Integer protocol(final String name) {
    final Integer known = PROTOCOLS.get(name.toLowerCase(java.util.Locale.ROOT));
    if (known != null) {
      return known;
    }
    if (!name.isEmpty() && name.length() <= 3 && name.chars().allMatch(c -> c >= '0' && c <= '9')) {
      final int n = Integer.parseInt(name);
      return n >= 1 && n <= 255 ? n : null;
    }
    return null;
  }

  private static boolean isLogin(final String v) {
    final int at = v.indexOf('@');
    return at >= 0
        && !v.contains(":")
        && v.indexOf('@', at + 1) < 0
        && !v.isBlank()
        && v.strip().equals(v);
  }

  private static boolean looksLikeAddress(final String v) {
    return (v.indexOf('.') >= 0 || v.indexOf(':') >= 0)
        && v.chars()
            .allMatch(ch -> Character.digit(ch, 16) >= 0 || ch == '.' || ch == ':' || ch == '/');
  }

  private static String show(final Value v) {
    return v instanceof Str s ? "\"" + s.value() + "\"" : v.kind();
  }

  private void error(final Value at, final String message) {
    errors.add(new PolicyError(at.line(), at.column(), message));
  }
}
