package io.weft.agent.wg;

import io.weft.tun.Tuns;
import io.weft.wg.device.Device;
import io.weft.wg.time.NanoClock;
import io.weft.wg.tun.Tun;
import io.weft.wg.uapi.Uapi;
import io.weft.wg.uapi.UapiServer;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft wg [-f] <ifname>}: a userspace WireGuard interface that behaves like {@code
 * wireguard-go}, so {@code wg} and {@code wg-quick} drive it unchanged. It creates the TUN, serves
 * the UAPI on {@code /var/run/wireguard/<ifname>.sock}, and goes to the background unless {@code
 * -f}, returning only once the interface and the socket exist. It stops cleanly on SIGTERM/SIGINT
 * and when the interface is deleted, removing the socket (and the interface, if it still exists).
 */
@Command(
    name = "wg",
    description =
        "Run a userspace WireGuard interface (a drop-in for wireguard-go; configure it with wg(8)).")
public final class WgCommand implements Callable<Integer> {
  /** Set in the environment of the background child. */
  static final String DAEMON_ENV = "WEFT_WG_DAEMON";

  /** Test and benchmark setting: REKEY_AFTER_TIME in seconds (default 120). */
  public static final String REKEY_ENV = "WEFT_REKEY_AFTER_SECONDS";

  /**
   * The UDP bind: {@code plain} (a {@code DatagramChannel}, one datagram per call), {@code batch}
   * (recvmmsg/sendmmsg with UDP GSO) or {@code batch-nogso} (recvmmsg/sendmmsg without GSO).
   * Default: {@code batch-nogso} when the TUN has offloads (its writes coalesce only what one
   * receive batch holds), {@code plain} otherwise.
   */
  public static final String BIND_ENV = "WEFT_BIND";

  /**
   * {@code 0} opens the TUN without TCP segmentation/receive offloads (default: on where
   * supported).
   */
  public static final String OFFLOAD_ENV = "WEFT_TUN_OFFLOAD";

