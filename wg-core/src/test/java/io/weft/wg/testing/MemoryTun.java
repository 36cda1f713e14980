package io.weft.wg.testing;

import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An in-memory {@link Tun}: tests inject packets the device reads and take the ones it writes. */
public final class MemoryTun implements Tun {
  private static final byte[] CLOSED = new byte[0];
  private static final byte[] WAKE = new byte[0];
  private final BlockingQueue<byte[]> toDevice = new LinkedBlockingQueue<>();
  private final BlockingQueue<byte[]> fromDevice = new LinkedBlockingQueue<>();
  private final int mtu;
  private volatile boolean closed;

  public MemoryTun(int mtu) {
    this.mtu = mtu;
  }

  /** Queues a packet for the device to read, as if an application sent it. */
  public void inject(byte[] packet) {
    toDevice.add(packet.clone());
  }

  /** The next packet the device wrote, waiting up to {@code seconds}; null on timeout. */
  public byte[] take(long seconds) throws InterruptedException {
    return fromDevice.poll(seconds, TimeUnit.SECONDS);
  }

  /** Packets written and not yet taken. */
  public int pending() {
    return fromDevice.size();
  }

  @Override
  public int read(ByteBuffer[] bufs, int[] sizes, int offset) throws IOException {
    try {
      byte[] p = toDevice.take();
      if (p == CLOSED || closed) {
        toDevice.add(CLOSED);
        throw new ClosedChannelException();
      }
      if (p == WAKE) {
        return 0;
      }
      bufs[0].put(offset, p);
      sizes[0] = p.length;
      int n = 1;
      while (n < bufs.length) {
        byte[] q = toDevice.poll();
        if (q == null) {
          break;
        }
        if (q == CLOSED || q == WAKE) {
          toDevice.add(q);
          break;
        }
        bufs[n].put(offset, q);
        sizes[n++] = q.length;
      }
      return n;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClosedChannelException();
    }
  }

  @Override
  public int write(ByteBuffer[] bufs, int count, int offset) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    for (int i = 0; i < count; i++) {
      byte[] p = new byte[bufs[i].limit() - offset];
      bufs[i].get(offset, p);
      fromDevice.add(p);
    }
    return count;
  }

  @Override
  public int batchSize() {
    return 8;
  }

  @Override
  public int mtu() {
    return mtu;
  }

  @Override
  public String name() {
    return "memtun";
  }

  @Override
  public boolean wakeup() {
    toDevice.add(WAKE);
    return true;
  }

  @Override
  public void close() {
    closed = true;
    toDevice.add(CLOSED);
  }
}
