package io.weft.tun.posix;

import io.weft.tun.io.BufferViews;
import io.weft.wg.nativeio.CloseGate;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;

/**
 * A TUN device behind a non-blocking descriptor on which each read returns one packet and each
 * write takes one. Subclasses supply the per-packet framing; this class holds the batch loops, the
 * wait and the close protocol.
 *
 * <p>{@link #read} blocks in {@code poll(2)} on the device and on a wake pipe until a packet is
 * ready, then reads until {@code EAGAIN} or the batch is full. {@link #close} writes to the wake
 * pipe, so a blocked reader returns with {@link AsynchronousCloseException}; the descriptors are
 * closed by whoever leaves last ({@link CloseGate}). {@link #wakeup()} writes to a second pipe,
 * which makes a blocked reader return 0 packets. Reads and writes may run on any number of threads
 * at once.
 *
 * <p>{@link #write} returns how many packets the OS accepted: one it rejects on its own merits
 * ({@link #rejectsPacket}, e.g. not IP) is dropped, as a network would, and the batch goes on; a
 * failure of the device itself is an {@link IOException}.
 */
public abstract class PosixTun implements Tun {
  private static final short POLL_FAILURE = NativeIo.POLLERR | NativeIo.POLLHUP | NativeIo.POLLNVAL;

  private final CloseGate gate = new CloseGate();
  private final int fd;
  private final int wakeReadFd;
  private final int wakeWriteFd;

  /** {@link #wakeup()}'s pipe: apart from the close pipe, so a wakeup never looks like a close. */
  private final int readerWakeReadFd;

  private final int readerWakeWriteFd;

  /** What {@link #awaitReadable} returns after {@link #wakeup()}: not a poll(2) event bit. */
  protected static final short WOKEN = Short.MIN_VALUE;

  private final String name;
  private final int mtu;
  private final int batchSize;

  /**
   * Takes ownership of {@code fd}, which must already be non-blocking; closes it if this
   * constructor fails.
   */
  protected PosixTun(int fd, String name, int mtu, int batchSize) throws IOException {
    final int[] wake;
    final int[] readerWake;
    try {
      wake = PosixSetup.pipe();
    } catch (IOException e) {
      PosixSetup.close(fd);
      throw e;
    }
    try {
      readerWake = PosixSetup.pipe();
    } catch (IOException e) {
      PosixSetup.close(fd);
      PosixSetup.close(wake[0]);
      PosixSetup.close(wake[1]);
      throw e;
    }
    this.fd = fd;
    this.wakeReadFd = wake[0];
    this.wakeWriteFd = wake[1];
    this.readerWakeReadFd = readerWake[0];
    this.readerWakeWriteFd = readerWake[1];
    this.name = name;
    this.mtu = mtu;
    this.batchSize = batchSize;
  }

  /**
   * Reads one packet into {@code dst} (from the packet's first byte, {@code dst.byteSize()} bytes
   * of room).
   *
   * @return the packet's length, or {@code -errno}; 0 means the device is gone
   */
  protected abstract long readPacket(int fd, MemorySegment dst, NativeIo.Scratch s);

  /**
   * Writes the one packet that is all of {@code src}.
   *
   * @return a non-negative number on success, or {@code -errno}
   */
  protected abstract long writePacket(int fd, MemorySegment src, NativeIo.Scratch s);

  /**
   * Whether {@code errno} from a write means the OS rejected that one packet (it is dropped and the
   * batch goes on) rather than the device failing.
   */
  protected abstract boolean rejectsPacket(int errno);

  /** The exception for a device-level failure; subclasses name the likely cause. */
  protected IOException failure(String operation, int errno) {
    return new IOException(
        operation + " on " + name + " failed: [" + errno + "] " + PosixSetup.strerror(errno));
  }

  @Override
  public final int read(ByteBuffer[] bufs, int[] sizes, int offset) throws IOException {
    final CloseGate g = gate;
    g.enter();
    try {
      return readBatch(
          fd, bufs, sizes, offset, Math.min(bufs.length, batchSize), NativeIo.scratch());
    } finally {
      if (g.exit()) {
        release();
      }
    }
  }

  /**
   * {@link #read}'s loop, inside the close protocol: reads packets into {@code bufs[0..max)} until
   * {@code EAGAIN} after at least one, waiting with {@link #await} while there is none. Subclasses
   * whose reads return something other than one packet each override it.
   */
  protected int readBatch(
      int fd, ByteBuffer[] bufs, int[] sizes, int offset, int max, NativeIo.Scratch s)
      throws IOException {
    int n = 0;
    short revents = 0;
    while (n < max) {
      final MemorySegment whole = BufferViews.whole(bufs[n]);
      final long r = readPacket(fd, whole.asSlice(offset), s);
      if (r > 0) {
        sizes[n++] = (int) r;
      } else if (r == -Errno.EAGAIN && n > 0) {
        break;
      } else {
        revents = readFailed(r, revents, s);
        if (revents == WOKEN) {
          return 0;
        }
      }
    }
    return n;
  }

