package io.weft.control.protocol;

import io.weft.wg.conn.RelayMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's view of its network, built from a {@link Message.FullMap} and the deltas after it.
 * Applying a delta costs the size of the delta. Mutable and not thread-safe: the owner applies
 * messages and hands out {@link #copy()}s. After a reconnect the agent resubscribes with {@link
 * #epoch()} and {@link #version()}.
 */
public final class NetMap {
  private String epoch;
  private long version = -1;
  private String domain;
  private Node self;
  private final Map<Long, Node> peers = new LinkedHashMap<>();
  private List<FilterRule> packetFilter;
  private RelayMap relayMap = RelayMap.EMPTY;

  /** Applies one map-stream message (a keepalive only advances the version). */
  public void apply(Message.MapMessage m) {
    switch (m) {
      case Message.FullMap f -> {
        peers.clear();
        for (Node n : f.peers()) {
          peers.put(n.id(), n);
        }
        epoch = f.epoch();
        version = f.version();
        domain = f.domain();
        self = f.self();
        packetFilter = f.packetFilter();
        relayMap = f.relayMap() == null ? RelayMap.EMPTY : f.relayMap();
      }
      case Message.MapDelta d -> {
        for (Long id : d.peersRemoved()) {
          peers.remove(id);
        }
        for (Node n : d.peersAdded()) {
          peers.put(n.id(), n);
        }
        for (PeerPatch patch : d.peersChanged()) {
          peers.computeIfPresent(patch.id(), (id, old) -> old.patched(patch));
        }
        if (d.self() != null) {
          self = d.self();
        }
        if (d.packetFilter() != null) {
          packetFilter = d.packetFilter();
        }
        if (d.relayMap() != null) {
          relayMap = d.relayMap();
        }
        version = Math.max(version, d.version());
      }
      case Message.KeepAlive k -> version = Math.max(version, k.version());
    }
  }

  /** An independent copy. */
  public NetMap copy() {
    NetMap c = new NetMap();
    c.epoch = epoch;
    c.version = version;
    c.domain = domain;
    c.self = self;
    c.packetFilter = packetFilter;
    c.relayMap = relayMap;
    c.peers.putAll(peers);
    return c;
  }

  /** The server's change-log epoch this map came from, or null before the first full map. */
  public String epoch() {
    return epoch;
  }

  /** The change-log position this map reflects (-1 before the first full map). */
  public long version() {
    return version;
  }

  /** The node's domain. */
  public String domain() {
    return domain;
  }

  /** This node as the server sees it, or null before the first full map. */
  public Node self() {
    return self;
  }

  /**
   * The rules of this node's inbound packet filter (immutable), or null when the server sent none
   * (it predates filters): the node then admits no new inbound connection.
   */
  public List<FilterRule> packetFilter() {
    return packetFilter;
  }

  /** The relays the server offers ({@link RelayMap#EMPTY} when it offers none). */
  public RelayMap relayMap() {
    return relayMap;
  }

  /** The peers by node id (a read-only view). */
  public Map<Long, Node> peers() {
    return Collections.unmodifiableMap(peers);
  }
}
