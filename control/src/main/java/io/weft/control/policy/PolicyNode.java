package io.weft.control.policy;

import io.weft.wg.allowedips.Prefix;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the compiler needs to know of a node.
 *
 * @param id the registry's node id
 * @param name the node's name, for messages
 * @param user the owning user's login ({@code alice@example.com}); a tagged node's identity is its
 *     tags, not its user
 * @param tags the tags the node carries ({@code tag:server})
 * @param addresses the node's own addresses as host prefixes (IPv4 /32, IPv6 /128)
 * @param approvedRoutes subnet routes the node advertises and an admin or auto-approver approved
 * @param advertisedRoutes every route the node advertises, approved or not; the policy's {@code
 *     autoApprovers} approve some of them (headscale's captures acl-h03, grant-p09-6c)
 */
public record PolicyNode(
    long id,
    String name,
    String user,
    Set<String> tags,
    List<Prefix> addresses,
    List<Prefix> approvedRoutes,
    List<Prefix> advertisedRoutes) {

  public PolicyNode {
    Objects.requireNonNull(name, "name");
    tags = Set.copyOf(tags);
    addresses = List.copyOf(addresses);
    approvedRoutes = List.copyOf(approvedRoutes);
    advertisedRoutes = List.copyOf(advertisedRoutes);
  }

  /** A node with addresses given as text ({@code "100.64.0.1"}, {@code "fd7a:115c:a1e0::1"}). */
  public static PolicyNode of(
      final long id,
      final String name,
      final String user,
      final Set<String> tags,
      final String... addresses) {
    return new PolicyNode(
        id,
        name,
        user,
        tags,
        java.util.Arrays.stream(addresses)
            .map(a -> Prefix.parse(a + (a.indexOf(':') >= 0 ? "/128" : "/32")))
            .toList(),
        List.of(),
        List.of());
  }

  /** The same node with approved (and so advertised) routes. */
  public PolicyNode withRoutes(final String... routes) {
    final List<Prefix> approved = java.util.Arrays.stream(routes).map(Prefix::parse).toList();
    final List<Prefix> advertised = new java.util.ArrayList<>(advertisedRoutes);
    approved.stream().filter(r -> !advertised.contains(r)).forEach(advertised::add);
    return new PolicyNode(id, name, user, tags, addresses, approved, advertised);
  }

  /** The same node advertising (not necessarily approved) routes. */
  public PolicyNode withAdvertisedRoutes(final String... routes) {
    return new PolicyNode(
        id,
        name,
        user,
        tags,
        addresses,
        approvedRoutes,
        java.util.Arrays.stream(routes).map(Prefix::parse).toList());
  }
}
