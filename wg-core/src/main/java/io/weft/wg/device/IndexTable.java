package io.weft.wg.device;

import java.security.SecureRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Our receiver indices (paper §5.4.1: random 32-bit values that name a handshake or a session in
 * the peer's messages) mapped to what they name. Lookups run on the receive path for every packet:
 * they read an immutable snapshot through a volatile field, take no lock and allocate nothing.
 * Changes (a few per handshake) copy the snapshot under a lock.
 */
public final class IndexTable {
  /** What an index names: the peer, and the keypair once the handshake completed. */
  public static final class Entry {
    final Peer peer;
    volatile Keypair keypair;

    Entry(Peer peer) {
      this.peer = peer;
    }

    /** The peer this index belongs to. */
    public Peer peer() {
      return peer;
    }

    /** The session keys, or null while the handshake is in progress. */
    public Keypair keypair() {
      return keypair;
    }
  }

  private static final class Snapshot {
    final int[] keys;
    final Entry[] values;
    final int size;

    Snapshot(int capacity, int size) {
      keys = new int[capacity];
      values = new Entry[capacity];
      this.size = size;
    }
  }

  private final SecureRandom random;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile Snapshot snapshot = new Snapshot(16, 0);

  public IndexTable(SecureRandom random) {
    this.random = random;
  }

  private static int slot(int key, int mask) {
    int h = key * 0x9E3779B9;
    return (h ^ (h >>> 16)) & mask;
  }

  /** The entry for {@code index}, or null. Lock-free and allocation-free. */
  public Entry lookup(int index) {
    final Snapshot s = snapshot;
    final int mask = s.keys.length - 1;
    for (int i = slot(index, mask); ; i = (i + 1) & mask) {
      Entry e = s.values[i];
      if (e == null) {
        return null;
      }
      if (s.keys[i] == index) {
        return e;
      }
    }
  }

  /** Allocates a fresh random non-zero index for a handshake of {@code peer}. */
  public int newIndexForHandshake(Peer peer) {
    lock.lock();
    try {
      int index;
      do {
        index = random.nextInt();
      } while (index == 0 || lookup(index) != null);
      put(index, new Entry(peer));
      return index;
    } finally {
      lock.unlock();
    }
  }

  /** Attaches the completed session's keypair to its index. */
  public void setKeypair(int index, Keypair keypair) {
    Entry e = lookup(index);
    if (e != null) {
      e.keypair = keypair;
    }
  }

  /** Forgets {@code index} (0 is ignored). */
  public void remove(int index) {
    if (index == 0) {
      return;
    }
    lock.lock();
    try {
      Snapshot s = snapshot;
      if (lookup(index) == null) {
        return;
      }
      Snapshot n = new Snapshot(s.keys.length, s.size - 1);
      for (int i = 0; i < s.keys.length; i++) {
        if (s.values[i] != null && s.keys[i] != index) {
          insert(n, s.keys[i], s.values[i]);
        }
      }
      snapshot = n;
    } finally {
      lock.unlock();
    }
  }

  /** The number of indices in use. */
  public int size() {
    return snapshot.size;
  }

  private void put(int index, Entry e) {
    Snapshot s = snapshot;
    int capacity = s.keys.length;
    while ((s.size + 1) * 2 > capacity) {
      capacity *= 2;
    }
    Snapshot n = new Snapshot(capacity, s.size + 1);
    for (int i = 0; i < s.keys.length; i++) {
      if (s.values[i] != null) {
        insert(n, s.keys[i], s.values[i]);
      }
    }
    insert(n, index, e);
    snapshot = n;
  }

  private static void insert(Snapshot s, int key, Entry e) {
    int mask = s.keys.length - 1;
    int i = slot(key, mask);
    while (s.values[i] != null) {
      i = (i + 1) & mask;
    }
    s.keys[i] = key;
    s.values[i] = e;
  }
}
