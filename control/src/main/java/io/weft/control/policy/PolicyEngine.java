package io.weft.control.policy;

import io.weft.control.policy.Policy.Alias;
import io.weft.control.policy.Policy.Destination;
import io.weft.control.policy.Policy.Kind;
import io.weft.control.policy.Policy.PolicyTest;
import io.weft.control.policy.Policy.PortRange;
import io.weft.control.policy.Policy.Rule;
import io.weft.control.policy.Policy.TestTarget;
import io.weft.wg.allowedips.Prefix;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides single flows against a policy and explains the answer: which rule accepts, or why nothing
 * does (no rule, wrong port, wrong protocol, tag not owned, peer not visible). The same evaluation
 * runs the policy's {@code tests} when a policy is set, so a test is a claim about identities (a
 * user, a tag, an address), independent of which nodes exist at the time.
 */
public final class PolicyEngine {

  /** What an empty {@code IPProto} means to a Tailscale client: TCP, UDP, ICMP, ICMPv6. */
  static final Set<Integer> DEFAULT_PROTOCOLS = Set.of(6, 17, 1, 58);

  private PolicyEngine() {}

  /**
   * Who is sending or receiving.
   *
   * @param user the login, for an untagged node or a user; null otherwise
   * @param tags tags held (and owned); a tagged identity is not its user's
   * @param addresses addresses (or the prefix a host alias names)
   * @param name for messages
   */
  public record Identity(String user, Set<String> tags, List<Prefix> addresses, String name) {

    /** A node's identity: its tags if tagged (only owned ones count), else its user. */
    public static Identity of(final PolicyNode node, final Set<String> ownedTags) {
      final boolean tagged = !node.tags().isEmpty();
      return new Identity(
          tagged ? null : node.user(),
          tagged ? ownedTags : Set.of(),
          node.addresses(),
          node.name());
    }
  }

  /**
   * An answer.
   *
   * @param accepted whether the flow is allowed
   * @param rule the rule that accepts ({@code acls[2] (line 14)}), or null
   * @param reason the explanation, in words
   */
  public record Decision(boolean accepted, String rule, String reason) {}

  /** A policy that was set, or why it was refused (parse errors or failing tests). */
  public record SetResult(Policy policy, List<PolicyError> errors) {
    public boolean ok() {
      return errors.isEmpty();
    }
  }

  /** Parses, validates and runs the tests; refused with every failing test named. */
  public static SetResult set(final String text) {
    final PolicyParser.Result parsed = PolicyParser.parse(text);
    if (!parsed.ok()) {
      return new SetResult(null, parsed.errors());
    }
    final List<PolicyError> failures = runTests(parsed.policy());
    return failures.isEmpty()
        ? new SetResult(parsed.policy(), List.of())
        : new SetResult(null, failures);
  }

  /** Runs the policy's {@code tests}; one error per failing accept or deny entry. */
  public static List<PolicyError> runTests(final Policy policy) {
    final List<PolicyError> failures = new ArrayList<>();
    for (int t = 0; t < policy.tests().size(); t++) {
      final PolicyTest test = policy.tests().get(t);
      for (Identity src : identities(policy, test.source())) {
        run(policy, t, test, src, failures);
      }
    }
    return failures;
  }

  private static void run(
      final Policy policy,
      final int t,
      final PolicyTest test,
      final Identity src,
      final List<PolicyError> failures) {
    {
      for (TestTarget target : test.accept()) {
        for (Identity dst : identities(policy, target.alias())) {
          for (PortRange range : target.ports()) {
            final String gap = uncovered(policy, src, dst, range, test.protocol());
            if (gap != null) {
              failures.add(
                  new PolicyError(
                      target.line(),
                      target.column(),
                      "tests["
                          + t
                          + "] failed: "
                          + src.name()
                          + " should reach "
                          + target.text()
                          + " but "
                          + gap));
            }
          }
        }
      }
      for (TestTarget target : test.deny()) {
        for (Identity dst : identities(policy, target.alias())) {
          for (PortRange range : target.ports()) {
            final Decision d = firstAllowing(policy, src, dst, range, test.protocol());
            if (d != null) {
              failures.add(
                  new PolicyError(
                      target.line(),
                      target.column(),
                      "tests["
                          + t
                          + "] failed: "
                          + src.name()
                          + " should not reach "
                          + target.text()
                          + " but "
                          + d.rule()
                          + " allows it"));
            }
          }
        }
      }
    }
  }

