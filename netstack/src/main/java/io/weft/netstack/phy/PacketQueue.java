package io.weft.netstack.phy;

import io.weft.netstack.wire.Checksum;
import io.weft.netstack.wire.TcpPacket;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded, thread-safe FIFO of packets copied into preallocated slots. When full, new packets are
 * dropped and counted (a link drops, it does not block). An optional listener runs after each
 * accepted packet, to wake the consumer.
 */
public final class PacketQueue implements PacketSink {
  private final ByteBuffer[] slots;
  private final int[] lengths;
  private final ReentrantLock lock = new ReentrantLock();
  private int head;
  private int count;
  private long dropped;
  private volatile Runnable listener;

  private final boolean superSegments;

  public PacketQueue(int capacity, int maxPacket) {
    this(capacity, maxPacket, false);
  }

  /**
   * With {@code superSegments}, a sender may hand over TCP segments larger than its MTU (up to
   * {@code maxPacket}), which the receiving stack takes whole, as after LRO/GRO: for two stacks
   * joined in one process, where nothing on the way needs MTU-sized packets.
   */
  public PacketQueue(int capacity, int maxPacket, boolean superSegments) {
    this.slots = new ByteBuffer[capacity];
    this.lengths = new int[capacity];
    for (int i = 0; i < capacity; i++) {
      slots[i] = ByteBuffer.allocate(maxPacket);
    }
    this.superSegments = superSegments;
  }

  @Override
  public int maxSegmentedPacket() {
    return superSegments ? slots[0].capacity() : 0;
  }

  @Override
  public void sendSegmented(ByteBuffer buffer, int offset, int length, int segmentSize) {
    if (!superSegments) {
      throw new UnsupportedOperationException("this queue takes only packets up to the MTU");
    }
    enqueue(buffer, offset, length, true);
  }

  /** Runs after every accepted packet (outside the queue's lock). */
  public void setListener(Runnable listener) {
    this.listener = listener;
  }

  @Override
  public void send(ByteBuffer buffer, int offset, int length) {
    enqueue(buffer, offset, length, false);
  }

  private void enqueue(ByteBuffer buffer, int offset, int length, boolean partialTcpChecksum) {
    lock.lock();
    try {
      if (count == slots.length || length > slots[0].capacity()) {
        dropped++;
        return;
      }
      final int tail = (head + count) % slots.length;
      final ByteBuffer slot = slots[tail];
      slot.put(0, buffer, offset, length);
      if (partialTcpChecksum && length > 0) {
        // The receiver takes the super-segment whole, so its checksum is finished here.
        final int ipLength = (slot.get(0) & 0xF0) == 0x40 ? (slot.get(0) & 0x0F) * 4 : 40;
        Checksum.completePartial(slot, ipLength, TcpPacket.CHECKSUM_OFFSET, length);
      }
      lengths[tail] = length;
      count++;
    } finally {
      lock.unlock();
    }
    final Runnable l = listener;
    if (l != null) {
      l.run();
    }
  }

  /** Copies the oldest packet to {@code dst} at index 0 and returns its length, or -1 if empty. */
  public int poll(ByteBuffer dst) {
    lock.lock();
    try {
      if (count == 0) {
        return -1;
      }
      final int length = lengths[head];
      dst.put(0, slots[head], 0, length);
      head = (head + 1) % slots.length;
      count--;
      return length;
    } finally {
      lock.unlock();
    }
  }

  public int size() {
    lock.lock();
    try {
      return count;
    } finally {
      lock.unlock();
    }
  }

  public long dropped() {
    lock.lock();
    try {
      return dropped;
    } finally {
      lock.unlock();
    }
  }
}
