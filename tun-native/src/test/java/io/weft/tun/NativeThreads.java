package io.weft.tun;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Tells from {@code /proc} whether a thread is asleep in {@code poll(2)}: how the tests know a
 * reader is blocked before they close or delete its device, without sleeping on a guess.
 */
public final class NativeThreads {
  private NativeThreads() {}

  private interface C extends Library {
    int gettid();
  }

  private static final C C_LIB = Native.load("c", C.class);

  /** poll and ppoll syscall numbers for this architecture. */
  private static final Set<Integer> POLL_SYSCALLS =
      switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> Set.of(7, 271);
        case "aarch64" -> Set.of(73);
        default -> Set.of();
      };

  /** The calling thread's kernel thread id. */
  public static int gettid() {
    return C_LIB.gettid();
  }

  /** Waits (bounded) until thread {@code tid} of this process sleeps in poll or ppoll. */
  public static void awaitBlockedInPoll(int tid, Duration timeout) throws IOException {
    final Path syscall = Path.of("/proc/self/task/" + tid + "/syscall");
    final Path stat = Path.of("/proc/self/task/" + tid + "/stat");
    final long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = Files.readString(syscall).strip();
      final String first = last.split(" ", 2)[0];
      if (first.matches("[0-9]+") && POLL_SYSCALLS.contains(Integer.parseInt(first))) {
        final String s = Files.readString(stat);
        // Field 3, after "pid (comm)": S is interruptible sleep.
        if (s.substring(s.lastIndexOf(')') + 2).startsWith("S")) {
          return;
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    throw new AssertionError("thread " + tid + " not blocked in poll after " + timeout + "; syscall: " + last);
  }
}