  /**
   * Decides {@code src → dst:port/proto} between two compiled nodes, saying why, including whether
   * the source may see the destination at all (without which it holds no key for it).
   */
  public static Decision check(
      final CompiledPolicy compiled,
      final long srcId,
      final long dstId,
      final int port,
      final int proto) {
    final PolicyNode srcNode = compiled.node(srcId).orElseThrow();
    final PolicyNode dstNode = compiled.node(dstId).orElseThrow();
    final Identity src = Identity.of(srcNode, compiled.ownedTags(srcId));
    final Identity dst = Identity.of(dstNode, compiled.ownedTags(dstId));
    final Decision d = decide(compiled.policy(), src, dst, port, proto);
    final StringBuilder notes = new StringBuilder();
    unowned(srcNode, compiled, notes);
    unowned(dstNode, compiled, notes);
    if (!compiled.canSee(srcId, dstId)) {
      notes
          .append("; peer not visible: no rule lets ")
          .append(srcNode.name())
          .append(" and ")
          .append(dstNode.name())
          .append(" reach each other, so neither is given the other's key");
    }
    return notes.isEmpty() ? d : new Decision(d.accepted(), d.rule(), d.reason() + notes);
  }

  /**
   * Decides {@code src dst:port/proto} given as text: node names or addresses, {@code
   * server:22/tcp} (protocol name or number; TCP when omitted).
   */
  public static Decision check(final CompiledPolicy compiled, final String src, final String dst) {
    final Optional<PolicyNode> s = find(compiled, src);
    if (s.isEmpty()) {
      return new Decision(false, null, "no node named or addressed \"" + src + "\"");
    }
    final int slash = dst.lastIndexOf('/');
    int proto = 6;
    String rest = dst;
    if (slash >= 0) {
      final Integer p = PolicyParser.protocol(dst.substring(slash + 1));
      if (p == null) {
        return new Decision(false, null, "unknown protocol \"" + dst.substring(slash + 1) + "\"");
      }
      proto = p;
      rest = dst.substring(0, slash);
    }
    final int colon = rest.lastIndexOf(':');
    if (colon < 0) {
      return new Decision(false, null, "destination \"" + dst + "\" needs :port");
    }
    final int port;
    try {
      port = Integer.parseInt(rest.substring(colon + 1));
    } catch (NumberFormatException e) {
      return new Decision(false, null, "bad port \"" + rest.substring(colon + 1) + "\"");
    }
    final String host = rest.substring(0, colon).replace("[", "").replace("]", "");
    final Optional<PolicyNode> d = find(compiled, host);
    if (d.isEmpty()) {
      return new Decision(false, null, "no node named or addressed \"" + host + "\"");
    }
    return check(compiled, s.get().id(), d.get().id(), port, proto);
  }

  /** Decides one flow between identities (no visibility check). */
  public static Decision decide(
      final Policy policy,
      final Identity src,
      final Identity dst,
      final int port,
      final int proto) {
    final List<String> nearMisses = new ArrayList<>();
    for (Rule rule : policy.rules()) {
      if (!anySource(policy, rule, src)) {
        continue;
      }
      final List<PortRange> ports = portsTo(policy, rule, src, dst);
      if (ports.isEmpty()) {
        continue;
      }
      final boolean protoOk = protocols(rule).contains(proto);
      final boolean portOk = ports.stream().anyMatch(p -> p.contains(port));
      if (protoOk && portOk) {
        return new Decision(
            true, rule.describe(), "accepted by " + rule.describe() + ": " + summary(rule));
      }
      if (!protoOk) {
        nearMisses.add(
            "wrong protocol: "
                + rule.describe()
                + " allows "
                + src.name()
                + " to "
                + dst.name()
                + " only over "
                + protocolNames(rule));
      } else {
        nearMisses.add(
            "wrong port: "
                + rule.describe()
                + " allows "
                + src.name()
                + " to "
                + dst.name()
                + " on ports "
                + ports.stream().map(PortRange::toString).collect(Collectors.joining(","))
                + ", not "
                + port);
      }
    }
    if (nearMisses.isEmpty()) {
      return new Decision(
          false,
          null,
          "no rule: no acl or grant has "
              + src.name()
              + " among its sources and "
              + dst.name()
              + " among its destinations");
    }
    return new Decision(false, null, String.join("; ", nearMisses));
  }

  // ---- evaluation

  private static String uncovered(
      final Policy policy,
      final Identity src,
      final Identity dst,
      final PortRange want,
      final int proto) {
    final List<PortRange> allowed = new ArrayList<>();
    for (Rule rule : policy.rules()) {
      if (protocols(rule).contains(proto) && anySource(policy, rule, src)) {
        allowed.addAll(portsTo(policy, rule, src, dst));
      }
    }
    allowed.sort(Comparator.comparingInt(PortRange::first));
    int next = want.first();
    for (PortRange p : allowed) {
      if (p.first() > next) {
        break;
      }
      next = Math.max(next, p.last() + 1);
      if (next > want.last()) {
        return null;
      }
    }
    final Decision why = decide(policy, src, dst, next, proto);
    return "port " + next + " is not allowed (" + why.reason() + ")";
  }

