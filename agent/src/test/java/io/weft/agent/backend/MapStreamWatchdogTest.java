package io.weft.agent.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import io.weft.wg.time.ManualClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The map stream watchdog: a connection whose map stream goes silent (no map message, not even the
 * server's keepalive) for longer than the limit is dropped and re-established; keepalives keep a
 * quiet stream alive.
 */
class MapStreamWatchdogTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;
  ControlServer server;
  Backend backend;
  FreezingProxy proxy;

  @AfterEach
  void stop() throws Exception {
    if (backend != null) {
      backend.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (server != null) {
      server.close();
    }
  }

  Backend start(URI url, Duration silence, io.weft.wg.time.NanoClock clock) throws Exception {
    String key =
        server
            .admin()
            .createPreAuthKey("mesh", null, true, false, false, List.of(), Duration.ofHours(1))
            .secret();
    backend =
        new Backend(
            BackendConfig.userspace(dir.resolve("node"), url, key, "node")
                .withAdvertise(List.of(InetAddress.getLoopbackAddress()))
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .withMapSilenceTimeout(silence, clock));
    backend.start();
    assertThat(backend.awaitState(BackendState.RUNNING, TIMEOUT)).isTrue();
    assertThat(backend.controlSessions()).isEqualTo(1);
    return backend;
  }

  /** Waits until the watchdog has looked {@code n} more times. */
  void awaitChecks(int n) {
    long target = backend.watchdogChecks() + n;
    await("watchdog checks", () -> backend.watchdogChecks() >= target);
  }

  void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline)
          .as("%s: sessions %s, %s", what, backend.controlSessions(), backend.status())
          .isNegative();
      LockSupport.parkNanos(10_000_000L);
    }
  }

  @Test
  void shouldReconnectOnlyOnceTheStreamHasBeenSilentLongerThanTheLimit() throws Exception {
    server =
        ControlServer.start(ControlConfig.defaults(dir.resolve("control")).withAdminToken("admin"));
    ManualClock clock = new ManualClock();
    start(server.url(), Duration.ofSeconds(150), clock);

    clock.advance(
        Duration.ofSeconds(140)); // quiet, but within the limit (the server's keepalive is 60 s)
    awaitChecks(2);
    assertThat(backend.controlSessions()).isEqualTo(1);
    assertThat(backend.status().controlConnected()).isTrue();

    // 160 s or more of silence (a map delta may have reset the count just after the first step).
    clock.advance(Duration.ofSeconds(160));
    await(
        "reconnected after the silence",
        () -> backend.controlSessions() == 2 && backend.status().controlConnected());
    assertThat(backend.state()).isEqualTo(BackendState.RUNNING);
    awaitChecks(2);
    assertThat(backend.controlSessions())
        .as("the new stream starts its own silence count")
        .isEqualTo(2);
  }

  @Test
  void shouldDropAFrozenServerAndKeepALiveOne() throws Exception {
    server =
        ControlServer.start(
            ControlConfig.defaults(dir.resolve("control"))
                .withAdminToken("admin")
                .withKeepAlive(Duration.ofMillis(100)));
    proxy = new FreezingProxy(server.listenAddress());
    start(
        URI.create("http://127.0.0.1:" + proxy.port()),
        Duration.ofMillis(600),
        io.weft.wg.time.NanoClock.SYSTEM);

    // Keepalives every 100 ms keep a stream without map changes attached well past 600 ms.
    long checks = backend.watchdogChecks();
    await("2 s of watchdog checks", () -> backend.watchdogChecks() >= checks + 2000 / 75);
    assertThat(backend.controlSessions()).isEqualTo(1);

    // The server freezes (a half-open connection: nothing arrives, nothing closes): dropped, and
    // the node reconnects through a fresh connection.
    proxy.freezeExisting();
    await(
        "reconnected after the freeze",
        () -> backend.controlSessions() == 2 && backend.status().controlConnected());
    assertThat(backend.state()).isEqualTo(BackendState.RUNNING);
  }

  /** A TCP relay to the server whose existing connections can be made to swallow everything. */
  static final class FreezingProxy implements AutoCloseable {
    private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final InetSocketAddress target;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();

    static final class Link {
      final Socket client;
      final Socket upstream;
      volatile boolean frozen;

      Link(Socket client, Socket upstream) {
        this.client = client;
        this.upstream = upstream;
      }
    }

    FreezingProxy(InetSocketAddress target) throws IOException {
      this.target = target;
      Thread.ofVirtual().start(this::accept);
    }

    int port() {
      return listener.getLocalPort();
    }

    void freezeExisting() {
      links.forEach(l -> l.frozen = true);
    }

    private void accept() {
      while (!listener.isClosed()) {
        try {
          Socket c = listener.accept();
          Socket u = new Socket(target.getAddress(), target.getPort());
          Link l = new Link(c, u);
          links.add(l);
          Thread.ofVirtual().start(() -> pump(l, c, u));
          Thread.ofVirtual().start(() -> pump(l, u, c));
        } catch (IOException e) {
          return;
        }
      }
    }

    private static void pump(Link l, Socket from, Socket to) {
      byte[] buf = new byte[16384];
      try (from;
          to) {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buf)) >= 0) {
          if (!l.frozen) { // frozen: bytes vanish, the connection stays open
            out.write(buf, 0, n);
            out.flush();
          }
        }
      } catch (IOException e) {
        // Either side closed.
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
      for (Link l : links) {
        l.client.close();
        l.upstream.close();
      }
    }
  }
}
