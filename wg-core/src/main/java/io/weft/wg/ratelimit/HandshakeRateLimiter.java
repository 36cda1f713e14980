package io.weft.wg.ratelimit;

import io.weft.wg.crypto.Blake2s;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.SecureRandom;

/**
 * Limits handshake messages per source: IPv4 addresses by /32, IPv6 by /64 (IPv4-mapped IPv6
 * addresses as their IPv4 address), and sources without an address (relayed paths) by their
 * endpoint identity ({@link #allowIdentity}).
 *
 * <p>Each source has a bucket of {@link #MAX_TOKENS} nanoseconds' worth of tokens that refills at
 * one token per nanosecond; a packet costs {@link #PACKET_COST}. A new source starts with a full
 * bucket. Sources idle for {@link #GC_AFTER_NANOS} are dropped by {@link #sweep}, which the device
 * calls about once a second; {@link #allow} also sweeps when the table is full and the last sweep
 * is that old. While the table is full, new sources are refused.
 *
 * <p>Thread-safe. The table is an open-addressing hash table in primitive arrays under one lock:
 * {@link #allow} holds it for a probe of a few slots, far less than the Curve25519 work that
 * follows an allowed handshake, and allocates nothing. Slots are chosen by a keyed mix of the
 * address with a random per-instance key, so sources cannot pick addresses that collide.
 */
public final class HandshakeRateLimiter {

  /** Sustained rate per source. */
  public static final int PACKETS_PER_SECOND = 20;

  /** Packets a source may send at once after being quiet. */
  public static final int PACKETS_BURSTABLE = 5;

  /** Tokens (nanoseconds of refill) one packet costs: 50 ms. */
  public static final long PACKET_COST = 1_000_000_000L / PACKETS_PER_SECOND;

  /** Capacity of a bucket: the burst. */
  public static final long MAX_TOKENS = PACKET_COST * PACKETS_BURSTABLE;

  /** A source idle for longer than this is forgotten: one second. */
  public static final long GC_AFTER_NANOS = 1_000_000_000L;

  /**
   * Sources tracked at once by {@link #HandshakeRateLimiter()}. The device consults the limiter
   * only under load and after the cookie check, so each source has shown it owns its address; 8,192
   * of them within a second is far beyond a normal peer set, and the table (preallocated, unlike
   * Linux's) stays near 400 KiB.
   */
  public static final int DEFAULT_MAX_SOURCES = 8_192;

  private static final byte EMPTY = 0;
  private static final byte IPV4 = 4;
  private static final byte IPV6 = 6;
  private static final byte IDENTITY = 1;

  private static final VarHandle INT_BE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private final int maxSources;
  private final int mask;
  private final long hashKey;
  private final byte[] identityKey = new byte[32];
  private final byte[] families;
  private final long[] keys;
  private final long[] tokens;
  private final long[] lastNanos;

  private int size;
  private long lastSweepNanos;
  private boolean swept;

  /** A limiter for up to {@link #DEFAULT_MAX_SOURCES} sources. */
  public HandshakeRateLimiter() {
    this(DEFAULT_MAX_SOURCES);
  }

  /**
   * A limiter that tracks at most {@code maxSources} sources at once.
   *
   * @throws IllegalArgumentException if {@code maxSources} is not in [1, 2^29]
   */
  public HandshakeRateLimiter(final int maxSources) {
    if (maxSources < 1 || maxSources > 1 << 29) {
      throw new IllegalArgumentException("maxSources must be in [1, 2^29]: " + maxSources);
    }
    int capacity = 2;
    while (capacity < 2 * maxSources) {
      capacity <<= 1; // at most half full, so probe sequences stay short
    }
    this.maxSources = maxSources;
    this.mask = capacity - 1;
    final SecureRandom random = new SecureRandom();
    this.hashKey = random.nextLong();
    random.nextBytes(identityKey);
    this.families = new byte[capacity];
    this.keys = new long[capacity];
    this.tokens = new long[capacity];
    this.lastNanos = new long[capacity];
  }

  /**
   * Takes one packet's tokens from the bucket of the source address at {@code ip[off, off+len)}.
   *
   * @param len 4 for IPv4, 16 for IPv6
   * @param nowNanos monotonic time ({@link io.weft.wg.time.NanoClock#nanoTime()})
   * @return whether the handshake message may be processed
   * @throws IllegalArgumentException if {@code len} is neither 4 nor 16
   */
  public boolean allow(final byte[] ip, final int off, final int len, final long nowNanos) {
    final byte family;
    final long key;
    if (len == 4) {
      family = IPV4;
      key = Integer.toUnsignedLong((int) INT_BE.get(ip, off));
    } else if (len == 16) {
      final long high = (long) LONG_BE.get(ip, off);
      final long low = (long) LONG_BE.get(ip, off + 8);
      if (high == 0 && (low >>> 32) == 0xffffL) {
        family = IPV4;
        key = low & 0xffff_ffffL;
      } else {
        family = IPV6;
        key = high;
      }
    } else {
      throw new IllegalArgumentException("an IP address is 4 or 16 bytes, not " + len);
    }
    synchronized (this) {
      final int slot = find(family, key);
      if (families[slot] != EMPTY) {
        return take(slot, nowNanos);
      }
      return addSource(slot, family, key, nowNanos);
    }
  }

