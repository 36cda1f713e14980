package io.weft.netstack.linux;

import io.weft.netstack.NetStack;
import io.weft.netstack.NetStackConfig;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.phy.FaultInjector;
import io.weft.netstack.phy.PacketSink;
import io.weft.netstack.wire.IpAddress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace whose only link is a TUN device bridged to a {@link NetStack}: the kernel in
 * the namespace on one side, the stack on the other, nothing leaving the namespace. Processes
 * started in the namespace are tracked and killed by PID on {@link #close}, together with anything
 * else {@code ip netns pids} still finds there, and the namespace is deleted; namespaces left by a
 * test JVM that died are removed on the next start.
 *
 * <p>Loss is injected by one {@link FaultInjector} per direction (zero delay, so each packet is
 * handed on as soon as it survives); without loss packets bypass it.
 */
final class KernelNamespace implements AutoCloseable {
  static final String KERNEL4 = "10.77.0.1";
  static final String STACK4 = "10.77.0.2";
  static final String KERNEL6 = "fd77::1";
  static final String STACK6 = "fd77::2";
  static final int MTU = 1420;
  private static final String PREFIX = "weftns";

  private final String namespace;
  private final String device;
  private final LinuxTun tun;
  private final OffloadTun offloadTun;
  private final NetStack stack;
  private final Thread reader;
  private final List<Process> processes = new ArrayList<>();
  private volatile boolean running = true;
  private volatile FaultInjector outboundFaults;
  private volatile FaultInjector inboundFaults;

  /** Creates namespace {@code weftns<pid><tag>} with the TUN {@code weft<pid><tag>} in it. */
  KernelNamespace(String tag, NetStackConfig config) throws IOException, InterruptedException {
    this(tag, config, false);
  }

  /**
   * As above; with {@code offload} the TUN runs with the virtio header, checksum offload and TSO
   * ({@link OffloadTun}), so the kernel sends TCP super-segments of up to 64 KB (the stack's config
   * must accept packets that large).
   */
  KernelNamespace(String tag, NetStackConfig config, boolean offload)
      throws IOException, InterruptedException {
    final long pid = ProcessHandle.current().pid();
    removeStaleNamespaces();
    this.namespace = PREFIX + pid + tag;
    this.device = "weft" + pid + tag;
    this.tun = offload ? null : new LinuxTun(device);
    this.offloadTun = offload ? new OffloadTun(device) : null;
    boolean ok = false;
    try {
      run("ip", "netns", "add", namespace);
      run("ip", "link", "set", device, "netns", namespace);
      exec("ip", "link", "set", "lo", "up");
      exec("ip", "addr", "add", KERNEL4 + "/24", "dev", device);
      exec("ip", "addr", "add", KERNEL6 + "/64", "dev", device, "nodad");
      exec("ip", "link", "set", device, "mtu", String.valueOf(MTU), "up");
      ok = true;
    } finally {
      if (!ok) {
        closeTun();
        runQuietly("ip", "netns", "del", namespace);
      }
    }
    final byte[] out = new byte[MTU];
    final PacketSink toKernel =
        offload
            ? new OffloadTunSink(offloadTun)
            : (b, off, len) -> {
              b.get(off, out, 0, len);
              tun.write(out, len);
            };
    this.stack =
        new NetStack(
            config,
            new PacketSink() {
              @Override
              public void send(ByteBuffer b, int off, int len) {
                final FaultInjector f = outboundFaults;
                if (f == null) {
                  toKernel.send(b, off, len);
                } else {
                  // Called by the driver under the stack lock, so the injector sees one thread.
                  f.send(b, off, len);
                  f.deliver(System.nanoTime(), toKernel);
                }
              }

              @Override
              public int maxSegmentedPacket() {
                return toKernel.maxSegmentedPacket();
              }

              @Override
              public void sendSegmented(ByteBuffer b, int off, int len, int segmentSize) {
                // Super-segments from the stack skip the outbound fault injector.
                toKernel.sendSegmented(b, off, len, segmentSize);
              }
            });
    this.reader = Thread.ofPlatform().name("tun-reader-" + tag).daemon().start(this::readLoop);
  }

  /** The addresses and MTU this namespace expects of the stack's interface. */
  static InterfaceConfig interfaceConfig() {
    return InterfaceConfig.of(IpAddress.parse(STACK4), IpAddress.parse(STACK6)).withMtu(MTU);
  }

  private void readLoop() {
    final byte[] in = new byte[65536];
    final ByteBuffer wrapped = ByteBuffer.wrap(in);
    final PacketSink toStack = stack::deliver;
    try {
      while (running) {
        if (offloadTun != null) {
          final ByteBuffer frame = offloadTun.readBuffer();
          final int n = offloadTun.read(100);
          if (n <= OffloadTun.VNET_HDR_LEN) {
            continue;
          }
          NetstackIperf3Bridge.completeChecksum(frame, n);
          final FaultInjector f = inboundFaults;
          if (f == null) {
            stack.deliver(frame, OffloadTun.VNET_HDR_LEN, n - OffloadTun.VNET_HDR_LEN);
          } else {
            f.send(frame, OffloadTun.VNET_HDR_LEN, n - OffloadTun.VNET_HDR_LEN);
            f.deliver(System.nanoTime(), toStack);
          }
          continue;
        }
        final int n = tun.read(in, 100);
        if (n <= 0) {
          continue;
        }
        final FaultInjector f = inboundFaults;
        if (f == null) {
          stack.deliver(wrapped, 0, n);
        } else {
          f.send(wrapped, 0, n);
          f.deliver(System.nanoTime(), toStack);
        }
      }
    } catch (IOException e) {
      // device gone: stop
    }
  }

  NetStack stack() {
    return stack;
  }

  String name() {
    return namespace;
  }

  /**
   * Drops each packet with probability {@code loss} in each direction from now on, seeded; 0 turns
   * injection off.
   */
  void setLoss(double loss, long seed) {
    if (loss == 0) {
      outboundFaults = null;
      inboundFaults = null;
      return;
    }
    final FaultInjector.Faults faults = new FaultInjector.Faults(loss, 0, 0, 0, 0, 0);
    outboundFaults = new FaultInjector(faults, seed, System::nanoTime, MTU);
    inboundFaults = new FaultInjector(faults, seed + 1, System::nanoTime, 65536);
  }

  /** Runs a command in the namespace and fails unless it exits 0. */
  void exec(String... command) throws IOException, InterruptedException {
    run(inNamespace(command).toArray(String[]::new));
  }

  /** Starts a command in the namespace (stderr merged into stdout); killed on close. */
  Process start(String... command) throws IOException {
    final Process p = new ProcessBuilder(inNamespace(command)).redirectErrorStream(true).start();
    synchronized (processes) {
      processes.add(p);
    }
    return p;
  }

  /** Starts {@code sh -c script} in the namespace; killed on close. */
  Process shell(String script) throws IOException {
    return start("sh", "-c", script);
  }

  /** Waits for {@code p} to exit 0 within {@code seconds} and returns its output. */
  static String await(Process p, long seconds) throws IOException, InterruptedException {
    final byte[][] output = new byte[1][];
    final Thread drain =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    output[0] = p.getInputStream().readAllBytes();
                  } catch (IOException e) {
                    output[0] = new byte[0];
                  }
                });
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new IOException(
          p.info().commandLine().orElse("process") + " still running after " + seconds + " s");
    }
    drain.join(5000);
    final String text = output[0] == null ? "" : new String(output[0], StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(
          p.info().commandLine().orElse("process") + " exited " + p.exitValue() + ": " + text);
    }
    return text;
  }

  private List<String> inNamespace(String... command) {
    final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(List.of(command));
    return full;
  }

  private void closeTun() {
    if (tun != null) {
      tun.close();
    }
    if (offloadTun != null) {
      offloadTun.close();
    }
  }

  @Override
  public void close() {
    running = false;
    synchronized (processes) {
      for (Process p : processes) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
    killNamespacePids(namespace);
    try {
      reader.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stack.close();
    closeTun();
    runQuietly("ip", "netns", "del", namespace);
  }

  /** Kills, by PID, every process still in {@code name}. */
  private static void killNamespacePids(String name) {
    try {
      final Process p =
          new ProcessBuilder("ip", "netns", "pids", name).redirectErrorStream(true).start();
      final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      p.waitFor(5, TimeUnit.SECONDS);
      for (String line : out.split("\\s+")) {
        if (line.matches("\\d+")) {
          ProcessHandle.of(Long.parseLong(line)).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    } catch (IOException | InterruptedException e) {
      // best effort cleanup
    }
  }

  /** Deletes namespaces {@code weftns<pid>...} whose creating JVM is gone. */
  private static void removeStaleNamespaces() {
    try {
      final Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
      final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      p.waitFor(5, TimeUnit.SECONDS);
      for (String line : out.split("\n")) {
        final String name = line.split(" ")[0];
        if (!name.startsWith(PREFIX)) {
          continue;
        }
        final String digits = name.substring(PREFIX.length()).replaceAll("\\D.*$", "");
        if (!digits.isEmpty() && ProcessHandle.of(Long.parseLong(digits)).isEmpty()) {
          killNamespacePids(name);
          runQuietly("ip", "netns", "del", name);
        }
      }
    } catch (IOException | InterruptedException | NumberFormatException e) {
      // best effort cleanup
    }
  }

  private static void run(String... command) throws IOException, InterruptedException {
    final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }

  private static void runQuietly(String... command) {
    try {
      new ProcessBuilder(command).redirectErrorStream(true).start().waitFor(5, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      // best effort cleanup
    }
  }
}
