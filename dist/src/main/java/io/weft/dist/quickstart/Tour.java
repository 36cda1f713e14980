package io.weft.dist.quickstart;

import io.weft.agent.backend.Backend;
import io.weft.agent.backend.BackendConfig;
import io.weft.agent.backend.BackendState;
import io.weft.agent.cli.StatusPrinter;
import io.weft.agent.engine.Engine;
import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import io.weft.netstack.NetStack;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The quickstart's steps, each printed as it happens: known answers, an embedded coordination
 * server on SQLite, two userspace-mode nodes joining it with a pre-auth key, a ping and an HTTP
 * download across the mesh, {@code weft status}, and a clean shutdown that deletes everything it
 * made. Every wait is bounded by {@code stepTimeout}.
 */
final class Tour {
  static final int STEPS = 7;
  private static final int HTTP_PORT = 80;

  private final PrintWriter out;
  private final Path tempParent;
  private final int blobBytes;
  private final Duration stepTimeout;
  private final boolean cryptoCheck;
  private final List<Backend> nodes = new ArrayList<>();
  private ControlServer server;
  private BlobHttp http;
  private int step;
  private String stepTitle;
  private String failedAt;

  /** Thrown by a step that did not do what it should; the message says what was expected. */
  static final class StepFailed extends Exception {
    private static final long serialVersionUID = 1L;

    StepFailed(String message) {
      super(message);
    }
  }

  /**
   * @param tempParent where the temporary directory for the server's database and the nodes' state
   *     goes (deleted at the end)
   * @param cryptoCheck whether to run the known-answer step (tests of the mesh part skip it)
   */
  Tour(PrintWriter out, Path tempParent, int blobBytes, Duration stepTimeout, boolean cryptoCheck) {
    this.out = out;
    this.tempParent = tempParent;
    this.blobBytes = blobBytes;
    this.stepTimeout = stepTimeout;
    this.cryptoCheck = cryptoCheck;
  }

  /** Runs every step; returns whether all passed. Always stops what it started. */
  boolean run() {
    long t0 = System.nanoTime();
    boolean ok;
    Path work;
    try {
      work = Files.createTempDirectory(tempParent, "weft-quickstart-");
    } catch (IOException e) {
      out.println(
          "quickstart: cannot create a temporary directory in "
              + tempParent
              + ": "
              + e.getMessage());
      out.flush();
      return false;
    }
    try {
      steps(work);
      ok = true;
    } catch (StepFailed e) {
      fail(e.getMessage());
      ok = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted");
      ok = false;
    } catch (Exception e) {
      fail(e.toString());
      ok = false;
    }
    ok &= shutdown(work);
    out.println();
    if (ok) {
      out.printf(
          Locale.ROOT, "quickstart: every step passed (%.1f s).%n", (System.nanoTime() - t0) / 1e9);
    } else {
      out.println("quickstart: FAILED at " + failedAt + "; see above.");
    }
    out.flush();
    return ok;
  }