  /**
   * Takes one packet's tokens from the bucket of a source that has no IP address (a relayed path),
   * named by its endpoint identity: a keyed 64-bit BLAKE2s digest of the bytes is the key, so
   * senders cannot choose identities that share a bucket.
   */
  public boolean allowIdentity(final byte[] identity, final long nowNanos) {
    final byte[] digest = new byte[8];
    new Blake2s().initKeyed(8, identityKey, 0, 32).update(identity).doFinal(digest, 0);
    final long key = (long) LONG_BE.get(digest, 0);
    synchronized (this) {
      final int slot = find(IDENTITY, key);
      if (families[slot] != EMPTY) {
        return take(slot, nowNanos);
      }
      return addSource(slot, IDENTITY, key, nowNanos);
    }
  }

  /** Forgets every source idle for more than {@link #GC_AFTER_NANOS} at {@code nowNanos}. */
  public synchronized void sweep(final long nowNanos) {
    lastSweepNanos = nowNanos;
    swept = true;
    if (size == 0) {
      return;
    }
    final byte[] families = this.families;
    final long[] lastNanos = this.lastNanos;
    // Deleting shifts later entries of the same cluster back into the hole, so the slot just
    // emptied is examined again before moving on; a cluster wrapping past the end may bring an
    // already examined entry back, which is harmless. Each step advances or deletes: it ends.
    int i = 0;
    while (i <= mask) {
      if (families[i] != EMPTY && nowNanos - lastNanos[i] > GC_AFTER_NANOS) {
        delete(i);
      } else {
        i++;
      }
    }
  }

  /** Number of sources currently tracked. */
  public synchronized int size() {
    return size;
  }

  /** The most sources this limiter tracks at once. */
  public int maxSources() {
    return maxSources;
  }

  private boolean take(final int slot, final long nowNanos) {
    final long elapsed = nowNanos - lastNanos[slot];
    // Threads read the clock before taking the lock, so time may appear to run backwards by a
    // little; such a packet refills nothing and does not move the bucket's time back.
    if (elapsed > 0) {
      lastNanos[slot] = nowNanos;
      // Compare elapsed alone first: added to the tokens it could overflow.
      tokens[slot] =
          elapsed >= MAX_TOKENS ? MAX_TOKENS : Math.min(MAX_TOKENS, tokens[slot] + elapsed);
    }
    if (tokens[slot] >= PACKET_COST) {
      tokens[slot] -= PACKET_COST;
      return true;
    }
    return false;
  }

  private boolean addSource(final int free, final byte family, final long key, final long now) {
    int slot = free;
    if (size >= maxSources) {
      if (swept && now - lastSweepNanos < GC_AFTER_NANOS) {
        return false;
      }
      sweep(now);
      if (size >= maxSources) {
        return false;
      }
      slot = find(family, key);
    }
    families[slot] = family;
    keys[slot] = key;
    tokens[slot] = MAX_TOKENS - PACKET_COST;
    lastNanos[slot] = now;
    size++;
    return true;
  }

  // The slot holding (family, key), or the empty slot where it would go.
  private int find(final byte family, final long key) {
    int slot = slotOf(family, key);
    while (families[slot] != EMPTY && (families[slot] != family || keys[slot] != key)) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  private int slotOf(final byte family, final long key) {
    // The finalizer of SplitMix64 / MurMur3, over the key mixed with the secret.
    long h = (key ^ hashKey) + family * 0x9e37_79b9_7f4a_7c15L;
    h = (h ^ (h >>> 30)) * 0xbf58_476d_1ce4_e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d0_49bb_1331_11ebL;
    h ^= h >>> 31;
    return (int) h & mask;
  }

  // Backward-shift deletion for linear probing: no tombstones, so lookups stay short.
  private void delete(final int slot) {
    int hole = slot;
    int next = (hole + 1) & mask;
    while (families[next] != EMPTY) {
      final int home = slotOf(families[next], keys[next]);
      // The entry at next may move into the hole unless its home lies cyclically in (hole, next].
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        families[hole] = families[next];
        keys[hole] = keys[next];
        tokens[hole] = tokens[next];
        lastNanos[hole] = lastNanos[next];
        hole = next;
      }
      next = (next + 1) & mask;
    }
    families[hole] = EMPTY;
    size--;
  }

  @Override
  public synchronized String toString() {
    return "HandshakeRateLimiter[sources=" + size + "/" + maxSources + "]";
  }
}
