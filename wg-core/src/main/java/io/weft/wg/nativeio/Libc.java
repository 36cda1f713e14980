package io.weft.wg.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * The one way Weft links C library functions through FFM downcall handles (JEP 454), and reads the
 * {@code errno} they leave: the Linux batch UDP bind and the TUN devices of {@code tun-native}
 * build their calls from these.
 *
 * <p>{@code errno} is captured into a caller-owned {@link #callState} segment, so threads never
 * share it. A handle is linked in one of four ways ({@link Mode}): with or without {@code errno}
 * capture, and {@code critical} (no thread-state transition, for calls that return at once on a
 * non-blocking descriptor) or not (for calls that block).
 */
public final class Libc {
  private Libc() {}

  /** How a downcall is linked. */
  public enum Mode {
    /** Blocking call, no {@code errno}. */
    PLAIN,
    /** Blocking call, {@code errno} captured into the first argument. */
    ERRNO,
    /** Non-blocking call on native memory only, no {@code errno}. */
    CRITICAL,
    /** Non-blocking call on native memory only, {@code errno} captured. */
    CRITICAL_ERRNO,
    /** Non-blocking call that may take heap segments, {@code errno} captured. */
    CRITICAL_HEAP_ERRNO
  }

  // From <poll.h>; the same on Linux and Darwin.
  public static final short POLLIN = 0x001;
  public static final short POLLOUT = 0x004;
  public static final short POLLERR = 0x008;
  public static final short POLLHUP = 0x010;
  public static final short POLLNVAL = 0x020;

  /** {@code struct pollfd { int fd; short events; short revents; }}. */
  public static final int POLLFD_SIZE = 8;

  public static final int POLLFD_FD_OFFSET = 0;
  public static final int POLLFD_EVENTS_OFFSET = 4;
  public static final int POLLFD_REVENTS_OFFSET = 6;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(PathElement.groupElement("errno"));

  private static final MethodHandle STRERROR =
      link("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT), Mode.PLAIN);

  /** A segment to receive {@code errno} in; one per thread that calls. */
  public static MemorySegment callState(Arena arena) {
    return arena.allocate(CALL_STATE);
  }

  /** The {@code errno} the last capturing call left in {@code callState}. */
  public static int errno(MemorySegment callState) {
    return callState.get(JAVA_INT, ERRNO_OFFSET);
  }

  /** A handle for the C library's {@code name}; with {@code errno}, it is the first argument. */
  @SuppressWarnings("restricted") // downcallHandle: callers' descriptors match the C prototypes
  public static MethodHandle link(String name, FunctionDescriptor fd, Mode mode) {
    final MemorySegment symbol =
        LINKER
            .defaultLookup()
            .find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("no " + name + " in the C library"));
    final Linker.Option capture = Linker.Option.captureCallState("errno");
    return switch (mode) {
      case PLAIN -> LINKER.downcallHandle(symbol, fd);
      case ERRNO -> LINKER.downcallHandle(symbol, fd, capture);
      case CRITICAL -> LINKER.downcallHandle(symbol, fd, Linker.Option.critical(false));
      case CRITICAL_ERRNO ->
          LINKER.downcallHandle(symbol, fd, Linker.Option.critical(false), capture);
      case CRITICAL_HEAP_ERRNO ->
          LINKER.downcallHandle(symbol, fd, Linker.Option.critical(true), capture);
    };
  }

  /** The C library's message for {@code errno}. */
  @SuppressWarnings("restricted") // reinterpret: strerror returns a NUL-terminated string
  public static String strerror(int errno) {
    try {
      final MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
      return s.reinterpret(1024).getString(0);
    } catch (Throwable t) {
      return "errno " + errno;
    }
  }

  /** An exception naming the call, {@code errno} and its message. */
  public static IOException failure(String what, int errno) {
    return new IOException(what + " failed: [" + errno + "] " + strerror(errno));
  }

  /**
   * What a downcall's {@code Throwable} becomes: runtime exceptions as they are, errors rethrown,
   * anything else (no C function throws a checked exception) wrapped.
   */
  public static RuntimeException unexpected(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }
}
