package io.weft.control.server;

import io.weft.control.protocol.FilterRule;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.Node;
import io.weft.control.protocol.PeerPatch;
import io.weft.wg.conn.RelayMap;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Each domain's current nodes, its recent changes and its live map streams, in memory.
 *
 * <p>Every change to a node is made while holding its domain's lock ({@link #inDomain}): the
 * caller's database transaction commits, then {@link Domain#publish} updates the in-memory view,
 * appends to the change log and hands each stream of the domain a delta whose size is that of the
 * change. Full maps are built from the in-memory view under the same lock, so a stream never misses
 * or reorders a change. Visibility: a node sees peers only while it is approved and its key
 * unexpired ("active"); it sees every approved node of its own domain but itself.
 */
final class MapBroker {
  /** Changes kept per domain for resuming streams. */
  static final int LOG_SIZE = 4096;

  private final String epoch;
  private final Map<Long, Domain> domains = new ConcurrentHashMap<>();
  private final Function<Long, Domain.Snapshot> loader;

  /**
   * Each node's packet filter for its full maps. Until a policy compiler is plugged in: Tailscale's
   * allow-all (what a tailnet without a policy file gets), so default-deny nodes still talk.
   */
  private volatile Function<Node, List<FilterRule>> packetFilters = self -> FilterRule.ALLOW_ALL;

  private volatile RelayMap relayMap;

  /**
   * @param loader reads a domain's name and current nodes from the database
   */
  MapBroker(Function<Long, Domain.Snapshot> loader, SecureRandom random) {
    this.loader = loader;
    byte[] e = new byte[8];
    random.nextBytes(e);
    this.epoch = HexFormat.of().formatHex(e);
  }

  /** Replaces the per-node packet filters of the full maps sent from now on. */
  void setPacketFilters(Function<Node, List<FilterRule>> filters) {
    this.packetFilters = java.util.Objects.requireNonNull(filters, "filters");
  }

  /** Replaces the relay map of the full maps sent from now on (null: none offered). */
  void setRelayMap(RelayMap map) {
    this.relayMap = map;
  }

  /** This server run's change-log name; a stream from another epoch cannot resume. */
  String epoch() {
    return epoch;
  }

  /** Runs {@code work} holding domain {@code domainId}'s lock. */
  <T> T inDomain(long domainId, Function<Domain, T> work) {
    Domain d = domains.computeIfAbsent(domainId, id -> new Domain(id));
    d.lock.lock();
    try {
      d.ensureLoaded();
      return work.apply(d);
    } finally {
      d.lock.unlock();
    }
  }

  /** Marks keys that have expired by {@code nowMillis}, publishing each as a change. */
  int sweepExpired(long nowMillis) {
    int n = 0;
    for (Domain d : domains.values()) {
      n +=
          inDomain(
              d.id,
              dom -> {
                int c = 0;
                for (Node node : List.copyOf(dom.nodes.values())) {
                  if (!node.expired() && nowMillis >= node.keyExpiry()) {
                    dom.publish(node.id(), withExpired(node));
                    c++;
                  }
                }
                return c;
              });
    }
    return n;
  }

  private static Node withExpired(Node n) {
    return new Node(
        n.id(),
        n.name(),
        n.hostname(),
        n.user(),
        n.nodeKey(),
        n.discoKey(),
        n.machineKey(),
        n.addresses(),
        n.endpoints(),
        n.online(),
        n.lastSeen(),
        n.keyExpiry(),
        true,
        n.approved(),
        n.tags());
  }

  static boolean active(Node n) {
    return n != null && n.approved() && !n.expired();
  }

  static boolean visible(Node n) {
    return n != null && n.approved();
  }

  private record Change(long version, long nodeId, Node before, Node after) {}

  /** One domain's state; every method runs under {@link #lock}. */
  final class Domain {
    /** A domain as loaded from the database. */
    record Snapshot(String name, List<Node> nodes) {}

    final long id;
    final ReentrantLock lock = new ReentrantLock();
    private String name;
    private boolean loaded;
    final Map<Long, Node> nodes = new LinkedHashMap<>();
    private final Map<Long, MapStream> streams = new LinkedHashMap<>();
    private final ArrayDeque<Change> log = new ArrayDeque<>();
    private long version;

    Domain(long id) {
      this.id = id;
    }

    void ensureLoaded() {
      if (!loaded) {
        Snapshot s = loader.apply(id);
        name = s.name();
        for (Node n : s.nodes()) {
          nodes.put(n.id(), n);
        }
        loaded = true;
      }
    }

    String name() {
      return name;
    }

    Node node(long nodeId) {
      return nodes.get(nodeId);
    }

