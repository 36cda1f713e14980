package io.weft.tun.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a configuration command ({@code ip}, {@code netsh}) to completion, with a time limit, and
 * turns any failure into an {@link IOException} that quotes the command line, its exit status and
 * what it printed.
 */
public final class Command {
  private Command() {}

  /** How long a configuration command may take before it is killed. */
  public static final long TIMEOUT_SECONDS = 10;

  /**
   * Runs {@code command} (no shell) and waits for it.
   *
   * @return what it printed on standard output and error, stripped
   * @throws IOException if it cannot start, times out (it is then killed) or exits non-zero
   */
  public static String run(List<String> command) throws IOException {
    final String line = String.join(" ", command);
    final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (InputStream out = p.getInputStream()) {
      p.getOutputStream().close();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("'" + line + "' did not finish in " + TIMEOUT_SECONDS + " s");
      }
      final String output = new String(out.readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.exitValue() != 0) {
        throw new IOException("'" + line + "' failed (exit " + p.exitValue() + "): " + output);
      }
      return output;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running '" + line + "'", e);
    }
  }
}
