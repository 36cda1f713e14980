package io.weft.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.opentest4j.TestAbortedException;

/**
 * What privileged and interop tests need from the machine (root, /dev/net/tun, network namespaces,
 * external tools), checked in one place.
 *
 * <p>On a developer machine a missing prerequisite skips the test with the reason; under {@code
 * CI=true} it fails the test, so CI can never pass by skipping.
 */
public final class Prerequisites {
  private Prerequisites() {}

  /** Whether this run is CI ({@code CI=true}), where nothing may be skipped. */
  public static boolean inCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** Requires root, {@code /dev/net/tun}, the {@code ip} command and each named tool on PATH. */
  public static void requireRootAndTools(String... tools) {
    List<String> missing = new ArrayList<>();
    if (!isRoot()) {
      missing.add("root (uid 0)");
    }
    if (!Files.exists(Path.of("/dev/net/tun"))) {
      missing.add("/dev/net/tun");
    }
    List<String> all = new ArrayList<>(List.of("ip"));
    all.addAll(List.of(tools));
    for (String t : all) {
      if (which(t) == null) {
        missing.add("the '" + t + "' command");
      }
    }
    if (!missing.isEmpty()) {
      unmet("needs " + String.join(", ", missing));
    }
  }

  /** Requires each named tool on PATH (no root). */
  public static void requireTools(String... tools) {
    List<String> missing = new ArrayList<>();
    for (String t : tools) {
      if (which(t) == null) {
        missing.add("the '" + t + "' command");
      }
    }
    if (!missing.isEmpty()) {
      unmet("needs " + String.join(", ", missing));
    }
  }

  /** Skips (developer machine) or fails (CI) with the reason. */
  public static void unmet(String reason) {
    if (inCi()) {
      throw new AssertionError("prerequisite missing under CI=true: " + reason);
    }
    throw new TestAbortedException("skipped: " + reason);
  }

  /** The absolute path of a command on PATH, or null. */
  public static Path which(String command) {
    String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, command);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private static boolean isRoot() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return uid instanceof Integer i && i == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }
}