  private static Decision firstAllowing(
      final Policy policy,
      final Identity src,
      final Identity dst,
      final PortRange range,
      final int proto) {
    for (Rule rule : policy.rules()) {
      if (protocols(rule).contains(proto) && anySource(policy, rule, src)) {
        for (PortRange p : portsTo(policy, rule, src, dst)) {
          if (p.first() <= range.last() && p.last() >= range.first()) {
            return new Decision(true, rule.describe(), summary(rule));
          }
        }
      }
    }
    return null;
  }

  private static Set<Integer> protocols(final Rule rule) {
    return rule.protocols().isEmpty() ? DEFAULT_PROTOCOLS : Set.copyOf(rule.protocols());
  }

  private static boolean anySource(final Policy policy, final Rule rule, final Identity src) {
    for (Alias a : rule.sources()) {
      if (matches(policy, a, src)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The ports {@code rule} opens from {@code src} on {@code dst}; empty if it does not name dst.
   */
  private static List<PortRange> portsTo(
      final Policy policy, final Rule rule, final Identity src, final Identity dst) {
    final List<PortRange> out = new ArrayList<>();
    for (Destination d : rule.destinations()) {
      final boolean hit =
          d.alias().kind() == Kind.SELF
              ? src.user() != null
                  && src.tags().isEmpty()
                  && dst.tags().isEmpty()
                  && src.user().equals(dst.user())
              : matches(policy, d.alias(), dst);
      if (hit) {
        out.addAll(d.ports());
      }
    }
    return out;
  }

  private static boolean matches(final Policy policy, final Alias a, final Identity id) {
    final boolean untaggedUser = id.user() != null && id.tags().isEmpty();
    return switch (a.kind()) {
      case WILDCARD -> true;
      case USER -> untaggedUser && id.user().equals(a.name());
      case GROUP ->
          untaggedUser && policy.groups().getOrDefault(a.name(), List.of()).contains(id.user());
      case MEMBER -> untaggedUser;
      case TAGGED -> !id.tags().isEmpty();
      case TAG -> id.tags().contains(a.name());
      case HOST, PREFIX -> id.addresses().stream().anyMatch(p -> Addresses.contains(a.prefix(), p));
      case SELF, INTERNET -> false;
    };
  }

  private static Identity identity(final Policy policy, final Alias a) {
    return switch (a.kind()) {
      case USER -> new Identity(a.name(), Set.of(), List.of(), a.text());
      case TAG -> new Identity(null, Set.of(a.name()), List.of(), a.text());
      case HOST, PREFIX -> new Identity(null, Set.of(), List.of(a.prefix()), a.text());
      default -> new Identity(null, Set.of(), List.of(), a.text());
    };
  }

  /** A test source or destination; a group stands for each of its members. */
  private static List<Identity> identities(final Policy policy, final Alias a) {
    if (a.kind() == Kind.GROUP) {
      return policy.groups().getOrDefault(a.name(), List.of()).stream()
          .map(u -> new Identity(u, Set.of(), List.of(), u + " (" + a.text() + ")"))
          .toList();
    }
    return List.of(identity(policy, a));
  }

  private static void unowned(
      final PolicyNode node, final CompiledPolicy compiled, final StringBuilder notes) {
    for (String t : node.tags()) {
      if (!compiled.ownedTags(node.id()).contains(t)) {
        notes
            .append("; tag not owned: ")
            .append(node.name())
            .append(" carries ")
            .append(t)
            .append(", which tagOwners does not define, so no rule naming it applies");
      }
    }
  }

  private static Optional<PolicyNode> find(final CompiledPolicy compiled, final String text) {
    for (PolicyNode n : compiled.nodes()) {
      if (n.name().equals(text) || Long.toString(n.id()).equals(text)) {
        return Optional.of(n);
      }
      for (Prefix p : n.addresses()) {
        if (Addresses.format(p).equals(text.toLowerCase(Locale.ROOT))) {
          return Optional.of(n);
        }
      }
    }
    return Optional.empty();
  }

  private static String summary(final Rule rule) {
    return rule.sources().stream().map(Alias::text).collect(Collectors.joining(","))
        + " -> "
        + rule.destinations().stream().map(Destination::text).collect(Collectors.joining(","))
        + (rule.protocols().isEmpty() ? "" : " (" + protocolNames(rule) + ")");
  }

  private static String protocolNames(final Rule rule) {
    return rule.protocols().stream()
        .map(
            p ->
                switch (p) {
                  case 6 -> "tcp";
                  case 17 -> "udp";
                  case 1 -> "icmp";
                  case 58 -> "ipv6-icmp";
                  default -> "proto " + p;
                })
        .collect(Collectors.joining(","));
  }
}
