package io.weft.wg.conn.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.weft.wg.conn.Endpoint;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The native memory one thread's {@code sendmmsg(2)} calls use: up to {@link #MAX_DATAGRAMS}
 * datagrams, one iovec each, grouped into messages that all go to one destination. Heap buffers are
 * copied into a staging area first (the kernel reads only native memory through an iovec); direct
 * buffers are sent in place.
 *
 * <p>With UDP GSO, a run of equal-sized datagrams (the last may be shorter) becomes one message
 * with a {@code UDP_SEGMENT} control message, which the kernel splits back into datagrams after
 * passing it down the stack once. Without it, each datagram is its own message.
 */
final class SendBatch {
  /** Datagrams per {@code sendmmsg} call; longer batches take several. */
  static final int MAX_DATAGRAMS = 64;

  /** The kernel's limit on segments in one GSO send ({@code UDP_MAX_SEGMENTS}). */
  static final int MAX_SEGMENTS = 64;

  /** The most UDP payload one GSO send may carry (an IPv4 datagram's limit, for both families). */
  static final int MAX_GSO_BYTES = 65_507;

  private static final ThreadLocal<SendBatch> PER_THREAD = ThreadLocal.withInitial(SendBatch::new);

  final MemorySegment callState;
  final MemorySegment name;
  final MemorySegment pollFds;
  private final MemorySegment messages;
  private final MemorySegment iovecs;
  private final MemorySegment controls;

  /** {@code messages} from message {@code i} on, made once so calls allocate nothing. */
  private final MemorySegment[] messagesFrom = new MemorySegment[MAX_DATAGRAMS];

  /** The first datagram of each planned message, and one past the last at [messages]. */
  private final int[] firstDatagram = new int[MAX_DATAGRAMS + 1];

  private final int[] lengths = new int[MAX_DATAGRAMS];
  private final DirectAddresses directs = new DirectAddresses(MAX_DATAGRAMS);
  private final boolean[] segmented = new boolean[MAX_DATAGRAMS];
  private MemorySegment staging = MemorySegment.NULL;
  private Endpoint lastForeign;
  private SockaddrEndpoint lastForeignConverted;

  private SendBatch() {
    final Arena arena = Arena.ofAuto();
    callState = Syscalls.callState(arena);
    name = arena.allocate(Sockaddr.STRIDE, 8);
    pollFds = arena.allocate(2L * Syscalls.POLLFD_SIZE, 8);
    messages = arena.allocate((long) MAX_DATAGRAMS * Msghdr.MMSGHDR_SIZE, 8);
    iovecs = arena.allocate((long) MAX_DATAGRAMS * Msghdr.IOVEC_SIZE, 8);
    controls = arena.allocate((long) MAX_DATAGRAMS * Msghdr.SEGMENT_CMSG_SPACE, 8);
    for (int i = 0; i < MAX_DATAGRAMS; i++) {
      final long m = (long) i * Msghdr.MMSGHDR_SIZE;
      messages.set(JAVA_LONG, m + Msghdr.NAME, name.address());
      messages.set(JAVA_INT, m + Msghdr.NAMELEN, Sockaddr.SIZE);
      messagesFrom[i] = messages.asSlice(m);
      final long c = (long) i * Msghdr.SEGMENT_CMSG_SPACE;
      controls.set(JAVA_LONG, c, Msghdr.SEGMENT_CMSG_LEN);
      controls.set(JAVA_INT, c + Msghdr.CMSG_LEVEL, Syscalls.SOL_UDP);
      controls.set(JAVA_INT, c + Msghdr.CMSG_TYPE, Syscalls.UDP_SEGMENT);
    }
  }

  /** This thread's batch. */
  static SendBatch current() {
    return PER_THREAD.get();
  }

  /** Writes {@code destination} as the address every message goes to. */
  void destination(Endpoint destination) throws IOException {
    final SockaddrEndpoint to;
    if (destination instanceof SockaddrEndpoint s) {
      to = s;
    } else {
      // Another bind's endpoint: convert once while the caller keeps sending to it.
      if (destination != lastForeign) {
        if (destination.destination() == null) {
          throw new IOException("endpoint " + destination + " has no socket address");
        }
        lastForeignConverted = SockaddrEndpoint.of(destination.destination());
        lastForeign = destination;
      }
      to = lastForeignConverted;
    }
    to.write(name, 0);
  }

