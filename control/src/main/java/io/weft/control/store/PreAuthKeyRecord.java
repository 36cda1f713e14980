package io.weft.control.store;

import java.util.List;

/**
 * A pre-auth key as stored: only a hash of its secret and a short prefix to recognise it by.
 *
 * @param userId the owning user, or null for a key of the domain (tagged devices)
 */
public record PreAuthKeyRecord(
    long id,
    long domainId,
    Long userId,
    String prefix,
    boolean reusable,
    boolean ephemeral,
    boolean preApproved,
    List<String> tags,
    long expiresAt,
    int usedCount,
    boolean revoked,
    long createdAt) {

  public PreAuthKeyRecord {
    tags = List.copyOf(tags);
  }

  /** Whether a node may register with this key at {@code nowMillis}, and why not if not. */
  public String unusableReason(long nowMillis) {
    if (revoked) {
      return "pre-auth key revoked";
    }
    if (nowMillis >= expiresAt) {
      return "pre-auth key expired";
    }
    if (!reusable && usedCount > 0) {
      return "one-off pre-auth key already used";
    }
    return null;
  }
}
