package io.weft.control.server;

import io.weft.control.protocol.Protocol;
import java.time.Duration;

/**
 * What one key holder or one node may consume.
 *
 * <p>A full map lists every node of a domain, and each node's JSON is bounded by {@link
 * #MAX_NODE_JSON_BYTES} (every field it holds is length-checked on the way in), so a domain of at
 * most {@link #maxNodesForFrame()} nodes always fits in one {@link Protocol#MAX_MESSAGE_BYTES}
 * frame; {@code maxNodesPerDomain} may not exceed it. The per-domain limit is also each tenant's
 * share of the shared address range.
 *
 * @param maxNodesPerDomain nodes a domain may hold
 * @param maxNodesPerKey nodes registered with one pre-auth key that may exist at once
 * @param updateBurst host-info updates (and key rotations) a node may make back to back; the same
 *     limit applies apart to its online/offline changes (streams attached and ended), whose latest
 *     state is published when the interval has passed
 * @param updateInterval then one more per interval; updates in between are coalesced (the latest is
 *     applied when the interval has passed); zero: no limit
 * @param wrongKeyBurst wrong pre-auth keys one source address may present back to back
 * @param wrongKeyInterval then one more attempt per interval
 */
public record Quotas(
    int maxNodesPerDomain,
    int maxNodesPerKey,
    int updateBurst,
    Duration updateInterval,
    int wrongKeyBurst,
    Duration wrongKeyInterval) {
  /**
   * The most bytes one node's JSON takes in a map: 32 endpoints of up to 47 characters, 16 tags, a
   * user name of 255 characters each escaped to at most 6 bytes, names of 63, three keys. {@code
   * QuotasTest} encodes a node with every field at its longest against it.
   */
  public static final int MAX_NODE_JSON_BYTES = 5_000;

  /**
   * Bytes of a full map besides its nodes: the domain name (255 characters, escaped) and fields.
   */
  static final int FULL_MAP_OVERHEAD_BYTES = 2_000;

  public static final int DEFAULT_MAX_NODES_PER_DOMAIN = 3_000;
  public static final int DEFAULT_MAX_NODES_PER_KEY = 500;

  public Quotas {
    if (maxNodesPerDomain < 1 || maxNodesPerDomain > maxNodesForFrame()) {
      throw new IllegalArgumentException(
          "nodes per domain must be 1.."
              + maxNodesForFrame()
              + " (a full map of more could exceed the "
              + Protocol.MAX_MESSAGE_BYTES
              + "-byte frame limit)");
    }
    if (maxNodesPerKey < 1 || updateBurst < 1 || wrongKeyBurst < 1) {
      throw new IllegalArgumentException("quotas must be positive");
    }
    if (updateInterval.isNegative() || wrongKeyInterval.isNegative()) {
      throw new IllegalArgumentException("intervals must not be negative");
    }
  }

  /** The largest domain whose full map (its nodes plus the node itself) fits in one frame. */
  public static int maxNodesForFrame() {
    return (Protocol.MAX_MESSAGE_BYTES - FULL_MAP_OVERHEAD_BYTES) / MAX_NODE_JSON_BYTES - 1;
  }

  /**
   * The defaults: 3,000 nodes a domain, 500 a key, 5 updates then one a second, 5 wrong keys then
   * one per 10 s.
   */
  public static Quotas defaults() {
    return new Quotas(
        DEFAULT_MAX_NODES_PER_DOMAIN,
        DEFAULT_MAX_NODES_PER_KEY,
        5,
        Duration.ofSeconds(1),
        5,
        Duration.ofSeconds(10));
  }

  public Quotas withMaxNodesPerDomain(int n) {
    return new Quotas(
        n, maxNodesPerKey, updateBurst, updateInterval, wrongKeyBurst, wrongKeyInterval);
  }

  public Quotas withMaxNodesPerKey(int n) {
    return new Quotas(
        maxNodesPerDomain, n, updateBurst, updateInterval, wrongKeyBurst, wrongKeyInterval);
  }

  public Quotas withUpdates(int burst, Duration interval) {
    return new Quotas(
        maxNodesPerDomain, maxNodesPerKey, burst, interval, wrongKeyBurst, wrongKeyInterval);
  }

  public Quotas withWrongKeys(int burst, Duration interval) {
    return new Quotas(
        maxNodesPerDomain, maxNodesPerKey, updateBurst, updateInterval, burst, interval);
  }
}
