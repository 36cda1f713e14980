package io.weft.tun.linux;

import io.weft.tun.io.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Interface configuration through the {@code ip(8)} command of iproute2, in the calling thread's
 * network namespace (a child process inherits it). Each failure is an {@link IOException} with the
 * command line, its exit status and what it printed ({@link Command}).
 */
public final class IpRoute2 {
  private IpRoute2() {}

  private static final Pattern DEVICE_NAME =
      Pattern.compile("[A-Za-z0-9_.:@][A-Za-z0-9_.:@-]{0,14}");
  private static final List<String> SEARCH_PATH = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");

  /** {@code ip addr add <cidr> dev <device>}, e.g. {@code addAddress("weft0", "100.64.0.1/10")}. */
  public static void addAddress(String device, String cidr) throws IOException {
    run("addr", "add", checkPrefix(cidr), "dev", checkDevice(device));
  }

  /** {@code ip route add <cidr> dev <device>}, e.g. {@code addRoute("weft0", "10.1.0.0/16")}. */
  public static void addRoute(String device, String cidr) throws IOException {
    run("route", "add", checkPrefix(cidr), "dev", checkDevice(device));
  }

  /**
   * Runs {@code ip} with {@code args} (see {@link Command#run}).
   *
   * @return what it printed
   */
  public static String run(String... args) throws IOException {
    final List<String> command = new ArrayList<>();
    command.add(ipCommand());
    command.addAll(List.of(args));
    return Command.run(command);
  }

  private static String ipCommand() throws IOException {
    for (String dir : SEARCH_PATH) {
      final Path p = Path.of(dir, "ip");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new IOException("the 'ip' command (iproute2) is not installed in " + SEARCH_PATH);
  }

  private static String checkDevice(String device) {
    if (!DEVICE_NAME.matcher(device).matches()) {
      throw new IllegalArgumentException("not an interface name: '" + device + "'");
    }
    return device;
  }

  private static String checkPrefix(String cidr) {
    if (cidr.isEmpty() || cidr.startsWith("-") || cidr.indexOf(' ') >= 0) {
      throw new IllegalArgumentException("not an address prefix: '" + cidr + "'");
    }
    return cidr;
  }
}