  private void steps(Path work) throws Exception {
    header("Crypto primitives against their published known answers (io.weft.wg.crypto)");
    if (cryptoCheck) {
      if (!new CryptoSelfCheck(out).run()) {
        throw new StepFailed("a primitive does not match its known answers");
      }
    } else {
      out.println("  skipped");
    }

    header("A coordination server, embedded in this process");
    server = ControlServer.start(ControlConfig.defaults(work.resolve("control")));
    out.println(
        "  Nodes register with it over a Noise-encrypted channel and receive the network map:");
    out.println("  who is in the mesh, with their keys, addresses and UDP endpoints.");
    out.printf("  listening on %s, SQLite database in %s%n", server.url(), work.resolve("control"));
    String key =
        server
            .admin()
            .createPreAuthKey(
                "quickstart", "tour", true, false, false, List.of(), Duration.ofMinutes(10))
            .secret();
    out.println("  created user \"tour\" and a reusable pre-auth key valid for 10 minutes");
    out.println("  (as `weft control authkey` does against a standalone server)");

    header("Two nodes join with the pre-auth key, in userspace mode");
    out.println(
        "  Each node is a WireGuard device whose TUN is Weft's own TCP/IP stack, so it needs no");
    out.println("  root and no kernel interface; WireGuard itself runs over UDP on loopback.");
    // One after the other, so alpha is the first node and the second joins a mesh that exists.
    Backend alpha = join(work, "alpha", key);
    awaitRunning(alpha);
    Backend bravo = join(work, "bravo", key);
    awaitRunning(bravo);

    header("Each node learns the other from the network map");
    awaitPeer(alpha, bravo);
    awaitPeer(bravo, alpha);
    InetAddress bravoIp = v4(bravo);
    NetStack alphaStack = stack(alpha);
    long p0 = System.nanoTime();
    ping(alphaStack, bravoIp);
    double firstMs = (System.nanoTime() - p0) / 1e6;
    Duration again = ping(alphaStack, bravoIp);
    out.printf(
        Locale.ROOT,
        "  alpha pings bravo at %s through the tunnel: first reply after %.1f ms (WireGuard%n",
        bravoIp.getHostAddress(),
        firstMs);
    out.printf(
        Locale.ROOT, "  handshake included), the next after %.2f ms%n", again.toNanos() / 1e6);

    header("HTTP across the mesh");
    byte[] blob = new byte[blobBytes];
    new SecureRandom().nextBytes(blob);
    String served = BlobHttp.sha256(blob);
    http = BlobHttp.serve(stack(bravo), HTTP_PORT, blob, stepTimeout);
    out.printf(
        Locale.ROOT,
        "  bravo serves %,d random bytes over HTTP on port %d of its own TCP/IP stack;%n",
        blobBytes,
        HTTP_PORT);
    out.println(
        "  alpha fetches them with a GET from its stack, through WireGuard, over loopback UDP:");
    BlobHttp.Download d =
        BlobHttp.get(alphaStack, new InetSocketAddress(bravoIp, HTTP_PORT), stepTimeout);
    out.printf(
        Locale.ROOT,
        "  GET http://%s%s: %,d bytes in %.2f s (%.1f MB/s, %.0f Mbit/s)%n",
        bravoIp.getHostAddress(),
        BlobHttp.PATH,
        d.bytes(),
        d.nanos() / 1e9,
        d.megabytesPerSecond(),
        d.megabytesPerSecond() * 8);
    out.println("  SHA-256 served   " + served);
    out.println("  SHA-256 received " + d.sha256());
    if (!served.equals(d.sha256())) {
      throw new StepFailed("the received bytes differ from the served ones");
    }
    out.println("  the hashes match: every byte arrived intact");

    header("`weft status` on alpha");
    out.println(
        "  This node, then each peer: where it is reached, when the last handshake was, bytes each way.");
    Backend.Status status = alpha.status();
    for (String line : StatusPrinter.format(status).split("\n")) {
      out.println("  " + line);
    }
    Backend.PeerStatus seen =
        status.peers().stream()
            .filter(p -> p.id() == bravo.self().id())
            .findFirst()
            .orElseThrow(() -> new StepFailed("alpha's status does not list bravo"));
    if (seen.lastHandshakeEpochMillis() <= 0 || seen.rxBytes() < blobBytes) {
      throw new StepFailed(
          "alpha's status does not show the handshake and the download from bravo");
    }
  }

  private Backend join(Path work, String name, String key) throws IOException {
    BackendConfig cfg =
        BackendConfig.userspace(work.resolve(name), server.url(), key, name)
            .withAdvertise(List.of(InetAddress.getLoopbackAddress()))
            .withBackoff(Duration.ofMillis(50), Duration.ofSeconds(1));
    Backend b = new Backend(cfg);
    nodes.add(b);
    b.start();
    return b;
  }

