package io.weft.wg.conn.linux;

import static io.weft.wg.nativeio.Libc.Mode.CRITICAL;
import static io.weft.wg.nativeio.Libc.Mode.CRITICAL_ERRNO;
import static io.weft.wg.nativeio.Libc.Mode.ERRNO;
import static io.weft.wg.nativeio.Libc.Mode.PLAIN;
import static io.weft.wg.nativeio.Libc.errno;
import static io.weft.wg.nativeio.Libc.link;
import static io.weft.wg.nativeio.Libc.unexpected;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.weft.wg.nativeio.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The Linux C library calls behind {@link LinuxBatchUdpBind}, through FFM downcall handles, with
 * the constants they take (x86-64 and arm64 share them all).
 *
 * <p>The per-batch calls ({@link #recvmmsg}, {@link #sendmmsg}, {@link #poll}) return their result
 * or {@code -errno}: a return code, not an exception. {@code errno} lands in a caller-owned {@link
 * #callState} segment, so threads never share it. {@code recvmmsg} and {@code sendmmsg} are linked
 * {@code critical} (no thread-state transition): the socket is non-blocking, so they return at
 * once. {@code poll} blocks and is linked normally. Setup calls throw {@link IOException} with the
 * C library's message.
 */
final class Syscalls {
  private Syscalls() {}

  // <sys/socket.h>, <netinet/in.h>, <linux/udp.h>
  static final int AF_INET6 = 10;
  static final int SOCK_DGRAM = 2;
  static final int SOCK_NONBLOCK = 0x800;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int SOL_SOCKET = 1;
  static final int SO_SNDBUF = 7;
  static final int SO_RCVBUF = 8;
  static final int SO_SNDBUFFORCE = 32;
  static final int SO_RCVBUFFORCE = 33;
  static final int IPPROTO_IPV6 = 41;
  static final int IPV6_V6ONLY = 26;
  static final int SOL_UDP = 17;
  static final int UDP_SEGMENT = 103;
  static final int MSG_DONTWAIT = 0x40;

  // <sys/eventfd.h>
  static final int EFD_NONBLOCK = 0x800;
  static final int EFD_CLOEXEC = 0x80000;

  // <poll.h>
  static final short POLLIN = Libc.POLLIN;
  static final short POLLOUT = Libc.POLLOUT;

  // <errno.h>
  static final int EINTR = 4;
  static final int EIO = 5;
  static final int EAGAIN = 11;
  static final int EINVAL = 22;
  static final int EMSGSIZE = 90;

  /** {@code struct pollfd { int fd; short events; short revents; }}. */
  static final int POLLFD_SIZE = Libc.POLLFD_SIZE;

  private static final MethodHandle SOCKET =
      link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
  private static final MethodHandle SETSOCKOPT =
      link(
          "setsockopt",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT),
          ERRNO);
  private static final MethodHandle GETSOCKOPT =
      link(
          "getsockopt",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS),
          ERRNO);
  private static final MethodHandle BIND =
      link("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
  private static final MethodHandle GETSOCKNAME =
      link("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), ERRNO);
  private static final MethodHandle CLOSE =
      link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO);
  private static final MethodHandle EVENTFD =
      link("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
  private static final MethodHandle WRITE =
      link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
  // The per-batch calls come in pairs: without errno capture for the common success, and with it
  // to repeat a call that failed. The JDK slices the capture segment on every call, an allocation
  // that escape analysis removes only when the whole call chain is inlined, which it was not here.
  private static final FunctionDescriptor POLL_FD =
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
  private static final FunctionDescriptor RECVMMSG_FD =
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
  private static final FunctionDescriptor SENDMMSG_FD =
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
  private static final MethodHandle POLL = link("poll", POLL_FD, PLAIN);
  private static final MethodHandle POLL_ERRNO = link("poll", POLL_FD, ERRNO);
  private static final MethodHandle RECVMMSG = link("recvmmsg", RECVMMSG_FD, CRITICAL);
  private static final MethodHandle RECVMMSG_ERRNO = link("recvmmsg", RECVMMSG_FD, CRITICAL_ERRNO);
  private static final MethodHandle SENDMMSG = link("sendmmsg", SENDMMSG_FD, CRITICAL);
  private static final MethodHandle SENDMMSG_ERRNO = link("sendmmsg", SENDMMSG_FD, CRITICAL_ERRNO);

  /** A segment to receive {@code errno} in; one per thread that calls. */
  static MemorySegment callState(Arena arena) {
    return Libc.callState(arena);
  }

  /**
   * {@code recvmmsg(fd, msgs, count, MSG_DONTWAIT, NULL)}: messages received, or {@code -errno}. A
   * failed call is repeated once to learn {@code errno}.
   */
  static int recvmmsg(int fd, MemorySegment msgs, int count, MemorySegment callState) {
    try {
      final int r = (int) RECVMMSG.invokeExact(fd, msgs, count, MSG_DONTWAIT, MemorySegment.NULL);
      if (r >= 0) {
        return r;
      }
      final int again =
          (int)
              RECVMMSG_ERRNO.invokeExact(
                  callState, fd, msgs, count, MSG_DONTWAIT, MemorySegment.NULL);
      return again >= 0 ? again : -errno(callState);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /**
   * {@code sendmmsg(fd, msgs, count, 0)}: messages sent, or {@code -errno}. A failed call (which
   * sent nothing) is repeated once to learn {@code errno}.
   */
  static int sendmmsg(int fd, MemorySegment msgs, int count, MemorySegment callState) {
    try {
      final int r = (int) SENDMMSG.invokeExact(fd, msgs, count, 0);
      if (r >= 0) {
        return r;
      }
      final int again = (int) SENDMMSG_ERRNO.invokeExact(callState, fd, msgs, count, 0);
      return again >= 0 ? again : -errno(callState);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /**
   * Waits until {@code fd} has {@code events} or {@code wakeFd} is readable: the number of ready
   * descriptors, or {@code -errno}. {@code pollFds} holds two {@code struct pollfd}.
   */
  static int poll(
      int fd, short events, int wakeFd, MemorySegment pollFds, MemorySegment callState) {
    pollFds.set(JAVA_INT, 0, fd);
    pollFds.set(JAVA_SHORT, 4, events);
    pollFds.set(JAVA_SHORT, 6, (short) 0);
    pollFds.set(JAVA_INT, POLLFD_SIZE, wakeFd);
    pollFds.set(JAVA_SHORT, POLLFD_SIZE + 4, POLLIN);
    pollFds.set(JAVA_SHORT, POLLFD_SIZE + 6, (short) 0);
    try {
      final int r = (int) POLL.invokeExact(pollFds, 2L, -1);
      if (r >= 0) {
        return r;
      }
      final int again = (int) POLL_ERRNO.invokeExact(callState, pollFds, 2L, -1);
      return again >= 0 ? again : -errno(callState);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  // ---- Setup: not per batch, errors as exceptions ----------------------------------------------

  /** A non-blocking, close-on-exec UDP socket of {@code family}. */
  static int socket(int family) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      final MemorySegment cs = callState(a);
      final int fd =
          (int) SOCKET.invokeExact(cs, family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw failure("socket", errno(cs));
      }
      return fd;
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** {@code setsockopt} of an {@code int}: 0, or {@code -errno}. */
  static int setIntOption(int fd, int level, int name, int value) {
    try (Arena a = Arena.ofConfined()) {
      final MemorySegment cs = callState(a);
      final MemorySegment v = a.allocate(JAVA_INT);
      v.set(JAVA_INT, 0, value);
      final int r = (int) SETSOCKOPT.invokeExact(cs, fd, level, name, v, 4);
      return r == 0 ? 0 : -errno(cs);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** {@code getsockopt} of an {@code int}. */
  static int intOption(int fd, int level, int name) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      final MemorySegment cs = callState(a);
      final MemorySegment v = a.allocate(JAVA_INT);
      final MemorySegment len = a.allocate(JAVA_INT);
      len.set(JAVA_INT, 0, 4);
      final int r = (int) GETSOCKOPT.invokeExact(cs, fd, level, name, v, len);
      if (r != 0) {
        throw failure("getsockopt", errno(cs));
      }
      return v.get(JAVA_INT, 0);
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** Binds {@code fd} to {@code [::]:port} and returns the port bound. */
  static int bindAnyAddress(int fd, int port) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      final MemorySegment cs = callState(a);
      final MemorySegment addr = a.allocate(Sockaddr.SIZE, 8);
      Sockaddr.writeAny(addr, port);
      if ((int) BIND.invokeExact(cs, fd, addr, Sockaddr.SIZE) != 0) {
        throw failure("bind to UDP port " + port, errno(cs));
      }
      final MemorySegment len = a.allocate(JAVA_INT);
      len.set(JAVA_INT, 0, Sockaddr.SIZE);
      if ((int) GETSOCKNAME.invokeExact(cs, fd, addr, len) != 0) {
        throw failure("getsockname", errno(cs));
      }
      return Sockaddr.port(addr, 0);
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** A non-blocking, close-on-exec eventfd. */
  static int eventfd() throws IOException {
    try (Arena a = Arena.ofConfined()) {
      final MemorySegment cs = callState(a);
      final int fd = (int) EVENTFD.invokeExact(cs, 0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (fd < 0) {
        throw failure("eventfd", errno(cs));
      }
      return fd;
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** Adds 1 to an eventfd, making it readable; errors (a full counter) change nothing. */
  static void signal(int eventFd) {
    try (Arena a = Arena.ofConfined()) {
      final MemorySegment one = a.allocate(JAVA_LONG);
      one.set(JAVA_LONG, 0, 1L);
      final long ignored = (long) WRITE.invokeExact(callState(a), eventFd, one, 8L);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** Closes {@code fd}, ignoring errors (Linux releases the descriptor even on EINTR). */
  static void close(int fd) {
    try (Arena a = Arena.ofConfined()) {
      final int ignored = (int) CLOSE.invokeExact(callState(a), fd);
    } catch (Throwable t) {
      throw unexpected(t);
    }
  }

  /** An exception naming the call, {@code errno} and its message. */
  static IOException failure(String what, int errno) {
    return Libc.failure(what, errno);
  }
}
