package io.weft.testing.netns;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces, veth links and processes a privileged test creates, all removed on close
 * (processes by PID, then the namespaces), even when the test failed. Traffic stays inside them.
 */
public final class TestNet implements AutoCloseable {
  public final String id = HexFormat.of().formatHex(SecureRandom.getSeed(2));
  private final List<String> namespaces = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final Path dir;

  public TestNet(Path dir) {
    this.dir = dir;
  }

  /** The outcome of a command. */
  public record Result(int exit, String output) {}

  /** Creates namespace {@code prefix-id} with loopback up; returns its name. */
  public String namespace(String prefix) throws Exception {
    String name = prefix + "-" + id;
    run("ip", "netns", "add", name);
    namespaces.add(name);
    run("ip", "-n", name, "link", "set", "lo", "up");
    return name;
  }

  /** Joins two namespaces with a veth pair and addresses each end (CIDR notation). */
  public void link(String nsA, String addrA, String nsB, String addrB) throws Exception {
    String a = "va" + id;
    String b = "vb" + id;
    run("ip", "link", "add", a, "netns", nsA, "type", "veth", "peer", "name", b, "netns", nsB);
    run("ip", "-n", nsA, "addr", "add", addrA, "dev", a);
    run("ip", "-n", nsB, "addr", "add", addrB, "dev", b);
    run("ip", "-n", nsA, "link", "set", a, "up");
    run("ip", "-n", nsB, "link", "set", b, "up");
  }

  /** Runs a command, waits up to 120 s, returns exit status and output. */
  public Result tryRun(Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", cmd));
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  public Result tryRun(String... cmd) throws Exception {
    return tryRun(Map.of(), cmd);
  }

  /** Runs a command that must succeed; returns its output. */
  public String run(String... cmd) throws Exception {
    Result r = tryRun(cmd);
    if (r.exit() != 0) {
      throw new AssertionError(
          "'" + String.join(" ", cmd) + "' exited " + r.exit() + ": " + r.output());
    }
    return r.output();
  }

  /** Starts a long-running command with output to {@code <dir>/<logName>}; stopped on close. */
  public Process start(String logName, Map<String, String> env, String... cmd) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.redirectOutput(dir.resolve(logName).toFile());
    pb.redirectInput(new File("/dev/null"));
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  /** The log of a started process, for failure messages. */
  public String log(String logName) {
    try {
      return Files.readString(dir.resolve(logName));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  public Path dir() {
    return dir;
  }

  @Override
  public void close() {
    for (Process p : processes.reversed()) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (String ns : namespaces) {
      try {
        tryRun("ip", "netns", "del", ns);
      } catch (Exception e) {
        // keep cleaning the rest
      }
    }
  }
}
