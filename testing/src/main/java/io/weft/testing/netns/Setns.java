package io.weft.testing.netns;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The three libc calls a thread needs to enter a network namespace ({@code open(2)}, {@code
 * setns(2)}, {@code close(2)}), through FFM with {@code errno} captured. Test code of its own:
 * {@code testing} depends on no Weft module, so it does not reach for tun-native's libc layer.
 */
final class Setns {
  static final int CLONE_NEWNET = 0x4000_0000;
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x0008_0000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(StructLayout.PathElement.groupElement("errno"));
  private static final MethodHandle OPEN =
      downcall(
          "open",
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
  private static final MethodHandle SETNS =
      downcall(
          "setns",
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
  private static final MethodHandle CLOSE =
      downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

  private Setns() {}

  @SuppressWarnings("restricted")
  private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
    final MemorySegment symbol =
        LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError(name));
    return LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"));
  }

  /** Moves the calling thread into the network namespace at {@code path} (/run/netns/NAME). */
  static void enter(String path) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      final MemorySegment state = arena.allocate(CAPTURE);
      final int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        throw new IOException("open " + path + ": errno " + errno(state));
      }
      try {
        if ((int) SETNS.invokeExact(state, fd, CLONE_NEWNET) != 0) {
          throw new IOException("setns into " + path + ": errno " + errno(state));
        }
      } finally {
        final int ignored = (int) CLOSE.invokeExact(state, fd);
      }
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("setns into " + path, t);
    }
  }

  private static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }
}
