package io.weft.control.store;

import java.util.List;

/**
 * A node as stored. Keys are the node's public keys in base64; the private halves never leave the
 * node.
 *
 * @param userId the owning user, or null for a node registered with a domain's pre-auth key
 * @param ipIndex offset of both addresses in their ranges (see {@link Addresses})
 */
public record NodeRecord(
    long id,
    long domainId,
    Long userId,
    String machineKey,
    String nodeKey,
    String discoKey,
    String hostname,
    String givenName,
    String os,
    List<String> endpoints,
    long ipIndex,
    String ipv4,
    String ipv6,
    long createdAt,
    long keyExpiry,
    long lastSeen,
    boolean approved,
    boolean ephemeral,
    List<String> tags,
    boolean online,
    Long authKeyId) {

  public NodeRecord {
    endpoints = List.copyOf(endpoints);
    tags = List.copyOf(tags);
  }

  /** Whether the node key has expired at {@code nowMillis}. */
  public boolean expired(long nowMillis) {
    return nowMillis >= keyExpiry;
  }
}