  private void awaitRunning(Backend b) throws StepFailed, InterruptedException {
    long t0 = System.nanoTime();
    if (!b.awaitState(BackendState.RUNNING, stepTimeout)) {
      Backend.Status s = b.status();
      throw new StepFailed(
          String.format(
              Locale.ROOT,
              "%s did not reach RUNNING within %s: state %s%s",
              s.hostname(),
              seconds(stepTimeout),
              s.state(),
              s.lastError() == null ? "" : ", last error: " + s.lastError()));
    }
    Backend.Status s = b.status();
    out.printf(
        Locale.ROOT,
        "  %-6s RUNNING after %.2f s: %s, udp/%d, node key %s...%n",
        s.hostname(),
        (System.nanoTime() - t0) / 1e9,
        String.join(" ", hosts(s.addresses())),
        s.listenPort(),
        s.nodeKey().substring(0, 10));
  }

  private void awaitPeer(Backend on, Backend peer) throws StepFailed, InterruptedException {
    long id = peer.self().id();
    try {
      on.awaitMap(m -> m.peers().containsKey(id), stepTimeout);
    } catch (TimeoutException e) {
      throw new StepFailed(
          on.status().hostname()
              + " did not see "
              + peer.status().hostname()
              + " in its network map within "
              + seconds(stepTimeout));
    }
    if (on.device().peer(peer.device().publicKey()) == null) {
      throw new StepFailed(
          on.status().hostname()
              + " has "
              + peer.status().hostname()
              + " in its map but not as a WireGuard peer");
    }
    out.printf(
        "  %s has %s (%s) as a WireGuard peer%n",
        on.status().hostname(),
        peer.status().hostname(),
        String.join(" ", hosts(peer.self().addresses())));
  }

  private Duration ping(NetStack stack, InetAddress to) throws StepFailed {
    try {
      return stack.ping(to, stepTimeout);
    } catch (IOException e) {
      throw new StepFailed(
          "no ping reply from "
              + to.getHostAddress()
              + " within "
              + seconds(stepTimeout)
              + ": "
              + e);
    }
  }

  private static NetStack stack(Backend b) {
    return b.netstack().orElseThrow();
  }

  private static InetAddress v4(Backend b) throws StepFailed {
    return Engine.hosts(b.self().addresses()).stream()
        .filter(a -> a instanceof java.net.Inet4Address)
        .findFirst()
        .orElseThrow(() -> new StepFailed(b.status().hostname() + " has no IPv4 address"));
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.3f s", d.toNanos() / 1e9);
  }

  private void header(String title) {
    step++;
    stepTitle = title;
    out.println();
    out.printf("[%d/%d] %s%n", step, STEPS, title);
    out.flush();
  }

  private void fail(String why) {
    if (failedAt == null) {
      failedAt = "step " + step + " (" + stepTitle + ")";
    }
    out.println("  FAILED: " + why);
    out.flush();
  }

  /** Stops the HTTP server, the nodes and the server, then deletes {@code work}. */
  private boolean shutdown(Path work) {
    step = STEPS - 1;
    header("Shutting down");
    boolean ok = true;
    if (http != null) {
      http.close();
      out.println("  stopped bravo's HTTP server");
    }
    for (Backend b : nodes) {
      b.close();
      if (b.state() == BackendState.STOPPED) {
        out.println("  stopped node " + b.status().hostname());
      } else {
        fail(b.status().hostname() + " is " + b.state() + " after close");
        ok = false;
      }
    }
    if (server != null) {
      server.close();
      out.println("  stopped the coordination server");
    }
    try {
      deleteTree(work);
      out.println("  deleted " + work);
    } catch (IOException | UncheckedIOException e) {
      fail("could not delete " + work + ": " + e.getMessage());
      ok = false;
    }
    return ok;
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Addresses without their prefix length ({@code 100.64.0.1/32} reads as {@code 100.64.0.1}). */
  private static List<String> hosts(List<String> prefixes) {
    return prefixes.stream().map(a -> a.replaceFirst("/\\d+$", "")).toList();
  }
}
