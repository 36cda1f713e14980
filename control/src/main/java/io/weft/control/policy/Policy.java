package io.weft.control.policy;

import io.weft.wg.allowedips.Prefix;
import java.util.List;
import java.util.Map;

/**
 * A validated policy: every name it uses is defined, every port range and CIDR is well formed. ACLs
 * and grants are both normalised to {@link Rule}s (one per grant protocol), which is what the
 * compiler and the engine read. Built only by {@link PolicyParser}.
 *
 * @param groups group name to member logins (groups cannot contain groups)
 * @param tagOwners tag to owners (logins, groups, tags, {@code autogroup:admin|member})
 * @param hosts host alias to prefix (a single address is a full-length prefix)
 * @param rules the {@code acls} entries then the {@code grants} entries, in file order
 * @param tests the {@code tests} section
 * @param autoApprovers routes and exit-node approvers (validated, not yet used)
 * @param ignoredSections top-level sections accepted but not enforced by Weft (ssh, nodeAttrs...)
 */
public record Policy(
    Map<String, List<String>> groups,
    Map<String, List<String>> tagOwners,
    Map<String, Prefix> hosts,
    List<Rule> rules,
    List<PolicyTest> tests,
    AutoApprovers autoApprovers,
    List<String> ignoredSections) {

  /** What an alias in {@code src} or {@code dst} names. */
  public enum Kind {
    /** {@code *}: every node (as a source, also every approved route). */
    WILDCARD,
    /** {@code user@domain}: the user's untagged nodes. */
    USER,
    /** {@code group:name}: its members' untagged nodes. */
    GROUP,
    /** {@code tag:name}: the nodes carrying the tag. */
    TAG,
    /** {@code autogroup:member}: every untagged node. */
    MEMBER,
    /** {@code autogroup:tagged}: every tagged node. */
    TAGGED,
    /** {@code autogroup:self} (destinations only): the source user's own untagged nodes. */
    SELF,
    /** {@code autogroup:internet} (destinations only): through exit nodes. */
    INTERNET,
    /** A name from {@code hosts}. */
    HOST,
    /** An IP address or CIDR written in place. */
    PREFIX
  }

  /**
   * One alias as written, where it was written, and what it resolves to.
   *
   * @param name the user login, group, tag or host name ({@code text} for the others)
   * @param prefix for {@link Kind#HOST} and {@link Kind#PREFIX}
   */
  public record Alias(Kind kind, String text, String name, Prefix prefix, int line, int column) {
    @Override
    public String toString() {
      return text;
    }
  }

  /** An inclusive port range, as in Tailscale's {@code PortRange}. */
  public record PortRange(int first, int last) {
    /** All ports. */
    public static final PortRange ALL = new PortRange(0, 65535);

    public boolean contains(final int port) {
      return port >= first && port <= last;
    }

    @Override
    public String toString() {
      return first == 0 && last == 65535 ? "*" : first == last ? "" + first : first + "-" + last;
    }
  }

  /** A destination: an alias and the ports allowed on it. */
  public record Destination(Alias alias, List<PortRange> ports, String text) {}

  /**
   * One normalised access rule.
   *
   * @param ref where it came from, {@code acls[2]} or {@code grants[0]}
   * @param protocols IP protocol numbers; empty means Tailscale's default (TCP, UDP, ICMP, ICMPv6)
   */
  public record Rule(
      String ref,
      int line,
      int column,
      List<Alias> sources,
      List<Destination> destinations,
      List<Integer> protocols) {

    /** {@code acls[2] (line 14)}. */
    public String describe() {
      return ref + " (line " + line + ")";
    }
  }

  /** One {@code accept} or {@code deny} entry of a test: a destination and its ports. */
  public record TestTarget(Alias alias, List<PortRange> ports, String text, int line, int column) {}

  /**
   * One entry of {@code tests}.
   *
   * @param protocol the protocol tested (TCP when the test names none)
   */
  public record PolicyTest(
      Alias source,
      int protocol,
      List<TestTarget> accept,
      List<TestTarget> deny,
      int line,
      int column) {}

  /**
   * The {@code autoApprovers} section.
   *
   * @param routes route prefix to approvers
   * @param exitNode approvers of exit nodes
   */
  public record AutoApprovers(Map<Prefix, List<String>> routes, List<String> exitNode) {}
}
