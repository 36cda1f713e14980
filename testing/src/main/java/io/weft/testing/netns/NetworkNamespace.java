package io.weft.testing.netns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A named network namespace ({@code ip netns add}) and one platform thread that has entered it with
 * {@code setns(2)}: sockets, TUN devices and child processes created by code passed to {@link
 * #call} belong to the namespace, while the rest of the JVM stays where it was. Closing deletes the
 * namespace, and with it every interface still inside.
 *
 * <p>A thread inherits the network namespace of the thread that creates it, for its whole life.
 * Code passed to {@link #call} must therefore not start long-lived threads: no servers, executors
 * or virtual threads (whose scheduler may create its carrier threads from the submitting thread,
 * leaving them in the namespace after it is gone, so that any later virtual thread of the JVM may
 * open its sockets in a dead namespace). Opening sockets and TUN devices, and running commands, is
 * fine. Run a service that needs threads as a separate process ({@code ip netns exec}), or in the
 * JVM's own namespace reached through a veth pair. {@link #close} enforces this: it fails when a
 * thread other than the JDK's process reapers and JNA's cleaner is still in the namespace.
 */
public final class NetworkNamespace implements AutoCloseable {
  private static final long STOP_SECONDS = 10;

  /** Threads that open no sockets, by their kernel name (comm, at most 15 characters). */
  private static final Set<String> HARMLESS = Set.of("process reaper", "JNA Cleaner");

  private static final long COMMAND_SECONDS = 30;

  private final String name;
  private final ExecutorService inside;
  private String namespaceLink;
  private String insideThread;

  private NetworkNamespace(String name) {
    this.name = name;
    this.inside =
        Executors.newSingleThreadExecutor(
            r -> {
              final Thread t = new Thread(r, "netns-" + name);
              t.setDaemon(true);
              return t;
            });
  }

  /** Creates namespace {@code name} (needs root) and a thread inside it. */
  public static NetworkNamespace create(String name) throws IOException {
    ip("netns", "add", name);
    final NetworkNamespace ns = new NetworkNamespace(name);
    try {
      ns.call(
          () -> {
            Setns.enter("/run/netns/" + name);
            final Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            ns.insideThread = self.getFileName().toString();
            ns.namespaceLink =
                Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
            return null;
          });
    } catch (Exception e) {
      ns.close();
      throw e instanceof IOException io ? io : new IOException("entering " + name, e);
    }
    return ns;
  }

  /** The namespace's name, for {@code ip -n <name>} and {@code ip netns exec <name>}. */
  public String name() {
    return name;
  }

  /** Runs {@code task} on the thread inside the namespace and returns its result. */
  public <T> T call(Callable<T> task) throws Exception {
    try {
      return inside.submit(task).get();
    } catch (ExecutionException e) {
      final Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /**
   * Stops the thread and deletes the namespace.
   *
   * @throws IllegalStateException (after deleting the namespace) if another thread of this JVM is
   *     still in it: one started by code passed to {@link #call}, see above
   */
  @Override
  public void close() throws IOException {
    inside.shutdownNow();
    try {
      if (!inside.awaitTermination(STOP_SECONDS, TimeUnit.SECONDS)) {
        throw new IOException("the thread in namespace " + name + " did not stop");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      ip("netns", "delete", name);
    }
    if (namespaceLink != null) {
      final List<String> left = threads(namespaceLink::equals, insideThread);
      if (!left.isEmpty()) {
        throw new IllegalStateException(
            "threads of this JVM are still in network namespace "
                + name
                + " ("
                + namespaceLink
                + "), started by code passed to call(): "
                + left
                + "; run services that start threads outside the namespace (see NetworkNamespace)");
      }
    }
  }

  /**
   * The threads of this JVM that are not in the JVM's own network namespace (that of its main
   * thread), as {@code "tid name"}, the JDK's process reapers and JNA's cleaner left out (they only
   * wait for children or free native memory, and open no sockets; JNA starts its cleaner on demand,
   * so it may start inside a namespace and outlive it): none, unless a {@link NetworkNamespace} is
   * open or a thread was started inside one.
   */
  public static List<String> threadsOutsideTheJvmNamespace() throws IOException {
    final String own = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    return threads(link -> !link.equals(own), null);
  }

  private static List<String> threads(Predicate<String> namespaceLink, String exceptTid)
      throws IOException {
    final List<String> found = new ArrayList<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        final String tid = task.getFileName().toString();
        try {
          if (tid.equals(exceptTid)
              || !namespaceLink.test(Files.readSymbolicLink(task.resolve("ns/net")).toString())) {
            continue;
          }
          final String comm = Files.readString(task.resolve("comm")).strip();
          if (!HARMLESS.contains(comm)) {
            found.add(tid + " " + comm);
          }
        } catch (IOException | UncheckedIOException e) {
          // the thread ended meanwhile
        }
      }
    }
    return found;
  }

  /**
   * Runs {@code ip args...} (iproute2) and returns what it printed; fails with its output if it
   * exits non-zero or takes longer than {@value #COMMAND_SECONDS} s.
   */
  public static String ip(String... args) throws IOException {
    final List<String> command = new ArrayList<>();
    command.add(ipCommand());
    command.addAll(List.of(args));
    final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(
            String.join(" ", command) + ": no exit within " + COMMAND_SECONDS + " s");
      }
      final String out = new String(p.getInputStream().readAllBytes());
      if (p.exitValue() != 0) {
        throw new IOException(
            String.join(" ", command) + " exited " + p.exitValue() + ": " + out.strip());
      }
      return out;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    }
  }

  private static String ipCommand() throws IOException {
    for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
      final Path p = Path.of(dir, "ip");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new IOException("the 'ip' command (iproute2) is not installed");
  }

  @Override
  public String toString() {
    return "netns " + name;
  }
}
