package io.weft.control.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The raw byte stream of an upgraded connection as blocking streams for the protocol's thread. The
 * input side holds at most {@code readBuffer} bytes (plus the one socket read in flight): above
 * that the channel stops reading, and reading resumes once the protocol has consumed half. The
 * output side waits while the channel is not writable (its outbound buffer is past the high water
 * mark) and closes the connection if the peer has not read for {@code writeTimeout}.
 */
final class UpgradedStream extends ChannelInboundHandlerAdapter {
  private final Channel channel;
  private final int readBuffer;
  private final long writeTimeoutNanos;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition readable = lock.newCondition();
  private final Condition writable = lock.newCondition();
  private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
  private int buffered;
  private boolean ended;
  private final In in = new In();
  private final Out out = new Out();

  UpgradedStream(Channel channel, int readBuffer, long writeTimeoutNanos) {
    this.channel = channel;
    this.readBuffer = readBuffer;
    this.writeTimeoutNanos = writeTimeoutNanos;
  }

  InputStream in() {
    return in;
  }

  OutputStream out() {
    return out;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf b)) {
      io.netty.util.ReferenceCountUtil.release(msg);
      return;
    }
    lock.lock();
    try {
      if (ended || !b.isReadable()) {
        b.release();
        return;
      }
      queue.add(b);
      buffered += b.readableBytes();
      if (buffered >= readBuffer) {
        channel.config().setAutoRead(false);
      }
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    end();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    lock.lock();
    try {
      writable.signalAll();
    } finally {
      lock.unlock();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    end();
  }

  /**
   * Marks the stream ended and frees what it holds; readers see the end after the buffered bytes.
   */
  private void end() {
    lock.lock();
    try {
      ended = true;
      readable.signalAll();
      writable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void close() {
    channel.close();
    lock.lock();
    try {
      ended = true;
      for (ByteBuf b : queue) {
        b.release();
      }
      queue.clear();
      buffered = 0;
      readable.signalAll();
      writable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private final class In extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      lock.lock();
      try {
        while (queue.isEmpty()) {
          if (ended) {
            return -1;
          }
          readable.await();
        }
        int n = 0;
        while (n < len && !queue.isEmpty()) {
          ByteBuf head = queue.peek();
          int chunk = Math.min(len - n, head.readableBytes());
          head.readBytes(b, off + n, chunk);
          n += chunk;
          if (!head.isReadable()) {
            queue.poll().release();
          }
        }
        buffered -= n;
        if (buffered <= readBuffer / 2 && !ended && !channel.config().isAutoRead()) {
          channel.config().setAutoRead(true);
        }
        return n;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted");
      } finally {
        lock.unlock();
      }
    }

    @Override
    public int available() {
      lock.lock();
      try {
        return buffered;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void close() {
      UpgradedStream.this.close();
    }
  }

  private final class Out extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      awaitWritable();
      channel.write(Unpooled.copiedBuffer(b, off, len));
    }

    @Override
    public void flush() throws IOException {
      if (!channel.isActive()) {
        throw new IOException("connection closed");
      }
      channel.flush();
    }

    @Override
    public void close() {
      UpgradedStream.this.close();
    }

    private void awaitWritable() throws IOException {
      long deadline = System.nanoTime() + writeTimeoutNanos;
      lock.lock();
      try {
        while (!channel.isWritable()) {
          if (ended || !channel.isActive()) {
            throw new IOException("connection closed");
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            channel.close();
            throw new IOException(
                "peer has not read for "
                    + TimeUnit.NANOSECONDS.toMillis(writeTimeoutNanos)
                    + " ms");
          }
          // Flush so that what is queued can drain; writability changes come from the event loop.
          channel.flush();
          writable.awaitNanos(left);
        }
        if (!channel.isActive()) {
          throw new IOException("connection closed");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted");
      } finally {
        lock.unlock();
      }
    }
  }
}
