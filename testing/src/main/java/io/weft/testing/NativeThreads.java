package io.weft.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Tells from {@code /proc} whether a thread is asleep in a system call: how tests know a reader is
 * blocked in {@code poll(2)} or a receive before they close or delete what it reads, without
 * sleeping on a guess. (A thread blocked in native code is {@code RUNNABLE} to the JVM, so {@link
 * Thread#getState} cannot tell.) Linux only.
 */
public final class NativeThreads {
  private NativeThreads() {}

  private static final boolean X86_64 =
      Set.of("amd64", "x86_64").contains(System.getProperty("os.arch"));

  /** poll and ppoll. */
  private static final Set<Integer> POLL_SYSCALLS = X86_64 ? Set.of(7, 271) : Set.of(73);

  /** poll, ppoll, select, pselect6, epoll_wait, epoll_pwait, read, recvfrom, recvmsg, recvmmsg. */
  private static final Set<Integer> WAIT_SYSCALLS =
      X86_64
          ? Set.of(7, 271, 23, 270, 232, 281, 0, 45, 47, 299)
          : Set.of(73, 72, 22, 63, 207, 212, 243);

  /** The calling thread's kernel thread id (from {@code /proc/thread-self}). */
  public static int gettid() {
    try {
      return Integer.parseInt(
          Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    } catch (IOException e) {
      throw new IllegalStateException("no /proc/thread-self (not Linux?)", e);
    }
  }

  /** Waits (bounded) until thread {@code tid} of this process sleeps in poll or ppoll. */
  public static void awaitBlockedInPoll(int tid, Duration timeout) throws IOException {
    awaitAsleepIn(POLL_SYSCALLS, "poll", tid, timeout);
  }

  /**
   * Waits (bounded) until thread {@code tid} sleeps waiting for input: poll, select, a read or a
   * receive.
   */
  public static void awaitBlockedWaitingForInput(int tid, Duration timeout) throws IOException {
    awaitAsleepIn(WAIT_SYSCALLS, "a wait for input", tid, timeout);
  }

  private static void awaitAsleepIn(Set<Integer> syscalls, String what, int tid, Duration timeout)
      throws IOException {
    final Path syscall = Path.of("/proc/self/task/" + tid + "/syscall");
    final Path stat = Path.of("/proc/self/task/" + tid + "/stat");
    final long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = Files.readString(syscall).strip();
      final String first = last.split(" ", 2)[0];
      if (first.matches("[0-9]+") && syscalls.contains(Integer.parseInt(first))) {
        final String s = Files.readString(stat);
        // Field 3, after "pid (comm)": S is interruptible sleep.
        if (s.substring(s.lastIndexOf(')') + 2).startsWith("S")) {
          return;
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    throw new AssertionError(
        "thread " + tid + " not blocked in " + what + " after " + timeout + "; syscall: " + last);
  }
}
