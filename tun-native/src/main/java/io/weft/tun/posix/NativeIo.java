package io.weft.tun.posix;

import static io.weft.wg.nativeio.Libc.Mode.CRITICAL_HEAP_ERRNO;
import static io.weft.wg.nativeio.Libc.Mode.ERRNO;
import static io.weft.wg.nativeio.Libc.link;
import static io.weft.wg.nativeio.Libc.unexpected;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.weft.tun.io.Os;
import io.weft.wg.nativeio.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The packet path's calls into the C library, through FFM downcall handles.
 *
 * <p>Every call returns its result, or {@code -errno} when the C function returned -1: a return
 * code, not an exception, per packet. {@code errno} is captured into the calling thread's {@link
 * Scratch}, so any number of threads may call concurrently.
 *
 * <p>{@code read}, {@code write}, {@code readv} and {@code writev} are linked {@code critical}:
 * callers use them only on non-blocking descriptors, where they return at once. {@code poll} is
 * linked normally because it blocks.
 */
public final class NativeIo {
  private NativeIo() {}

  // From <poll.h>; the same on Linux and Darwin.
  public static final short POLLIN = Libc.POLLIN;
  public static final short POLLOUT = Libc.POLLOUT;
  public static final short POLLERR = Libc.POLLERR;
  public static final short POLLHUP = Libc.POLLHUP;
  public static final short POLLNVAL = Libc.POLLNVAL;

  /** {@code struct pollfd { int fd; short events; short revents; }}. */
  public static final int POLLFD_SIZE = Libc.POLLFD_SIZE;

  /** {@code struct iovec { void *iov_base; size_t iov_len; }} on 64-bit systems. */
  public static final int IOVEC_SIZE = 16;

  public static final int IOVEC_BASE_OFFSET = 0;
  public static final int IOVEC_LEN_OFFSET = 8;

  private static final boolean DARWIN = Os.CURRENT == Os.DARWIN;

