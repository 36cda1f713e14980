package io.weft.derp.interop;

import io.weft.testing.Prerequisites;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Tailscale's derper and derpprobe at the pinned version (.ci/run builds them with {@code go
 * install}). Paths from {@code WEFT_DERPER} / {@code WEFT_DERPPROBE}, else the repository's {@code
 * target/tailscale-v1.102.5/}, else {@code $HOME/go/bin}. Missing: skipped on a laptop, a failure
 * under CI=true.
 */
final class Tailscale {
  static final String VERSION = "v1.102.5";

  private Tailscale() {}

  static Path binary(String name, String env) {
    List<Path> candidates = new ArrayList<>();
    String e = System.getenv(env);
    if (e != null && !e.isBlank()) {
      candidates.add(Path.of(e));
    } else {
      String root = System.getenv("WEFT_REPO_ROOT");
      if (root != null) {
        candidates.add(Path.of(root, "target", "tailscale-" + VERSION, name));
      }
      candidates.add(Path.of(System.getProperty("user.home"), "go", "bin", name));
    }
    for (Path p : candidates) {
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    Prerequisites.unmet(
        "needs Tailscale's "
            + name
            + " "
            + VERSION
            + " (set "
            + env
            + " or run the go install block of .ci/run); looked at "
            + candidates);
    return null;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * A derper on 127.0.0.1 serving plain HTTP (no TLS: the port is not 443, certmode is not manual).
   */
  static final class Derper implements AutoCloseable {
    final Process process;
    final int port;
    final Path dir;

    Derper(Path dir, String... extra) throws IOException, InterruptedException {
      this.dir = dir;
      this.port = freePort();
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  binary("derper", "WEFT_DERPER").toString(),
                  "-a",
                  "127.0.0.1:" + port,
                  "-http-port",
                  "-1",
                  "-stun=false",
                  "-c",
                  dir.resolve("derper.key").toString()));
      cmd.addAll(List.of(extra));
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("derper.log").toFile())
              .start();
      waitForHttp(
          URI.create("http://127.0.0.1:" + port + "/derp/probe"), process, Duration.ofSeconds(20));
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + port + "/derp");
    }

    String log() throws IOException {
      return Files.readString(dir.resolve("derper.log"));
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor();
      }
    }
  }

  static void waitForHttp(URI u, Process p, Duration limit)
      throws InterruptedException, IOException {
    long end = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() - end < 0) {
      if (!p.isAlive()) {
        throw new IOException("process exited with " + p.exitValue() + " before serving " + u);
      }
      try {
        HttpURLConnection c = (HttpURLConnection) u.toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(1000);
        if (c.getResponseCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(50); // polling a child process's readiness; no event to wait on
    }
    throw new IOException("not serving after " + limit + ": " + u);
  }
}
