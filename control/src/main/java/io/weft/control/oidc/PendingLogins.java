package io.weft.control.oidc;

import io.weft.control.protocol.Message;
import io.weft.control.server.SourceAddress;
import java.net.InetAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The logins that machines started and users have not finished, in memory and bounded: at most
 * {@code maxTotal} in all and {@code maxPerSource} per source address (an IPv6 source counts by its
 * /64), one per machine key (a new one replaces it), each for {@code lifetimeMillis} of the
 * injected clock. Every operation is a hash lookup; expiry walks from the oldest entry (insertion
 * order is expiry order, the lifetime being fixed) and stops at the first live one.
 */
final class PendingLogins {
  /** One login in progress. Fields after {@link #created} change under the table's lock. */
  static final class Pending {
    final String id;
    final String machineKey;
    final Message.Register request;

    /** The counting key of the source ({@link SourceAddress#key}). */
    final String source;

    /** The source address as shown to the user. */
    final String address;

    final long created;

    /** SHA-256 of the cookie set on the confirmation page, or null before it was shown. */
    byte[] browser;

    String csrf;
    String state;
    String nonce;
    String verifier;

    Pending(
        String id,
        String machineKey,
        Message.Register request,
        String source,
        String address,
        long created) {
      this.id = id;
      this.machineKey = machineKey;
      this.request = request;
      this.source = source;
      this.address = address;
      this.created = created;
    }
  }

  private final int maxTotal;
  private final int maxPerSource;
  private final long lifetimeMillis;
  private final Clock clock;
  private final LinkedHashMap<String, Pending> byId = new LinkedHashMap<>();
  private final Map<String, Pending> byState = new HashMap<>();
  private final Map<String, Pending> byMachine = new HashMap<>();
  private final Map<String, Integer> perSource = new HashMap<>();

  PendingLogins(int maxTotal, int maxPerSource, long lifetimeMillis, Clock clock) {
    this.maxTotal = maxTotal;
    this.maxPerSource = maxPerSource;
    this.lifetimeMillis = lifetimeMillis;
    this.clock = clock;
  }

  /**
   * Adds a login for {@code machineKey} (replacing its previous one); null when a cap is reached.
   */
  synchronized Pending add(
      String id, String machineKey, Message.Register request, InetAddress source) {
    long now = clock.millis();
    expire(now);
    Pending old = byMachine.get(machineKey);
    if (old != null) {
      remove(old);
    }
    String src = SourceAddress.key(source);
    if (byId.size() >= maxTotal || perSource.getOrDefault(src, 0) >= maxPerSource) {
      return null;
    }
    Pending p =
        new Pending(
            id,
            machineKey,
            request,
            src,
            source == null ? "unknown" : source.getHostAddress(),
            now);
    byId.put(id, p);
    byMachine.put(machineKey, p);
    perSource.merge(src, 1, Integer::sum);
    return p;
  }

  /** The live login of {@code id}, or null. */
  synchronized Pending byId(String id) {
    expire(clock.millis());
    return byId.get(id);
  }

  /** Gives {@code p} a fresh {@code state} (forgetting its previous one). */
  synchronized void setState(Pending p, String state) {
    if (p.state != null) {
      byState.remove(p.state);
    }
    p.state = state;
    if (byId.get(p.id) == p) {
      byState.put(state, p);
    }
  }

  /** Forgets {@code p}'s state, so that no callback completes it until it is confirmed again. */
  synchronized void clearState(Pending p) {
    if (p.state != null) {
      byState.remove(p.state, p);
      p.state = null;
    }
  }

  /** The live login whose state is {@code state}, which can then not be used again; or null. */
  synchronized Pending takeByState(String state) {
    expire(clock.millis());
    Pending p = byState.remove(state);
    if (p != null) {
      p.state = null;
    }
    return p;
  }

  /** Forgets {@code p}. */
  synchronized void remove(Pending p) {
    if (byId.remove(p.id, p)) {
      byMachine.remove(p.machineKey, p);
      if (p.state != null) {
        byState.remove(p.state, p);
      }
      perSource.computeIfPresent(p.source, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  /** How many logins are pending. */
  synchronized int size() {
    expire(clock.millis());
    return byId.size();
  }

  private void expire(long now) {
    Iterator<Pending> it = byId.values().iterator();
    while (it.hasNext()) {
      Pending p = it.next();
      if (now - p.created <= lifetimeMillis) {
        return;
      }
      it.remove();
      byMachine.remove(p.machineKey, p);
      if (p.state != null) {
        byState.remove(p.state, p);
      }
      perSource.computeIfPresent(p.source, (k, n) -> n <= 1 ? null : n - 1);
    }
  }
}