  private static final MethodHandle READ =
      link(
          "read",
          FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
          CRITICAL_HEAP_ERRNO);
  private static final MethodHandle WRITE =
      link(
          "write",
          FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
          CRITICAL_HEAP_ERRNO);
  private static final MethodHandle READV =
      link(
          "readv",
          FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT),
          CRITICAL_HEAP_ERRNO);
  private static final MethodHandle WRITEV =
      link(
          "writev",
          FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT),
          CRITICAL_HEAP_ERRNO);
  // nfds_t is unsigned long on Linux, unsigned int on Darwin.
  private static final MethodHandle POLL =
      link(
          "poll",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, DARWIN ? JAVA_INT : JAVA_LONG, JAVA_INT),
          ERRNO);

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /**
   * Native memory one thread uses for its calls: captured {@code errno}, two {@code pollfd}s, two
   * {@code iovec}s and a 4-byte header. Fetch it once per batch with {@link #scratch()}.
   */
  public static final class Scratch {
    final MemorySegment callState;

    /** Three {@code struct pollfd}. */
    public final MemorySegment pollFds;

    /** Two {@code struct iovec}. */
    public final MemorySegment iovecs;

    /** Four bytes for a per-packet header (utun's protocol family). */
    public final MemorySegment header;

    private MemorySegment bounce;

    Scratch() {
      final Arena arena = Arena.ofAuto();
      callState = Libc.callState(arena);
      pollFds = arena.allocate(3L * POLLFD_SIZE, 8);
      iovecs = arena.allocate(2L * IOVEC_SIZE, 8);
      header = arena.allocate(4, 4);
    }

    /** A native buffer of at least {@code size} bytes, for copying heap buffers through. */
    public MemorySegment bounce(long size) {
      MemorySegment b = bounce;
      if (b == null || b.byteSize() < size) {
        b = Arena.ofAuto().allocate(Math.max(size, 65_536 + 4), 8);
        bounce = b;
      }
      return b;
    }
  }

  /** This thread's scratch memory. */
  public static Scratch scratch() {
    return SCRATCH.get();
  }

  /** {@code read(fd, dst, dst.byteSize())}: bytes read, or {@code -errno}. */
  public static long read(int fd, MemorySegment dst, Scratch s) {
    final long r;
    try {
      r = (long) READ.invokeExact(s.callState, fd, dst, dst.byteSize());
    } catch (Throwable t) {
      throw unexpected(t);
    }
    return r >= 0 ? r : -errno(s);
  }

  /** {@code write(fd, src, src.byteSize())}: bytes written, or {@code -errno}. */
  public static long write(int fd, MemorySegment src, Scratch s) {
    final long r;
    try {
      r = (long) WRITE.invokeExact(s.callState, fd, src, src.byteSize());
    } catch (Throwable t) {
      throw unexpected(t);
    }
    return r >= 0 ? r : -errno(s);
  }

  /**
   * {@code write(fd, src, len)}: the first {@code len} bytes of {@code src}; bytes written, or
   * {@code -errno}.
   */
  public static long write(int fd, MemorySegment src, long len, Scratch s) {
    final long r;
    try {
      r = (long) WRITE.invokeExact(s.callState, fd, src, len);
    } catch (Throwable t) {
      throw unexpected(t);
    }
    return r >= 0 ? r : -errno(s);
  }

  /** {@code readv} over {@code count} iovecs in {@code s.iovecs}: bytes read, or {@code -errno}. */
  public static long readv(int fd, int count, Scratch s) {
    final long r;
    try {
      r = (long) READV.invokeExact(s.callState, fd, s.iovecs, count);
    } catch (Throwable t) {
      throw unexpected(t);
    }
    return r >= 0 ? r : -errno(s);
  }

  /**
   * {@code writev} of {@code count} iovecs in {@code s.iovecs}: bytes written, or {@code -errno}.
   */
  public static long writev(int fd, int count, Scratch s) {
    final long r;
    try {
      r = (long) WRITEV.invokeExact(s.callState, fd, s.iovecs, count);
    } catch (Throwable t) {
      throw unexpected(t);
    }
    return r >= 0 ? r : -errno(s);
  }

  /** Sets iovec {@code i} of {@code s.iovecs}; {@code base} must be a native segment. */
  public static void iovec(Scratch s, int i, MemorySegment base) {
    final long at = (long) i * IOVEC_SIZE;
    s.iovecs.set(JAVA_LONG, at + IOVEC_BASE_OFFSET, base.address());
    s.iovecs.set(JAVA_LONG, at + IOVEC_LEN_OFFSET, base.byteSize());
  }

  /** Sets pollfd {@code i} of {@code s.pollFds} and clears its {@code revents}. */
  public static void pollFd(Scratch s, int i, int fd, short events) {
    final long at = (long) i * POLLFD_SIZE;
    s.pollFds.set(JAVA_INT, at + Libc.POLLFD_FD_OFFSET, fd);
    s.pollFds.set(JAVA_SHORT, at + Libc.POLLFD_EVENTS_OFFSET, events);
    s.pollFds.set(JAVA_SHORT, at + Libc.POLLFD_REVENTS_OFFSET, (short) 0);
  }

  /** The {@code revents} of pollfd {@code i} after {@link #poll}. */
  public static short revents(Scratch s, int i) {
    return s.pollFds.get(JAVA_SHORT, (long) i * POLLFD_SIZE + Libc.POLLFD_REVENTS_OFFSET);
  }

  /**
   * {@code poll} over the first {@code count} pollfds of {@code s.pollFds}: the number ready, or
   * {@code -errno}. Blocks for up to {@code timeoutMillis} (-1: no limit).
   */
  public static int poll(int count, int timeoutMillis, Scratch s) {
    final int r;
    try {
      r =
          DARWIN
              ? (int) POLL.invokeExact(s.callState, s.pollFds, count, timeoutMillis)
              : (int) POLL.invokeExact(s.callState, s.pollFds, (long) count, timeoutMillis);
    } catch (Throwable t) {
      throw unexpected(t);
    }
    return r >= 0 ? r : -errno(s);
  }

  private static int errno(Scratch s) {
    return Libc.errno(s.callState);
  }
}