  /**
   * Points iovec {@code i} at datagram {@code bufs[from + i]} (position to limit) for {@code n}
   * datagrams, copying heap buffers into staging.
   */
  void stage(ByteBuffer[] bufs, int from, int n) {
    long heapBytes = 0;
    for (int i = 0; i < n; i++) {
      final ByteBuffer b = bufs[from + i];
      if (!b.isDirect()) {
        heapBytes += b.remaining();
      }
    }
    if (heapBytes > staging.byteSize()) {
      staging = Arena.ofAuto().allocate(Math.max(heapBytes, 64L * 2048), 64);
    }
    final MemorySegment iov = iovecs;
    final MemorySegment stage = staging;
    long off = 0;
    for (int i = 0; i < n; i++) {
      final ByteBuffer b = bufs[from + i];
      final int len = b.remaining();
      final long base;
      if (b.isDirect()) {
        base = directs.base(i, b) + b.position();
      } else {
        if (b.hasArray()) {
          MemorySegment.copy(b.array(), b.arrayOffset() + b.position(), stage, JAVA_BYTE, off, len);
        } else {
          MemorySegment.copy(MemorySegment.ofBuffer(b), 0, stage, off, len); // read-only heap
        }
        base = stage.address() + off;
        off += len;
      }
      lengths[i] = len;
      iov.set(JAVA_LONG, (long) i * Msghdr.IOVEC_SIZE + Msghdr.IOV_BASE, base);
      iov.set(JAVA_LONG, (long) i * Msghdr.IOVEC_SIZE + Msghdr.IOV_LEN, len);
    }
  }

  /**
   * Groups staged datagrams {@code [from, n)} into messages, from message 0 on.
   *
   * @return the number of messages
   */
  int plan(int from, int n, boolean gso) {
    final MemorySegment msgs = messages;
    int m = 0;
    int i = from;
    while (i < n) {
      int end = i + 1;
      if (gso && lengths[i] > 0) {
        final int size = lengths[i];
        int total = size;
        while (end < n && end - i < MAX_SEGMENTS) {
          final int len = lengths[end];
          if (len > size || total + len > MAX_GSO_BYTES) {
            break;
          }
          total += len;
          end++;
          if (len < size) {
            break; // only the last segment may be short
          }
        }
      }
      final long at = (long) m * Msghdr.MMSGHDR_SIZE;
      msgs.set(JAVA_LONG, at + Msghdr.IOV, iovecs.address() + (long) i * Msghdr.IOVEC_SIZE);
      msgs.set(JAVA_LONG, at + Msghdr.IOVLEN, end - i);
      final boolean seg = end - i > 1;
      if (seg) {
        final long c = (long) m * Msghdr.SEGMENT_CMSG_SPACE;
        controls.set(JAVA_SHORT, c + Msghdr.CMSG_DATA, (short) lengths[i]);
        msgs.set(JAVA_LONG, at + Msghdr.CONTROL, controls.address() + c);
        msgs.set(JAVA_LONG, at + Msghdr.CONTROLLEN, Msghdr.SEGMENT_CMSG_SPACE);
      } else {
        msgs.set(JAVA_LONG, at + Msghdr.CONTROL, 0L);
        msgs.set(JAVA_LONG, at + Msghdr.CONTROLLEN, 0L);
      }
      msgs.set(JAVA_INT, at + Msghdr.FLAGS, 0);
      segmented[m] = seg;
      firstDatagram[m] = i;
      m++;
      i = end;
    }
    firstDatagram[m] = n;
    return m;
  }

  /** The planned messages from message {@code m} on. */
  MemorySegment messagesFrom(int m) {
    return messagesFrom[m];
  }

  /** The first datagram of planned message {@code m} ({@code m} may be the message count). */
  int firstDatagram(int m) {
    return firstDatagram[m];
  }

  /** Whether planned message {@code m} carries several datagrams as GSO segments. */
  boolean segmented(int m) {
    return segmented[m];
  }
}
