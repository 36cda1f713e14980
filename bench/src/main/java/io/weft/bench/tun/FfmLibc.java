package io.weft.bench.tun;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code read}/{@code write} through FFM downcall handles, each with {@code errno} captured, in two
 * linkages: plain (a thread-state transition per call, as for any native call that may block) and
 * {@code critical} (no transition; what {@code io.weft.tun.posix.NativeIo} uses on non-blocking
 * descriptors).
 */
final class FfmLibc {
  private FfmLibc() {}

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final long ERRNO = CALL_STATE.byteOffset(PathElement.groupElement("errno"));
  private static final FunctionDescriptor RW =
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);

  static final MethodHandle READ = link("read", false);
  static final MethodHandle WRITE = link("write", false);
  static final MethodHandle READ_CRITICAL = link("read", true);
  static final MethodHandle WRITE_CRITICAL = link("write", true);

  /** Memory for one thread's captured {@code errno}. */
  static MemorySegment callState() {
    return Arena.ofAuto().allocate(CALL_STATE);
  }

  static long read(MemorySegment state, int fd, MemorySegment buf) throws Throwable {
    final long r = (long) READ.invokeExact(state, fd, buf, buf.byteSize());
    return r >= 0 ? r : -state.get(JAVA_INT, ERRNO);
  }

  static long write(MemorySegment state, int fd, MemorySegment buf) throws Throwable {
    final long r = (long) WRITE.invokeExact(state, fd, buf, buf.byteSize());
    return r >= 0 ? r : -state.get(JAVA_INT, ERRNO);
  }

  static long readCritical(MemorySegment state, int fd, MemorySegment buf) throws Throwable {
    final long r = (long) READ_CRITICAL.invokeExact(state, fd, buf, buf.byteSize());
    return r >= 0 ? r : -state.get(JAVA_INT, ERRNO);
  }

  static long writeCritical(MemorySegment state, int fd, MemorySegment buf) throws Throwable {
    final long r = (long) WRITE_CRITICAL.invokeExact(state, fd, buf, buf.byteSize());
    return r >= 0 ? r : -state.get(JAVA_INT, ERRNO);
  }

  @SuppressWarnings("restricted") // the descriptor matches read(2)/write(2)
  private static MethodHandle link(String name, boolean critical) {
    final MemorySegment symbol = LINKER.defaultLookup().find(name).orElseThrow();
    final Linker.Option capture = Linker.Option.captureCallState("errno");
    return critical
        ? LINKER.downcallHandle(symbol, RW, Linker.Option.critical(false), capture)
        : LINKER.downcallHandle(symbol, RW, capture);
  }
}
