package io.weft.control.protocol;

import java.util.List;
import java.util.Objects;

/**
 * The fields of one peer that changed; null means unchanged. Its size is that of the change, not of
 * the map.
 */
public record PeerPatch(
    long id,
    String nodeKey,
    String discoKey,
    List<String> endpoints,
    Boolean online,
    Long lastSeen,
    Long keyExpiry,
    Boolean expired,
    String name,
    List<String> tags) {

  /**
   * The patch that turns {@code before} into {@code after}, or null when nothing a peer sees
   * changed.
   */
  public static PeerPatch between(Node before, Node after) {
    String nodeKey = Objects.equals(before.nodeKey(), after.nodeKey()) ? null : after.nodeKey();
    String discoKey = Objects.equals(before.discoKey(), after.discoKey()) ? null : after.discoKey();
    List<String> endpoints =
        before.endpoints().equals(after.endpoints()) ? null : after.endpoints();
    Boolean online = before.online() == after.online() ? null : after.online();
    Long lastSeen = online == null ? null : after.lastSeen();
    Long keyExpiry = before.keyExpiry() == after.keyExpiry() ? null : after.keyExpiry();
    Boolean expired = before.expired() == after.expired() ? null : after.expired();
    String name = Objects.equals(before.name(), after.name()) ? null : after.name();
    List<String> tags = before.tags().equals(after.tags()) ? null : after.tags();
    if (nodeKey == null
        && discoKey == null
        && endpoints == null
        && online == null
        && keyExpiry == null
        && expired == null
        && name == null
        && tags == null) {
      return null;
    }
    return new PeerPatch(
        after.id(), nodeKey, discoKey, endpoints, online, lastSeen, keyExpiry, expired, name, tags);
  }
}
