package io.weft.agent.pipeline;

import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link Tun} the WireGuard device runs on: a wrapper around the node's real one that every
 * outbound packet ({@link #read}) and every decrypted inbound packet ({@link #write}) crosses
 * exactly once. Each packet is parsed once into the direction's {@link Packet} and shown to the
 * hooks in order: the filter ({@link #setFilter}), then the others ({@link #addHook}) in the order
 * added; the first verdict other than {@link PacketHook#ACCEPT} ends the walk. With no hook in a
 * direction the packets are not parsed at all.
 *
 * <p>Injection: {@link #injectOutbound} queues a packet the device reads as if the OS had sent it
 * (a ping request), waking a reader blocked in the real TUN ({@link Tun#wakeup()}); {@link
 * #injectInbound} writes one to the OS or netstack as if a peer had sent it (an RST, an ICMP
 * unreachable, a DNS answer). Injected packets cross no hook, except that the outbound filter sees
 * injected outbound packets to track their flows (its verdict on them is ignored).
 *
 * <p>Dropped packets are taken out of a read batch by swapping buffers within {@code bufs} (the
 * caller's buffers, reordered, none lost). Nothing is allocated per packet: the flyweights, the
 * write batch and the hook arrays are reused, and a hook array changes only when a hook is added or
 * removed.
 */
public final class PacketPipeline implements Tun {
  private static final System.Logger LOG = System.getLogger(PacketPipeline.class.getName());
  private static final PacketHook[] NONE = new PacketHook[0];

  /** Injected outbound packets that may wait for the device's reader. */
  public static final int INJECT_QUEUE = 256;

  /** Counters of what the pipeline did. */
  public static final class Stats {
    public final LongAdder inboundDropped = new LongAdder();
    public final LongAdder outboundDropped = new LongAdder();
    public final LongAdder consumed = new LongAdder();
    public final LongAdder injectedInbound = new LongAdder();
    public final LongAdder injectedOutbound = new LongAdder();
    public final LongAdder injectDropped = new LongAdder();
    public final LongAdder hookFailures = new LongAdder();
  }

  private final Tun inner;
  private final Stats stats = new Stats();
  private final Packet outbound = new Packet(Packet.OUTBOUND);
  private final Packet inbound = new Packet(Packet.INBOUND);
  private final ArrayBlockingQueue<byte[]> injected = new ArrayBlockingQueue<>(INJECT_QUEUE);

  /** Serialises writes to the real TUN: the device's receive loops and inbound injection. */
  private final ReentrantLock writeLock = new ReentrantLock();

  private final ByteBuffer[] injectOne = new ByteBuffer[1];
  private ByteBuffer[] kept = new ByteBuffer[64]; // under writeLock

  private volatile PacketHook inboundFilter;
  private volatile PacketHook outboundFilter;
  private volatile PacketHook[] inboundHooks = NONE;
  private volatile PacketHook[] outboundHooks = NONE;

  /** A pipeline around {@code inner}, which it owns (closing the pipeline closes it). */
  public PacketPipeline(Tun inner) {
    this.inner = Objects.requireNonNull(inner, "inner");
  }

  /** The real TUN. */
  public Tun inner() {
    return inner;
  }

  /** What the pipeline dropped, consumed and injected. */
  public Stats stats() {
    return stats;
  }

  /**
   * Sets the packet filter, the first hook of each direction (null: accept everything). Replaces
   * the previous filter atomically per direction.
   */
  public void setFilter(PacketHook inboundVerdict, PacketHook outboundVerdict) {
    this.inboundFilter = inboundVerdict;
    this.outboundFilter = outboundVerdict;
  }

  /**
   * Adds {@code hook} after the filter and the hooks already added in {@code direction} ({@link
   * Packet#INBOUND} or {@link Packet#OUTBOUND}); closing the result removes it.
   */
  public AutoCloseable addHook(int direction, PacketHook hook) {
    Objects.requireNonNull(hook, "hook");
    synchronized (this) {
      if (direction == Packet.INBOUND) {
        inboundHooks = with(inboundHooks, hook);
      } else if (direction == Packet.OUTBOUND) {
        outboundHooks = with(outboundHooks, hook);
      } else {
        throw new IllegalArgumentException("direction must be INBOUND or OUTBOUND: " + direction);
      }
    }
    return () -> {
      synchronized (this) {
        if (direction == Packet.INBOUND) {
          inboundHooks = without(inboundHooks, hook);
        } else {
          outboundHooks = without(outboundHooks, hook);
        }
      }
    };
  }

  private static PacketHook[] with(PacketHook[] hooks, PacketHook h) {
    PacketHook[] n = Arrays.copyOf(hooks, hooks.length + 1);
    n[hooks.length] = h;
    return n;
  }

  private static PacketHook[] without(PacketHook[] hooks, PacketHook h) {
    return Arrays.stream(hooks).filter(x -> x != h).toArray(PacketHook[]::new);
  }

  /**
   * Queues {@code packet} (a whole IP packet) for the peers, as if the OS had sent it, and wakes
   * the device's reader. False (and counted) when the queue is full or the packet too large.
   */
  public boolean injectOutbound(byte[] packet) {
    if (packet.length > inner.mtu() || !injected.offer(packet)) {
      stats.injectDropped.increment();
      return false;
    }
    stats.injectedOutbound.increment();
    inner.wakeup();
    return true;
  }

  /** Writes {@code packet} (a whole IP packet) to the OS or netstack, as if a peer had sent it. */
  public boolean injectInbound(byte[] packet) throws IOException {
    writeLock.lock();
    try {
      injectOne[0] = ByteBuffer.wrap(packet);
      boolean ok = inner.write(injectOne, 1, 0) == 1;
      injectOne[0] = null;
      if (ok) {
        stats.injectedInbound.increment();
      } else {
        stats.injectDropped.increment();
      }
      return ok;
    } finally {
      writeLock.unlock();
    }
  }

  // ---- outbound: the OS to the peers --------------------------------------------------

  @Override
  public int read(ByteBuffer[] bufs, int[] sizes, int offset) throws IOException {
    while (true) {
      int n = drainInjected(bufs, sizes, offset, 0);
      if (n > 0) {
        return n;
      }
      n = inner.read(bufs, sizes, offset);
      if (n > 0) {
        n = outbound(bufs, sizes, offset, n);
      }
      n = drainInjected(bufs, sizes, offset, n);
      if (n > 0) {
        return n;
      }
      // Woken with nothing to inject, or every packet dropped: read again.
    }
  }

  /** Runs the outbound hooks over the batch; the accepted packets end up first, in order. */
  private int outbound(ByteBuffer[] bufs, int[] sizes, int offset, int n) {
    final PacketHook filter = outboundFilter;
    final PacketHook[] hooks = outboundHooks;
    if (filter == null && hooks.length == 0) {
      return n;
    }
    final Packet p = outbound;
    int kept = 0;
    for (int i = 0; i < n; i++) {
      final int verdict = verdict(filter, hooks, p.parse(bufs[i], offset, sizes[i]));
      if (verdict == PacketHook.ACCEPT) {
        if (kept != i) {
          final ByteBuffer b = bufs[kept];
          bufs[kept] = bufs[i];
          bufs[i] = b;
          sizes[kept] = sizes[i];
        }
        kept++;
      } else if (verdict == PacketHook.CONSUMED) {
        stats.consumed.increment();
      } else {
        stats.outboundDropped.increment();
      }
    }
    return kept;
  }

  private int drainInjected(ByteBuffer[] bufs, int[] sizes, int offset, int n) {
    while (n < bufs.length) {
      final byte[] packet = injected.poll();
      if (packet == null) {
        break;
      }
      if (offset + packet.length > bufs[n].capacity()) {
        stats.injectDropped.increment();
        continue;
      }
      bufs[n].put(offset, packet);
      final PacketHook filter = outboundFilter;
      if (filter != null) {
        // Shown to the filter for its flow state only (replies to a ping are ours), as
        // Tailscale's UpdateOutboundFlowState (wgengine/filter/filter.go:642); not a verdict.
        verdict(filter, NONE, outbound.parse(bufs[n], offset, packet.length));
      }
      sizes[n++] = packet.length;
    }
    return n;
  }

  // ---- inbound: the peers to the OS ---------------------------------------------------

  @Override
  public int write(ByteBuffer[] bufs, int count, int offset) throws IOException {
    writeLock.lock();
    try {
      final PacketHook filter = inboundFilter;
      final PacketHook[] hooks = inboundHooks;
      if (filter == null && hooks.length == 0) {
        return inner.write(bufs, count, offset);
      }
      if (kept.length < count) {
        kept = new ByteBuffer[Math.max(count, 2 * kept.length)]; // grows once, to the batch size
      }
      final ByteBuffer[] out = kept;
      final Packet p = inbound;
      int k = 0;
      for (int i = 0; i < count; i++) {
        final ByteBuffer b = bufs[i];
        final int verdict = verdict(filter, hooks, p.parse(b, offset, b.limit() - offset));
        if (verdict == PacketHook.ACCEPT) {
          out[k++] = b;
        } else if (verdict == PacketHook.CONSUMED) {
          stats.consumed.increment();
        } else {
          stats.inboundDropped.increment();
        }
      }
      if (k == count) {
        return inner.write(bufs, count, offset);
      }
      final int written = k == 0 ? 0 : inner.write(out, k, offset);
      Arrays.fill(out, 0, k, null);
      return written + (count - k); // dropped and consumed packets were handled, not lost
    } finally {
      writeLock.unlock();
    }
  }

  private int verdict(PacketHook filter, PacketHook[] hooks, Packet p) {
    try {
      if (filter != null) {
        final int v = filter.onPacket(p);
        if (v != PacketHook.ACCEPT) {
          return v;
        }
      }
      for (PacketHook h : hooks) {
        final int v = h.onPacket(p);
        if (v != PacketHook.ACCEPT) {
          return v;
        }
      }
      return PacketHook.ACCEPT;
    } catch (RuntimeException e) {
      stats.hookFailures.increment();
      LOG.log(Level.DEBUG, "packet hook failed, packet dropped: {0}", e.toString());
      return PacketHook.DROP;
    }
  }

  @Override
  public int batchSize() {
    return inner.batchSize();
  }

  @Override
  public int mtu() {
    return inner.mtu();
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public boolean wakeup() {
    return inner.wakeup();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
