package io.weft.wg.conn.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.weft.wg.conn.Endpoint;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;

/**
 * The native memory one {@code recvmmsg(2)} call uses, allocated once per bind: {@code capacity}
 * message headers, each with one iovec and one source address, plus a staging area that heap
 * buffers are received into and copied out of (the kernel can only write to native memory that
 * outlives the call's argument list). Direct buffers are received into in place.
 *
 * <p>Sources are turned into {@link SockaddrEndpoint}s through a small direct-mapped cache keyed by
 * the raw address, so a steady stream from known peers allocates nothing.
 */
final class ReceiveBatch {
  private static final int ENDPOINT_CACHE_SIZE = 64;

  final int capacity;
  final MemorySegment callState;
  final MemorySegment messages;
  final MemorySegment pollFds;
  private final MemorySegment iovecs;
  private final MemorySegment names;
  private final DirectAddresses directs;
  private final SockaddrEndpoint[] endpoints = new SockaddrEndpoint[ENDPOINT_CACHE_SIZE];
  private SockaddrEndpoint lastEndpoint;
  private MemorySegment staging = MemorySegment.NULL;
  private long slotSize;

  ReceiveBatch(int capacity) {
    final Arena arena = Arena.ofAuto();
    this.capacity = capacity;
    callState = Syscalls.callState(arena);
    messages = arena.allocate((long) capacity * Msghdr.MMSGHDR_SIZE, 8);
    iovecs = arena.allocate((long) capacity * Msghdr.IOVEC_SIZE, 8);
    names = arena.allocate((long) capacity * Sockaddr.STRIDE, 8);
    pollFds = arena.allocate(2L * Syscalls.POLLFD_SIZE, 8);
    directs = new DirectAddresses(capacity);
    for (int i = 0; i < capacity; i++) {
      final long m = (long) i * Msghdr.MMSGHDR_SIZE;
      messages.set(JAVA_LONG, m + Msghdr.NAME, names.address() + (long) i * Sockaddr.STRIDE);
      messages.set(JAVA_LONG, m + Msghdr.IOV, iovecs.address() + (long) i * Msghdr.IOVEC_SIZE);
      messages.set(JAVA_LONG, m + Msghdr.IOVLEN, 1L);
    }
  }

  /** Points message {@code i} at the whole capacity of {@code bufs[i]}, for {@code n} buffers. */
  void prepare(ByteBuffer[] bufs, int n) {
    long slot = 0;
    for (int i = 0; i < n; i++) {
      final ByteBuffer b = bufs[i];
      if (b.isReadOnly()) {
        throw new ReadOnlyBufferException();
      }
      if (!b.isDirect()) {
        slot = Math.max(slot, b.capacity());
      }
    }
    if (slot > 0) {
      ensureStaging(slot);
    }
    final MemorySegment iov = iovecs;
    final MemorySegment msgs = messages;
    final long stagingBase = staging.address();
    final long stride = slotSize;
    for (int i = 0; i < n; i++) {
      final ByteBuffer b = bufs[i];
      final long base = b.isDirect() ? directs.base(i, b) : stagingBase + i * stride;
      iov.set(JAVA_LONG, (long) i * Msghdr.IOVEC_SIZE + Msghdr.IOV_BASE, base);
      iov.set(JAVA_LONG, (long) i * Msghdr.IOVEC_SIZE + Msghdr.IOV_LEN, b.capacity());
      msgs.set(JAVA_INT, (long) i * Msghdr.MMSGHDR_SIZE + Msghdr.NAMELEN, Sockaddr.SIZE);
    }
  }

  /** Copies heap buffers' datagrams out of staging and fills sizes and sources for {@code r}. */
  void complete(ByteBuffer[] bufs, int[] sizes, Endpoint[] sources, int r) {
    final MemorySegment msgs = messages;
    for (int i = 0; i < r; i++) {
      final int len = msgs.get(JAVA_INT, (long) i * Msghdr.MMSGHDR_SIZE + Msghdr.LEN);
      final ByteBuffer b = bufs[i];
      if (!b.isDirect()) {
        MemorySegment.copy(staging, JAVA_BYTE, i * slotSize, b.array(), b.arrayOffset(), len);
      }
      sizes[i] = len;
      sources[i] = endpointAt((long) i * Sockaddr.STRIDE);
    }
  }

  private SockaddrEndpoint endpointAt(long at) {
    final MemorySegment s = names;
    SockaddrEndpoint e = lastEndpoint;
    if (e != null && e.matches(s, at)) {
      return e;
    }
    final int slot = SockaddrEndpoint.hash(s, at) & (ENDPOINT_CACHE_SIZE - 1);
    e = endpoints[slot];
    if (e == null || !e.matches(s, at)) {
      e = SockaddrEndpoint.read(s, at);
      endpoints[slot] = e;
    }
    lastEndpoint = e;
    return e;
  }

  /**
   * Grows staging to {@code capacity} slots of at least {@code slot} bytes; allocates only then.
   */
  private void ensureStaging(long slot) {
    if (slot <= slotSize) {
      return;
    }
    final long rounded = (slot + 63) & ~63L;
    staging = Arena.ofAuto().allocate(rounded * capacity, 64);
    slotSize = rounded;
  }
}
