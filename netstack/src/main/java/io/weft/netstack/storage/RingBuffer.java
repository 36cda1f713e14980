package io.weft.netstack.storage;

import java.nio.ByteBuffer;

/**
 * A bounded byte ring. Bytes are enqueued at the tail and dequeued at the head; the region after
 * the tail can be written before it is committed (out-of-order TCP data) and the region from the
 * head can be read without being consumed (TCP retransmission).
 *
 * <p>The backing array starts small and doubles, up to the capacity, when a write needs the room,
 * so an idle connection with a 4 MiB buffer holds only {@value #INITIAL_SIZE} bytes; once a
 * connection's working size is reached, nothing more is allocated. Not thread-safe; the owning
 * socket's lock guards it.
 */
public final class RingBuffer {
  /** Size of the backing array before the first growth. */
  public static final int INITIAL_SIZE = 64 * 1024;

  private final int capacity;
  private byte[] storage;
  private int head;
  private int length;

  public RingBuffer(int capacity) {
    this(capacity, INITIAL_SIZE);
  }

  /** A ring of at most {@code capacity} bytes whose array starts at {@code initialSize} bytes. */
  public RingBuffer(int capacity, int initialSize) {
    if (capacity <= 0 || initialSize <= 0) {
      throw new IllegalArgumentException(
          "sizes must be positive: " + capacity + ", " + initialSize);
    }
    this.capacity = capacity;
    this.storage = new byte[Math.min(capacity, initialSize)];
  }

  public int capacity() {
    return capacity;
  }

  /** Bytes of backing array currently allocated. */
  public int allocated() {
    return storage.length;
  }

  /**
   * Grows the array so {@code needed} bytes from the head fit, keeping every byte's offset from the
   * head.
   */
  private void ensure(int needed) {
    final int old = storage.length;
    if (needed <= old) {
      return;
    }
    int size = old;
    while (size < needed) {
      size = (int) Math.min(capacity, 2L * size);
    }
    final byte[] grown = new byte[size];
    // The whole old array moves, not just the committed bytes: written-ahead data lives past the
    // tail.
    System.arraycopy(storage, head, grown, 0, old - head);
    System.arraycopy(storage, 0, grown, old - head, head);
    storage = grown;
    head = 0;
  }

  /** Bytes enqueued and not yet dequeued. */
  public int length() {
    return length;
  }

  /** Room left at the tail. */
  public int free() {
    return capacity - length;
  }

  public boolean isEmpty() {
    return length == 0;
  }

  public boolean isFull() {
    return length == capacity;
  }

  public void clear() {
    head = 0;
    length = 0;
  }

  /**
   * Enqueues up to {@code count} bytes from {@code src} at absolute index {@code offset}; returns
   * bytes taken.
   */
  public int enqueue(ByteBuffer src, int offset, int count) {
    final int n = writeUnallocated(0, src, offset, count);
    length += n;
    return n;
  }

  /** Enqueues from a byte array. */
  public int enqueue(byte[] src, int offset, int count) {
    return enqueue(ByteBuffer.wrap(src), offset, count);
  }

  /**
   * Copies up to {@code count} bytes to the free region starting {@code gap} bytes after the tail,
   * without making them readable; returns how many fit.
   */
  public int writeUnallocated(int gap, ByteBuffer src, int offset, int count) {
    final int room = free() - gap;
    if (room <= 0 || count <= 0) {
      return 0;
    }
    final int n = Math.min(room, count);
    ensure(length + gap + n);
    final int cap = storage.length;
    int start = head + length + gap;
    if (start >= cap) {
      start -= cap;
    }
    final int first = Math.min(n, cap - start);
    src.get(offset, storage, start, first);
    if (first < n) {
      src.get(offset + first, storage, 0, n - first);
    }
    return n;
  }

  /** Makes {@code count} bytes written by {@link #writeUnallocated} readable. */
  public void commit(int count) {
    if (count < 0 || count > free()) {
      throw new IllegalArgumentException("commit " + count + " with free " + free());
    }
    length += count;
  }

  /**
   * Copies up to {@code count} bytes starting {@code skip} bytes after the head, without consuming.
   */
  public int peek(int skip, ByteBuffer dst, int offset, int count) {
    final int available = length - skip;
    if (available <= 0 || count <= 0) {
      return 0;
    }
    final int n = Math.min(available, count);
    final int cap = storage.length;
    int start = head + skip;
    if (start >= cap) {
      start -= cap;
    }
    final int first = Math.min(n, cap - start);
    dst.put(offset, storage, start, first);
    if (first < n) {
      dst.put(offset + first, storage, 0, n - first);
    }
    return n;
  }

  /**
   * Moves up to {@code count} bytes to {@code dst} at absolute index {@code offset}; returns bytes
   * moved.
   */
  public int dequeue(ByteBuffer dst, int offset, int count) {
    final int n = peek(0, dst, offset, count);
    discard(n);
    return n;
  }

  /** Drops {@code count} bytes from the head (at most {@link #length()}). */
  public void discard(int count) {
    final int n = Math.min(count, length);
    head += n;
    if (head >= storage.length) {
      head -= storage.length;
    }
    length -= n;
    // The head is not reset when empty: bytes written past the tail must stay where they are.
  }
}
