package io.weft.control.protocol;

import java.util.List;

/**
 * A node as the map shows it: public keys only, addresses, endpoints and state.
 *
 * @param addresses the node's IPv4 /32 and IPv6 /128
 * @param keyExpiry when the node key expires, epoch milliseconds
 * @param lastSeen when the node was last connected, epoch milliseconds
 */
public record Node(
    long id,
    String name,
    String hostname,
    String user,
    String nodeKey,
    String discoKey,
    String machineKey,
    List<String> addresses,
    List<String> endpoints,
    boolean online,
    long lastSeen,
    long keyExpiry,
    boolean expired,
    boolean approved,
    List<String> tags) {

  public Node {
    addresses = addresses == null ? List.of() : List.copyOf(addresses);
    endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    tags = tags == null ? List.of() : List.copyOf(tags);
  }

  /** This node with {@code p}'s non-null fields applied. */
  public Node patched(PeerPatch p) {
    return new Node(
        id,
        p.name() != null ? p.name() : name,
        hostname,
        user,
        p.nodeKey() != null ? p.nodeKey() : nodeKey,
        p.discoKey() != null ? p.discoKey() : discoKey,
        machineKey,
        addresses,
        p.endpoints() != null ? p.endpoints() : endpoints,
        p.online() != null ? p.online() : online,
        p.lastSeen() != null ? p.lastSeen() : lastSeen,
        p.keyExpiry() != null ? p.keyExpiry() : keyExpiry,
        p.expired() != null ? p.expired() : expired,
        approved,
        p.tags() != null ? p.tags() : tags);
  }
}
