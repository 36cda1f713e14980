package io.weft.tun.linux;

import io.weft.tun.posix.PosixSetup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A named network namespace ({@code ip netns add}) and one platform thread that has entered it
 * with {@code setns(2)}: sockets, TUN devices and child processes created by code passed to
 * {@link #call} belong to the namespace, while the rest of the JVM stays where it was. Closing
 * deletes the namespace, and with it every interface still inside.
 *
 * <p>A thread inherits the network namespace of the thread that creates it, for its whole life.
 * Code passed to {@link #call} must therefore not start long-lived threads: no servers, executors
 * or virtual threads (whose scheduler may create its carrier threads from the submitting thread,
 * leaving them in the namespace after it is gone, so that any later virtual thread of the JVM may
 * open its sockets in a dead namespace). Opening sockets and TUN devices, and running commands, is
 * fine. Run a service that needs threads as a separate process ({@code ip netns exec}), or in the
 * JVM's own namespace reached through a veth pair. {@link #close} enforces this: it fails when a
 * thread other than the JDK's process reapers is still in the namespace.
 */
public final class NetworkNamespace implements AutoCloseable {
  private static final int CLONE_NEWNET = 0x4000_0000;
  private static final long STOP_SECONDS = 10;

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
    IpRoute2.run("netns", "add", name);
    final NetworkNamespace ns = new NetworkNamespace(name);
    try {
      ns.call(
          () -> {
            final int fd = PosixSetup.open("/run/netns/" + name, PosixSetup.O_RDONLY | PosixSetup.O_CLOEXEC);
            try {
              PosixSetup.setns(fd, CLONE_NEWNET, "setns into network namespace " + name);
            } finally {
              PosixSetup.close(fd);
            }
            final Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            ns.insideThread = self.getFileName().toString();
            ns.namespaceLink = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
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
      IpRoute2.run("netns", "delete", name);
    }
    if (namespaceLink != null) {
      final List<String> left = threads(namespaceLink::equals, insideThread);
      if (!left.isEmpty()) {
        throw new IllegalStateException(
            "threads of this JVM are still in network namespace " + name + " (" + namespaceLink
                + "), started by code passed to call(): " + left
                + "; run services that start threads outside the namespace (see NetworkNamespace)");
      }
    }
  }

  /**
   * The threads of this JVM that are not in the JVM's own network namespace (that of its main
   * thread), as {@code "tid name"}, the JDK's process reapers left out (they only wait for
   * children and open no sockets): none, unless a {@link NetworkNamespace} is open or a thread was
   * started inside one.
   */
  public static List<String> threadsOutsideTheJvmNamespace() throws IOException {
    final String own = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    return threads(link -> !link.equals(own), null);
  }

  private static List<String> threads(Predicate<String> namespaceLink, String exceptTid) throws IOException {
    final List<String> found = new ArrayList<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        final String tid = task.getFileName().toString();
        try {
          if (tid.equals(exceptTid) || !namespaceLink.test(Files.readSymbolicLink(task.resolve("ns/net")).toString())) {
            continue;
          }
          final String comm = Files.readString(task.resolve("comm")).strip();
          if (!comm.equals("process reaper")) {
            found.add(tid + " " + comm);
          }
        } catch (IOException | UncheckedIOException e) {
          // the thread ended meanwhile
        }
      }
    }
    return found;
  }

  @Override
  public String toString() {
    return "netns " + name;
  }
}
