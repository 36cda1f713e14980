package io.weft.netstack.phy;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * One direction of a simulated link. Each packet sent is lost, duplicated, delayed and possibly
 * reordered according to {@link Faults} and a seeded generator, then handed on by {@link #deliver}
 * once the simulation clock reaches its delivery time. The same seed and the same sequence of calls
 * give the same outcome. Not thread-safe: a simulation drives it.
 */
public final class FaultInjector implements PacketSink {
  /**
   * Fault rates, each a probability in [0, 1].
   *
   * @param loss probability a packet is dropped
   * @param duplication probability a packet is delivered twice
   * @param reordering probability a packet gets an extra delay of up to {@code reorderDelayNanos}
   * @param delayNanos fixed one-way delay
   * @param reorderDelayNanos largest extra delay of a reordered packet
   * @param bandwidthBytesPerSecond serialization rate (0 for unlimited); packets queue behind each
   *     other
   */
  public record Faults(
      double loss,
      double duplication,
      double reordering,
      long delayNanos,
      long reorderDelayNanos,
      long bandwidthBytesPerSecond) {
    public static Faults none(long delayNanos) {
      return new Faults(0, 0, 0, delayNanos, 0, 0);
    }
  }

  private static final class InFlight {
    final ByteBuffer data;
    int length;
    long deliverAt;
    long order;

    InFlight(int capacity) {
      data = ByteBuffer.allocate(capacity);
    }
  }

  private final Faults faults;
  private final SplittableRandom random;
  private final LongSupplier clock;
  private final int maxPacket;
  private final PriorityQueue<InFlight> queue =
      new PriorityQueue<>(
          (x, y) ->
              x.deliverAt != y.deliverAt
                  ? Long.compare(x.deliverAt, y.deliverAt)
                  : Long.compare(x.order, y.order));
  private final ArrayDeque<InFlight> pool = new ArrayDeque<>();
  private long sequence;
  private long linkFreeAt;
  private long sent;
  private long lost;
  private long duplicated;
  private long reordered;

  public FaultInjector(Faults faults, long seed, LongSupplier clock, int maxPacket) {
    this.faults = faults;
    this.random = new SplittableRandom(seed);
    this.clock = clock;
    this.maxPacket = maxPacket;
  }

  @Override
  public void send(ByteBuffer buffer, int offset, int length) {
    sent++;
    if (random.nextDouble() < faults.loss()) {
      lost++;
      return;
    }
    final long now = clock.getAsLong();
    long at = now + faults.delayNanos();
    if (faults.bandwidthBytesPerSecond() > 0) {
      final long start = Math.max(now, linkFreeAt);
      linkFreeAt = start + length * 1_000_000_000L / faults.bandwidthBytesPerSecond();
      at = linkFreeAt + faults.delayNanos();
    }
    if (faults.reorderDelayNanos() > 0 && random.nextDouble() < faults.reordering()) {
      reordered++;
      at += 1 + random.nextLong(faults.reorderDelayNanos());
    }
    enqueue(buffer, offset, length, at);
    if (random.nextDouble() < faults.duplication()) {
      duplicated++;
      enqueue(buffer, offset, length, at + 1);
    }
  }

  private void enqueue(ByteBuffer buffer, int offset, int length, long at) {
    InFlight p = pool.poll();
    if (p == null) {
      p = new InFlight(maxPacket);
    }
    p.data.put(0, buffer, offset, length);
    p.length = length;
    p.deliverAt = at;
    p.order = sequence++;
    queue.add(p);
  }

  /** Hands every packet due by {@code now} to {@code receiver}; returns how many. */
  public int deliver(long now, PacketSink receiver) {
    int n = 0;
    InFlight p;
    while ((p = queue.peek()) != null && p.deliverAt <= now) {
      queue.poll();
      receiver.send(p.data, 0, p.length);
      pool.add(p);
      n++;
    }
    return n;
  }

  /** Delivery time of the next packet, or {@code Long.MAX_VALUE}. */
  public long nextDelivery() {
    final InFlight p = queue.peek();
    return p == null ? Long.MAX_VALUE : p.deliverAt;
  }

  public long sent() {
    return sent;
  }

  public long lost() {
    return lost;
  }

  public long duplicated() {
    return duplicated;
  }

  public long reordered() {
    return reordered;
  }
}