  /** Crypto worker threads per direction (default: 0 on two cores or fewer). */
  public static final String WORKERS_ENV = "WEFT_CRYPTO_WORKERS";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-f", "--foreground"},
      description = "Stay in the foreground.")
  boolean foreground;

  @Option(
      names = "--mtu",
      description = "Interface MTU (default ${DEFAULT-VALUE}).",
      defaultValue = "1420")
  int mtu;

  @Option(names = "--uapi-dir", hidden = true, defaultValue = "/var/run/wireguard")
  Path uapiDir;

  @Parameters(index = "0", paramLabel = "<ifname>", description = "Interface name, e.g. wg0.")
  String name;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if (!name.matches("[a-zA-Z0-9_=+.-]{1,15}")) {
      err.println(
          "weft wg: invalid interface name '" + name + "' (1-15 characters of [a-zA-Z0-9_=+.-])");
      return 1;
    }
    if (!foreground && System.getenv(DAEMON_ENV) == null) {
      return daemonize(err);
    }
    return runForeground(err);
  }

  private int runForeground(PrintWriter err) throws InterruptedException {
    WgLogging.configure(System.getenv("LOG_LEVEL"));
    System.Logger log = System.getLogger("weft.wg." + name);
    Tun tun;
    try {
      tun = Tuns.open(name, mtu, !"0".equals(System.getenv(OFFLOAD_ENV)));
    } catch (IOException e) {
      err.println("weft wg: cannot create TUN device '" + name + "': " + e.getMessage());
      err.flush();
      return 1;
    }
    boolean offloads = tun instanceof io.weft.tun.linux.LinuxTun l && l.offloads();
    io.weft.wg.conn.Bind bind;
    try {
      bind = bind(System.getenv(BIND_ENV), offloads);
    } catch (IllegalArgumentException e) {
      err.println("weft wg: " + e.getMessage());
      err.flush();
      closeQuietly(tun);
      return 1;
    }
    Device device = new Device(tun, bind, NanoClock.SYSTEM, log);
    String rekey = System.getenv(REKEY_ENV);
    if (rekey != null) {
      device.setRekeyAfterTimeNanos(TimeUnit.SECONDS.toNanos(Long.parseLong(rekey)));
    }
    String workers = System.getenv(WORKERS_ENV);
    if (workers != null && !workers.isBlank()) {
      device.setCryptoWorkers(Integer.parseInt(workers));
    }
    UapiServer uapi;
    try {
      device.up();
      uapi = UapiServer.start(new Uapi(device), uapiDir, tun.name());
    } catch (IOException e) {
      err.println("weft wg: cannot start '" + tun.name() + "': " + e.getMessage());
      err.flush();
      device.close();
      return 1;
    }
    log.log(
        System.Logger.Level.INFO,
        "interface {0} up, UAPI at {1}, TUN offloads {2}, {3}",
        tun.name(),
        uapi.path(),
        offloads ? "on" : "off",
        bind.getClass().getSimpleName() + " (batch " + bind.batchSize() + ")");
    Thread hook =
        new Thread(
            () -> {
              log.log(
                  System.Logger.Level.INFO, "shutting down {0}{1}", tun.name(), offloadStats(tun));
              closeQuietly(uapi);
              device.close();
            });
    Runtime.getRuntime().addShutdownHook(hook);
    device.awaitClosed();
    log.log(System.Logger.Level.INFO, "interface {0} is gone; stopping", tun.name());
    closeQuietly(uapi);
    return 0;
  }

  /** Whether {@code choice} names a bind (null or blank: the default). */
  public static boolean isBindChoice(String choice) {
    return choice == null
        || choice.isBlank()
        || List.of("plain", "batch", "batch-nogso").contains(choice);
  }

  /**
   * The bind {@code choice} names (see {@link #BIND_ENV}). Without offloads the plain bind measured
   * faster through the tunnel than the batched one; with offloads the batched bind without GSO
   * measured fastest, because the receive loop hands the TUN whole batches to coalesce
   * (bench/README.md).
   */
  public static io.weft.wg.conn.Bind bind(String choice, boolean offloads) {
    String c = choice == null || choice.isBlank() ? (offloads ? "batch-nogso" : "plain") : choice;
    boolean batched = io.weft.wg.conn.linux.LinuxBatchUdpBind.isSupported();
    return switch (c) {
      case "batch" -> io.weft.wg.conn.Binds.defaultBind();
      case "batch-nogso" ->
          batched
              ? new io.weft.wg.conn.linux.LinuxBatchUdpBind(
                  io.weft.wg.conn.linux.LinuxBatchUdpBind.DEFAULT_BATCH_SIZE, false)
              : new io.weft.wg.conn.UdpBind();
      case "plain" -> new io.weft.wg.conn.UdpBind();
      default ->
          throw new IllegalArgumentException(
              BIND_ENV + "='" + choice + "': expected plain, batch or batch-nogso");
    };
  }

  private static String offloadStats(Tun tun) {
    if (tun instanceof io.weft.tun.linux.LinuxTun l && l.offloads()) {
      return "; TUN offloads: "
          + l.coalescedSegments()
          + " segments coalesced, "
          + l.offloadDrops()
          + " dropped, "
          + l.offloadRejects()
          + " refused by the kernel";
    }
    return "";
  }

  private static void closeQuietly(Tun t) {
    try {
      t.close();
    } catch (IOException e) {
      // best effort on the way out
    }
  }

  private static void closeQuietly(UapiServer s) {
    try {
      s.close();
    } catch (IOException e) {
      // best effort on the way out
    }
  }

  /** Starts {@code weft wg -f <name>} detached and waits for its socket, as wireguard-go does. */
  private int daemonize(PrintWriter err) throws IOException, InterruptedException {
    Path jar;
    try {
      jar = Path.of(WgCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IOException("cannot locate the weft jar", e);
    }
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(System.getProperty("java.home") + "/bin/java");
    Path logDir = Path.of("/var/log/weft");
    Files.createDirectories(logDir);
    File logFile = logDir.resolve(name + ".log").toFile();
    List<String> cmd = new ArrayList<>();
    if (new File("/usr/bin/setsid").canExecute()) {
      cmd.add("/usr/bin/setsid");
    }
    cmd.addAll(
        List.of(
            java,
            "--enable-native-access=ALL-UNNAMED",
            "-XX:+UseParallelGC",
            "-cp",
            jar.toString(),
            "io.weft.agent.cli.WeftCli",
            "wg",
            "-f",
            "--mtu",
            Integer.toString(mtu),
            "--uapi-dir",
            uapiDir.toString(),
            name));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put(DAEMON_ENV, "1");
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile));
    pb.redirectErrorStream(true);
    Process child = pb.start();
    Path sock = uapiDir.resolve(name + ".sock");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() - deadline < 0) {
      if (Files.exists(sock) && Files.exists(Path.of("/sys/class/net", name))) {
        return 0;
      }
      if (child.waitFor(50, TimeUnit.MILLISECONDS)) {
        err.println(
            "weft wg: the interface process exited with status "
                + child.exitValue()
                + "; see "
                + logFile);
        return 1;
      }
    }
    err.println("weft wg: the interface did not come up within 30 s; see " + logFile);
    child.destroy();
    return 1;
  }
}
