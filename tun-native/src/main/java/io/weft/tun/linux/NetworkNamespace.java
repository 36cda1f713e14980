package io.weft.tun.linux;

import io.weft.tun.posix.PosixSetup;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A named network namespace ({@code ip netns add}) and one platform thread that has entered it
 * with {@code setns(2)}: sockets, TUN devices and child processes created by code passed to
 * {@link #call} belong to the namespace, while the rest of the JVM stays where it was. Closing
 * deletes the namespace, and with it every interface still inside.
 */
public final class NetworkNamespace implements AutoCloseable {
  private static final int CLONE_NEWNET = 0x4000_0000;
  private static final long STOP_SECONDS = 10;

  private final String name;
  private final ExecutorService inside;

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

  /** Stops the thread and deletes the namespace. */
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
  }

  @Override
  public String toString() {
    return "netns " + name;
  }
}