    /**
     * Records that node {@code nodeId} is now {@code after} (null: removed) and tells the streams.
     */
    void publish(long nodeId, Node after) {
      Node before = after == null ? nodes.remove(nodeId) : nodes.put(nodeId, after);
      if (before == null && after == null) {
        return;
      }
      version++;
      log.addLast(new Change(version, nodeId, before, after));
      if (log.size() > LOG_SIZE) {
        log.removeFirst();
      }
      Message.MapDelta forPeers = peerDelta(nodeId, before, after);
      for (Map.Entry<Long, MapStream> e : List.copyOf(streams.entrySet())) {
        long recipient = e.getKey();
        MapStream s = e.getValue();
        if (recipient == nodeId) {
          if (after == null) {
            streams.remove(recipient);
            s.end("node removed");
          } else if (active(before) != active(after)) {
            offer(recipient, s, fullMap(recipient));
          } else {
            offer(recipient, s, new Message.MapDelta(0, version, after, null, null, null));
          }
        } else if (forPeers != null && active(nodes.get(recipient))) {
          offer(recipient, s, forPeers);
        }
      }
    }

    private Message.MapDelta peerDelta(long nodeId, Node before, Node after) {
      boolean vb = visible(before);
      boolean va = visible(after);
      if (vb && va) {
        PeerPatch p = PeerPatch.between(before, after);
        return p == null ? null : new Message.MapDelta(0, version, null, null, null, List.of(p));
      }
      if (va) {
        return new Message.MapDelta(0, version, null, List.of(after), null, null);
      }
      if (vb) {
        return new Message.MapDelta(0, version, null, null, List.of(nodeId), null);
      }
      return null;
    }

    private void offer(long recipient, MapStream s, Message.MapMessage m) {
      if (!s.offer(m)) {
        streams.remove(recipient, s);
      }
    }

    /** The full map for {@code nodeId} as of now. */
    Message.FullMap fullMap(long nodeId) {
      Node self = nodes.get(nodeId);
      List<Node> peers = new ArrayList<>();
      if (active(self)) {
        for (Node n : nodes.values()) {
          if (n.id() != nodeId && visible(n)) {
            peers.add(n);
          }
        }
      }
      return new Message.FullMap(
          0,
          epoch,
          version,
          name,
          self,
          peers,
          self == null ? null : packetFilters.apply(self),
          relayMap);
    }

    /**
     * Attaches {@code stream} as node {@code nodeId}'s stream (replacing any other) and sends what
     * it needs: the deltas since {@code sinceVersion} when the log still holds them and none of
     * them concerns the node itself, else a full map.
     */
    void attach(long nodeId, MapStream stream, String sinceEpoch, long sinceVersion) {
      MapStream old = streams.put(nodeId, stream);
      if (old != null && old != stream) {
        old.end("replaced by a newer map stream");
      }
      List<Message.MapMessage> resume = resumeFrom(nodeId, sinceEpoch, sinceVersion);
      if (resume == null) {
        offer(nodeId, stream, fullMap(nodeId));
      } else {
        for (Message.MapMessage m : resume) {
          offer(nodeId, stream, m);
        }
      }
    }

    private List<Message.MapMessage> resumeFrom(long nodeId, String sinceEpoch, long sinceVersion) {
      if (!epoch.equals(sinceEpoch) || sinceVersion < 0 || sinceVersion > version) {
        return null;
      }
      if (sinceVersion < version
          && (log.isEmpty() || log.peekFirst().version() > sinceVersion + 1)) {
        return null;
      }
      List<Message.MapMessage> out = new ArrayList<>();
      boolean activeNow = active(nodes.get(nodeId));
      for (Change c : log) {
        if (c.version() <= sinceVersion) {
          continue;
        }
        if (c.nodeId() == nodeId) {
          // A change to the node itself: a delta unless it changed what the node may see.
          if (c.after() == null || active(c.before()) != active(c.after())) {
            return null;
          }
          out.add(new Message.MapDelta(0, c.version(), c.after(), null, null, null));
          continue;
        }
        Message.MapDelta d = activeNow ? peerDeltaAt(c) : null;
        if (d != null) {
          out.add(d);
        }
      }
      out.add(new Message.KeepAlive(0, version));
      return out;
    }

    private Message.MapDelta peerDeltaAt(Change c) {
      Message.MapDelta d = peerDelta(c.nodeId(), c.before(), c.after());
      return d == null
          ? null
          : new Message.MapDelta(
              0, c.version(), null, d.peersAdded(), d.peersRemoved(), d.peersChanged());
    }

    /** Detaches {@code stream} if it is still node {@code nodeId}'s; returns whether it was. */
    boolean detach(long nodeId, MapStream stream) {
      return streams.remove(nodeId, stream);
    }

    /** Whether node {@code nodeId} has a stream attached. */
    boolean streaming(long nodeId) {
      return streams.containsKey(nodeId);
    }

    long version() {
      return version;
    }
  }

  /** For tests and the benchmark: the number of streams attached in {@code domainId}. */
  int streamCount(long domainId) {
    return inDomain(domainId, d -> d.streams.size());
  }
}
