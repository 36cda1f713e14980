package io.weft.magicsock;

import io.weft.derp.NodeKey;
import io.weft.wg.conn.Endpoint;
import io.weft.wg.conn.PeerPaths;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * One peer as {@link MagicBind} knows it, and the {@link Endpoint} the device sends to for it: its
 * identity is the peer's node key, so WireGuard never sees a path change. The path state (best
 * direct address, until when it is trusted) is guarded by the endpoint's monitor.
 */
public final class PeerEndpoint implements Endpoint {
  final NodeKey nodeKey;
  private final byte[] identity;
  volatile PeerPaths paths;

  /** Precomputed NaCl box key with the peer's disco key, null without one. */
  volatile byte[] boxKey;

  /** Candidate addresses: the network map's, then ones learned from call-me-maybe and pings. */
  volatile List<InetSocketAddress> candidates = List.of();

  /** The relay region the peer's last relayed packet came through, 0 for none yet. */
  volatile int relayRegion;

  // guarded by this
  private InetSocketAddress bestAddr;
  private long bestLatencyNanos = Long.MAX_VALUE;
  private long trustedUntilNanos;
  private long lastPingNanos;
  private boolean pingedOnce;
  private long lastHeartbeatNanos;
  private long lastSendNanos;
  private boolean sentOnce;

  PeerEndpoint(NodeKey nodeKey) {
    this.nodeKey = nodeKey;
    this.identity = nodeKey.toBytes();
  }

  /** The best direct address while it is trusted at {@code now}, else null. */
  synchronized InetSocketAddress trustedAddr(long now) {
    return bestAddr != null && now - trustedUntilNanos < 0 ? bestAddr : null;
  }

  /** The best direct address ever confirmed (trusted or not), or null. */
  synchronized InetSocketAddress bestAddr() {
    return bestAddr;
  }

  /**
   * A pong from {@code addr} after {@code latency}: trusts the path until {@code until}. A
   * different address replaces the best one only when the best is no longer trusted or the new one
   * is faster.
   */
  synchronized void notePong(InetSocketAddress addr, long latency, long now, long until) {
    boolean bestTrusted = bestAddr != null && now - trustedUntilNanos < 0;
    if (addr.equals(bestAddr)) {
      bestLatencyNanos = latency;
      trustedUntilNanos = until;
    } else if (!bestTrusted || latency < bestLatencyNanos) {
      bestAddr = addr;
      bestLatencyNanos = latency;
      trustedUntilNanos = until;
    }
  }

  /** Whether a ping round is due at {@code now} (none yet, or {@code interval} since the last). */
  synchronized boolean pingDue(long now, long interval) {
    if (pingedOnce && now - lastPingNanos < interval) {
      return false;
    }
    pingedOnce = true;
    lastPingNanos = now;
    return true;
  }

  /** Notes that the device sent to this peer at {@code now}. */
  synchronized void noteSend(long now) {
    sentOnce = true;
    lastSendNanos = now;
  }

  /**
   * The trusted address to heartbeat at {@code now}, or null: only while the path is trusted, the
   * peer was sent to within {@code activeWindow}, and {@code interval} passed since the last
   * heartbeat.
   */
  synchronized InetSocketAddress heartbeatDue(long now, long interval, long activeWindow) {
    InetSocketAddress a = trustedAddr(now);
    if (a == null
        || !sentOnce
        || now - lastSendNanos > activeWindow
        || now - lastHeartbeatNanos < interval) {
      return null;
    }
    lastHeartbeatNanos = now;
    return a;
  }

  /** Forgets the ping rate limit (new candidates arrived). */
  synchronized void resetPingLimit() {
    pingedOnce = false;
  }

  /** The peer's node key. */
  public NodeKey nodeKey() {
    return nodeKey;
  }

  /** The trusted direct address, or null when traffic goes over the relay. */
  @Override
  public InetSocketAddress destination() {
    return null;
  }

  @Override
  public byte[] identity() {
    return identity;
  }

  /** Rate limited by identity (the node key), whichever path the packet took. */
  @Override
  public byte[] sourceAddress() {
    return null;
  }

  @Override
  public String toString() {
    InetSocketAddress a = bestAddr();
    return "peer:" + nodeKey.shortString() + (a == null ? "" : "@" + a);
  }
}
