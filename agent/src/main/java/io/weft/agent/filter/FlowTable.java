package io.weft.agent.filter;

/**
 * A bounded table of flows keyed by primitives: IP version, protocol, the two addresses (128 bits
 * each, IPv4 in the low 32) and the two ports (the ICMP echo identifier for ICMP). Set-associative:
 * a key hashes to one bucket of {@link #WAYS} slots; a new flow takes a free or expired slot of its
 * bucket, else evicts the bucket's least recently used flow (counted in {@link #evictions()}).
 * Entries expire at a deadline on the injected clock, refreshed on every hit. No allocation after
 * construction; every method is synchronized (one short critical section per packet).
 */
final class FlowTable {
  /** Slots per bucket. */
  static final int WAYS = 8;

  private final int bucketMask;
  private final long[] srcHi;
  private final long[] srcLo;
  private final long[] dstHi;
  private final long[] dstLo;

  /** version << 48 | proto << 32 | srcPort << 16 | dstPort; 0 = empty slot. */
  private final long[] meta;

  private final long[] deadline;
  private final long[] used;
  private long tick;
  private long size;
  private long evictions;
  private long expirations;

  /** A table of {@code buckets} (a power of two) × {@link #WAYS} flows. */
  FlowTable(int buckets) {
    if (buckets < 1 || Integer.bitCount(buckets) != 1) {
      throw new IllegalArgumentException("buckets must be a power of two: " + buckets);
    }
    this.bucketMask = buckets - 1;
    int slots = buckets * WAYS;
    srcHi = new long[slots];
    srcLo = new long[slots];
    dstHi = new long[slots];
    dstLo = new long[slots];
    meta = new long[slots];
    deadline = new long[slots];
    used = new long[slots];
  }

  static long meta(int version, int proto, int srcPort, int dstPort) {
    return (long) version << 48
        | (long) (proto & 0xff) << 32
        | (long) (srcPort & 0xffff) << 16
        | (dstPort & 0xffff);
  }

  private int bucket(long m, long sh, long sl, long dh, long dl) {
    long h = m * 0x9E3779B97F4A7C15L;
    h = (h ^ sh) * 0xC2B2AE3D27D4EB4FL;
    h = (h ^ sl) * 0x9E3779B97F4A7C15L;
    h = (h ^ dh) * 0xC2B2AE3D27D4EB4FL;
    h = (h ^ dl) * 0x9E3779B97F4A7C15L;
    h ^= h >>> 29;
    return ((int) h & bucketMask) * WAYS;
  }

  private int find(int base, long m, long sh, long sl, long dh, long dl) {
    for (int i = base; i < base + WAYS; i++) {
      if (meta[i] == m && srcLo[i] == sl && dstLo[i] == dl && srcHi[i] == sh && dstHi[i] == dh) {
        return i;
      }
    }
    return -1;
  }

  /** Whether the flow is present and unexpired at {@code now}; a hit extends it by {@code ttl}. */
  synchronized boolean touch(long m, long sh, long sl, long dh, long dl, long now, long ttl) {
    int base = bucket(m, sh, sl, dh, dl);
    int i = find(base, m, sh, sl, dh, dl);
    if (i < 0) {
      return false;
    }
    if (now - deadline[i] > 0) {
      meta[i] = 0;
      size--;
      expirations++;
      return false;
    }
    deadline[i] = now + ttl;
    used[i] = ++tick;
    return true;
  }

  /** Adds the flow (or refreshes it) until {@code now + ttl}. */
  synchronized void put(long m, long sh, long sl, long dh, long dl, long now, long ttl) {
    int base = bucket(m, sh, sl, dh, dl);
    int i = find(base, m, sh, sl, dh, dl);
    if (i < 0) {
      int victim = -1;
      for (int j = base; j < base + WAYS; j++) {
        if (meta[j] == 0) {
          victim = j;
          break;
        }
        if (now - deadline[j] > 0) {
          meta[j] = 0;
          size--;
          expirations++;
          victim = j;
          break;
        }
        if (victim < 0 || used[j] < used[victim]) {
          victim = j;
        }
      }
      if (meta[victim] != 0) {
        evictions++;
        size--;
      }
      i = victim;
      meta[i] = m;
      srcHi[i] = sh;
      srcLo[i] = sl;
      dstHi[i] = dh;
      dstLo[i] = dl;
      size++;
    }
    deadline[i] = now + ttl;
    used[i] = ++tick;
  }

  /** Flows held (some may have expired without being noticed yet). */
  synchronized long size() {
    return size;
  }

  /** Live flows evicted to make room for new ones. */
  synchronized long evictions() {
    return evictions;
  }

  /** Flows found expired and removed. */
  synchronized long expirations() {
    return expirations;
  }

  /** The number of slots. */
  int capacity() {
    return meta.length;
  }
}