  /**
   * What a read that returned {@code r} (0 or {@code -errno}) means when no packet is left to
   * return: waits on {@code EAGAIN} ({@link #awaitReadable}), retries on {@code EINTR}, and throws
   * for the end of the stream or any other error. Returns the new {@code revents}.
   */
  protected final short readFailed(long r, short revents, NativeIo.Scratch s) throws IOException {
    if (r == -Errno.EAGAIN) {
      return awaitReadable(revents, s);
    }
    if (r == 0) {
      throw gone("end of stream");
    }
    if (r != -Errno.EINTR) {
      throw failure("read", (int) -r);
    }
    return revents;
  }

  /**
   * Waits for the device to become readable after a read found nothing; {@code revents} is what the
   * previous wait returned (0 at first), so a device that polls as failed but has nothing to read
   * is reported as gone instead of spinning.
   */
  protected final short awaitReadable(short revents, NativeIo.Scratch s) throws IOException {
    if (revents != WOKEN && (revents & POLL_FAILURE) != 0) {
      throw gone("poll reported events 0x" + Integer.toHexString(revents) + " but no packet");
    }
    NativeIo.pollFd(s, 0, fd, NativeIo.POLLIN);
    NativeIo.pollFd(s, 1, wakeReadFd, NativeIo.POLLIN);
    NativeIo.pollFd(s, 2, readerWakeReadFd, NativeIo.POLLIN);
    int r;
    do {
      r = NativeIo.poll(3, -1, s);
    } while (r == -Errno.EINTR);
    if (gate.isClosed()) {
      throw new AsynchronousCloseException();
    }
    if (r < 0) {
      throw failure("poll", -r);
    }
    if ((NativeIo.revents(s, 2) & NativeIo.POLLIN) != 0) {
      while (NativeIo.read(readerWakeReadFd, s.header, s) > 0) {
        // drained: one wakeup stands for all written so far
      }
      return WOKEN;
    }
    return NativeIo.revents(s, 0);
  }

  /**
   * Makes a reader blocked in {@link #read} return 0 packets (now, or at its next wait if it is not
   * waiting); cheap enough to call per injected packet.
   */
  @Override
  public final boolean wakeup() {
    final CloseGate g = gate;
    try {
      g.enter();
    } catch (ClosedChannelException e) {
      return true; // closing wakes readers anyway
    }
    try {
      PosixSetup.writeOneByte(readerWakeWriteFd);
    } finally {
      if (g.exit()) {
        release();
      }
    }
    return true;
  }

  @Override
  public final int write(ByteBuffer[] bufs, int count, int offset) throws IOException {
    final CloseGate g = gate;
    g.enter();
    try {
      return writeBatch(fd, bufs, count, offset, NativeIo.scratch());
    } finally {
      if (g.exit()) {
        release();
      }
    }
  }

  /**
   * {@link #write}'s loop, inside the close protocol: one {@link #writePacket} per packet.
   * Subclasses that frame several packets into one write override it.
   *
   * @return the number of packets the OS accepted
   */
  protected int writeBatch(int fd, ByteBuffer[] bufs, int count, int offset, NativeIo.Scratch s)
      throws IOException {
    int written = 0;
    int i = 0;
    while (i < count) {
      final ByteBuffer b = bufs[i];
      final MemorySegment packet = BufferViews.whole(b).asSlice(offset, b.limit() - offset);
      final long r = writePacket(fd, packet, s);
      if (r >= 0) {
        written++;
        i++;
      } else if (r == -Errno.EAGAIN) {
        await(NativeIo.POLLOUT, s);
      } else if (r == -Errno.EINTR) {
        continue;
      } else if (rejectsPacket((int) -r)) {
        i++;
      } else {
        throw failure("write", (int) -r);
      }
    }
    return written;
  }

  /**
   * Blocks until the device has {@code events} or the device is closed.
   *
   * @return the device's {@code revents}
   * @throws AsynchronousCloseException if the device was closed
   */
  protected final short await(short events, NativeIo.Scratch s) throws IOException {
    NativeIo.pollFd(s, 0, fd, events);
    NativeIo.pollFd(s, 1, wakeReadFd, NativeIo.POLLIN);
    int r;
    do {
      r = NativeIo.poll(2, -1, s);
    } while (r == -Errno.EINTR);
    if (gate.isClosed()) {
      throw new AsynchronousCloseException();
    }
    if (r < 0) {
      throw failure("poll", -r);
    }
    return NativeIo.revents(s, 0);
  }

  protected final IOException gone(String why) {
    return new IOException("read on " + name + " failed: " + why + "; the interface is gone");
  }

  /** Wakes blocked readers (they throw {@link AsynchronousCloseException}); idempotent. */
  @Override
  public final void close() {
    if (!gate.closeAndEnter()) {
      return;
    }
    try {
      PosixSetup.writeOneByte(wakeWriteFd);
    } finally {
      if (gate.exit()) {
        release();
      }
    }
  }

  private void release() {
    PosixSetup.close(fd);
    PosixSetup.close(wakeReadFd);
    PosixSetup.close(wakeWriteFd);
    PosixSetup.close(readerWakeReadFd);
    PosixSetup.close(readerWakeWriteFd);
  }

  /** Whether {@link #close} has been called. */
  public final boolean isClosed() {
    return gate.isClosed();
  }

  /** The device's file descriptor, valid until {@link #close}; for benchmarks and diagnostics. */
  public final int fileDescriptor() {
    return fd;
  }

  @Override
  public final int batchSize() {
    return batchSize;
  }

  @Override
  public final int mtu() {
    return mtu;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + name + ", mtu " + mtu + "]";
  }
}
