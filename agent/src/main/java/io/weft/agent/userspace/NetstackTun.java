package io.weft.agent.userspace;

import io.weft.netstack.NetStack;
import io.weft.netstack.NetStackConfig;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.phy.PacketSink;
import io.weft.netstack.wire.IpAddress;
import io.weft.tun.io.BufferViews;
import io.weft.tun.offload.GsoSplitter;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The userspace-mode {@link Tun}: the WireGuard device's plaintext side is Weft's own TCP/IP stack
 * instead of a kernel interface, so no root is needed.
 *
 * <p>Stack to device: packets the stack sends are copied into a preallocated byte ring (one
 * producer at a time, the stack's lock holder; one consumer, the device's TUN reader) and dropped
 * and counted when it is full, like a full TUN queue. The stack hands over TCP super-segments of up
 * to {@link #MAX_SUPER_SEGMENT} bytes ({@link PacketSink#sendSegmented}, as to a TUN with TSO);
 * {@link #read} cuts them into MTU-sized segments straight into the device's buffers, filling as
 * many of them per call as there are packets. The reader is woken only when it is parked.
 *
 * <p>Device to stack: {@link #write} runs the stack on the device's receive thread ({@link
 * NetStack#receive}), without a queue, a copy or a thread hand-off.
 *
 * <p>Nothing is allocated per packet.
 */
public final class NetstackTun implements Tun {
  /** Packets the stack may queue for the device by default. */
  public static final int DEFAULT_QUEUE = 4096;

  /**
   * The largest TCP packet the stack may hand over for segmentation (IPv4's total-length limit).
   */
  public static final int MAX_SUPER_SEGMENT = 65535;

  /** Packets read per call at most. */
  static final int BATCH = 64;

  /** Packets the stack's own inbound queue holds: only {@link NetStack#deliver} users need it. */
  private static final int STACK_QUEUE = 64;

  /** Record header: int length, int segment size (0 for a packet sent as it is). */
  private static final int HEADER = 8;

  private static final int WRAP = -1;
  private static final long PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  private final NetStack stack;
  private final int mtu;
  private final String name;
  private final int queue;
  private final int maxSuper;

  // The ring. Positions grow without bound; a record starts at position % capacity and never
  // wraps (a WRAP marker sends the reader back to 0). Records are 8-byte aligned.
  private final byte[] ring;
  private final int capacity;

  /** Written by the producer (under the stack's lock), read by the consumer. */
  private volatile long tail;

  /** Packets (segments after cutting) ever queued; written by the producer. */
  private volatile long queued;

  /** Written by the consumer. */
  private volatile long head;

  /** Packets ever taken by the reader; written by the consumer. */
  private volatile long taken;

  /** Segments of the record at {@link #head} already read (consumer only). */
  private int segmentsDone;

  /** The ring as a segment, for the TSO cut (consumer only). */
  private final MemorySegment ringSegment;

  /** Cuts super-segments, as a NIC's TSO does (consumer only). */
  private final GsoSplitter splitter = new GsoSplitter();

  /** Segment views of the device's buffers (consumer only). */
  private final BufferViews.Cache views = new BufferViews.Cache();

  private volatile Thread parkedReader;
  private volatile boolean wakeRequested;
  private volatile boolean closed;
  private volatile long dropped;

  /** A stack configured by {@code config}, bridged to the device; {@code queue} packets deep. */
  public NetstackTun(String name, NetStackConfig config, int queue) {
    if (queue < 1) {
      throw new IllegalArgumentException("queue must be at least 1 packet, got " + queue);
    }
    this.name = name;
    this.mtu = config.iface().mtu();
    this.queue = queue;
    // Super-segments only when the queue can hold a few of them.
    final int superSize = Math.min(MAX_SUPER_SEGMENT, queue / 4 * mtu);
    this.maxSuper = superSize >= 2 * mtu ? superSize : 0;
    final int packetBytes = align(HEADER + mtu);
    // One record's worth more than the packets, for the room a wrap leaves unused at the end.
    this.capacity =
        (int)
            Math.min(1 << 30, (long) queue * packetBytes + align(HEADER + Math.max(mtu, maxSuper)));
    this.ring = new byte[capacity];
    this.ringSegment = MemorySegment.ofArray(ring);
    this.stack =
        new NetStack(config.withReceiveQueue(STACK_QUEUE, config.maxReceivePacket()), new Sink());
  }

  /**
   * A userspace TUN for a mesh node: the stack takes the first IPv4 and the first IPv6 of {@code
   * addresses} (either may be absent).
   */
  public static NetstackTun forNode(String name, List<InetAddress> addresses) {
    IpAddress v4 = null;
    IpAddress v6 = null;
    for (InetAddress a : addresses) {
      if (a instanceof Inet4Address && v4 == null) {
        v4 = IpAddress.of(a);
      } else if (a instanceof Inet6Address && v6 == null) {
        v6 = IpAddress.of(a);
      }
    }
    return new NetstackTun(name, NetStackConfig.of(InterfaceConfig.of(v4, v6)), DEFAULT_QUEUE);
  }

  /** The TCP/IP stack applications use (dial, listen, UDP, ping). */
  public NetStack stack() {
    return stack;
  }

  /** Packets dropped because the device did not keep up. */
  public long dropped() {
    return dropped;
  }

  /**
   * Packets waiting for the device (a super-segment counts as the segments it will be cut into).
   */
  public int queued() {
    return (int) (queued - taken);
  }

  private static int align(int n) {
    return (n + 7) & ~7;
  }

  // ---- stack side (the producer, always under the stack's lock) -------------------------

  /** The stack's output: one producer at a time, because the stack calls it under its lock. */
  private final class Sink implements PacketSink {
    @Override
    public void send(ByteBuffer buffer, int offset, int length) {
      enqueue(buffer, offset, length, 0, 1);
    }

    @Override
    public int maxSegmentedPacket() {
      return maxSuper;
    }

    @Override
    public void sendSegmented(ByteBuffer buffer, int offset, int length, int segmentSize) {
      final int headers = headerLength(buffer, offset, length);
      final int payload = length - headers;
      if (headers <= 0 || segmentSize <= 0 || payload <= 0 || headers + segmentSize > mtu) {
        dropped++;
        return;
      }
      enqueue(buffer, offset, length, segmentSize, (payload + segmentSize - 1) / segmentSize);
    }
  }

  /** IP and TCP header bytes of a TCP packet the stack emitted, or -1 when it is not one. */
  private static int headerLength(ByteBuffer b, int offset, int length) {
    if (length < 1) {
      return -1;
    }
    final int version = (b.get(offset) & 0xF0) >>> 4;
    final int ip;
    if (version == 4) {
      ip = (b.get(offset) & 0x0F) * 4;
      if (length < ip + 20 || b.get(offset + 9) != 6) {
        return -1;
      }
    } else if (version == 6) {
      ip = 40;
      if (length < ip + 20 || b.get(offset + 6) != 6) {
        return -1;
      }
    } else {
      return -1;
    }
    final int tcp = ((b.get(offset + ip + 12) & 0xF0) >>> 4) * 4;
    return tcp < 20 || ip + tcp > length ? -1 : ip + tcp;
  }

  private void enqueue(ByteBuffer packet, int offset, int length, int segmentSize, int packets) {
    if (closed) {
      return;
    }
    final int need = align(HEADER + length);
    long t = tail;
    int index = (int) (t % capacity);
    final int toEnd = capacity - index;
    final long used = t - head;
    final boolean wraps = need > toEnd;
    if ((wraps ? used + toEnd + need : used + need) > capacity
        || queued - taken + packets > queue
        || length > MAX_SUPER_SEGMENT) {
      dropped++;
      return;
    }
    if (wraps) {
      INT.set(ring, index, WRAP);
      t += toEnd;
      index = 0;
    }
    INT.set(ring, index, length);
    INT.set(ring, index + 4, segmentSize);
    packet.get(offset, ring, index + HEADER, length);
    queued += packets;
    tail = t + need; // publishes the record
    final Thread reader = parkedReader;
    if (reader != null) {
      LockSupport.unpark(reader);
    }
  }

  // ---- device side (the consumer) ------------------------------------------------------

  /**
   * Fills up to {@code bufs.length} buffers; blocks until one packet is ready or the TUN is closed.
   * One reader at a time (the device has one TUN reader thread).
   */
  @Override
  public int read(ByteBuffer[] bufs, int[] sizes, int offset) throws IOException {
    if (!awaitPacket()) {
      return 0; // woken
    }
    final int max = Math.min(bufs.length, sizes.length);
    final long end = tail;
    long h = head;
    int n = 0;
    int skipped = 0;
    while (n < max && h != end) {
      int index = (int) (h % capacity);
      int length = (int) INT.get(ring, index);
      if (length == WRAP) {
        h += capacity - index;
        continue;
      }
      final int segmentSize = (int) INT.get(ring, index + 4);
      final int data = index + HEADER;
      if (segmentSize == 0) {
        sizes[n] = copyOut(bufs[n], offset, ring, data, length);
        n++;
      } else {
        if (segmentsDone == 0) {
          splitter.beginTcp(ringSegment, data, length, segmentSize);
        }
        while (n < max && splitter.hasNext()) {
          final int size = splitter.next(views.view(n, bufs[n], offset));
          segmentsDone++;
          if (size >= 0) {
            sizes[n++] = size;
          } else {
            skipped++; // larger than the device's buffer, which the contract sizes to the MTU
          }
        }
        if (splitter.hasNext()) {
          break; // the batch is full; the rest of this record comes next time
        }
        segmentsDone = 0;
      }
      h += align(HEADER + length);
    }
    taken += n + skipped;
    head = h; // frees the records read
    return n;
  }

  /**
   * Waits until the ring has a record (true) or {@link #wakeup()} was called (false); throws when
   * the TUN is closed.
   */
  private boolean awaitPacket() throws ClosedChannelException {
    while (true) {
      if (closed) {
        throw new ClosedChannelException();
      }
      if (tail != head) {
        return true;
      }
      if (wakeRequested) {
        wakeRequested = false;
        return false;
      }
      parkedReader = Thread.currentThread();
      // Checked again after announcing the park: the producer publishes, then looks for a reader.
      if (tail == head && !closed && !wakeRequested) {
        LockSupport.parkNanos(this, PARK_NANOS);
      }
      parkedReader = null;
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new ClosedChannelException();
      }
    }
  }

  private int copyOut(ByteBuffer dst, int offset, byte[] src, int from, int length) {
    if (dst.hasArray()) {
      System.arraycopy(src, from, dst.array(), dst.arrayOffset() + offset, length);
    } else {
      dst.put(offset, src, from, length);
    }
    return length;
  }

  /** Hands the device's decrypted packets to the stack, which handles them on this thread. */
  @Override
  public int write(ByteBuffer[] bufs, int count, int offset) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    stack.receive(bufs, count, offset);
    return count;
  }

  @Override
  public int batchSize() {
    return BATCH;
  }

  @Override
  public int mtu() {
    return mtu;
  }

  @Override
  public String name() {
    return name;
  }

  /** Makes a reader blocked in {@link #read} return 0 packets. */
  @Override
  public boolean wakeup() {
    wakeRequested = true;
    final Thread reader = parkedReader;
    if (reader != null) {
      LockSupport.unpark(reader);
    }
    return true;
  }

  /** Stops the stack and wakes a reader blocked in {@link #read}, which then throws. */
  @Override
  public void close() {
    closed = true;
    final Thread reader = parkedReader;
    if (reader != null) {
      LockSupport.unpark(reader);
    }
    stack.close();
  }
}
