package io.weft.agent.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.agent.mesh.MeshNet.Node;
import io.weft.agent.mesh.MeshNet.Output;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Traffic between mesh nodes with the kernel's own tools: {@code ping} through the tunnels, and 10
 * MB over TCP with {@code socat} (a listener bound to the receiver's mesh address writes a file,
 * the sender streams the file), compared by SHA-256.
 */
final class MeshTraffic {
  static final int TRANSFER_BYTES = 10 << 20;
  static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(60);

  private final MeshNet mesh;
  private final Path source;
  private final String sourceSha256;
  private final AtomicInteger ports = new AtomicInteger(7000);
  private final AtomicInteger files = new AtomicInteger();

  MeshTraffic(MeshNet mesh) throws IOException {
    this.mesh = mesh;
    byte[] data = new byte[TRANSFER_BYTES];
    new Random(7).nextBytes(data);
    source = mesh.dir().resolve("10MB.bin");
    Files.write(source, data);
    sourceSha256 = sha256(source);
  }

  /**
   * Pings {@code to} from {@code from}'s namespace (a few echoes, all within 5 s); asserts a reply.
   */
  void ping(Node from, Node to, String toIp) throws Exception {
    Output o = from.inNs("ping", "-c", "3", "-i", "0.2", "-w", "5", toIp);
    assertThat(o.exit())
        .as(
            "ping %s -> %s (%s):%n%s%n--- %s's daemon:%n%s%n--- %s's daemon:%n%s",
            from,
            to,
            toIp,
            o.both(),
            from,
            MeshNet.tail(from.daemonLog()),
            to,
            MeshNet.tail(to.daemonLog()))
        .isZero();
  }

  /**
   * The first echo reply: when it came (since the caller's instant) and which request it answered
   * (1 = the first).
   */
  record FirstReply(long nanos, int seq) {}

  /**
   * Pings {@code toIp} every 50 ms until the first reply; returns when that came, in nanoseconds
   * since {@code sinceNanos} ({@link System#nanoTime()}), or null without a reply within {@code
   * limit}.
   */
  FirstReply firstReply(Node from, String toIp, long sinceNanos, Duration limit) throws Exception {
    Output o =
        from.inNs("ping", "-c", "1", "-i", "0.05", "-w", Long.toString(limit.toSeconds()), toIp);
    long at = System.nanoTime() - sinceNanos;
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("icmp_seq=(\\d+)").matcher(o.stdout());
    return o.exit() == 0 ? new FirstReply(at, m.find() ? Integer.parseInt(m.group(1)) : -1) : null;
  }

  /** Whether a single echo to {@code toIp} gets a reply within 300 ms. */
  boolean answers(Node from, String toIp) throws Exception {
    return from.inNs("ping", "-c", "1", "-W", "0.3", toIp).exit() == 0;
  }

  /**
   * Moves 10 MB from {@code from} to {@code to} over TCP and checks the hash; returns the time
   * taken.
   */
  Duration transfer(Node from, Node to, String toIp) throws Exception {
    return start(from, to, toIp).finish();
  }

  /** Starts a 10 MB TCP transfer; {@link Transfer#finish()} waits for it and checks the hash. */
  Transfer start(Node from, Node to, String toIp) throws Exception {
    int port = ports.incrementAndGet();
    Path received = mesh.dir().resolve("received-" + files.incrementAndGet() + ".bin");
    String tag = from + "-to-" + to + "-" + port;
    Process receiver =
        mesh.start(
            "socat-recv-" + tag + ".log",
            "ip",
            "netns",
            "exec",
            to.ns,
            "socat",
            "-u",
            "TCP-LISTEN:" + port + ",bind=" + toIp + ",reuseaddr",
            "OPEN:" + received + ",creat,trunc");
    MeshNet.await(
        "socat listens on " + toIp + ":" + port + " in " + to,
        Duration.ofSeconds(10),
        () -> {
          try {
            return !receiver.isAlive()
                || to.inNs("ss", "-Hltn", "sport = :" + port).stdout().contains(":" + port);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
    assertThat(receiver.isAlive())
        .as("socat listener %s:%n%s", tag, mesh.net.log("socat-recv-" + tag + ".log"))
        .isTrue();
    long started = System.nanoTime();
    Process sender =
        mesh.start(
            "socat-send-" + tag + ".log",
            "ip",
            "netns",
            "exec",
            from.ns,
            "socat",
            "-u",
            "FILE:" + source,
            "TCP:" + toIp + ":" + port + ",connect-timeout=10");
    return new Transfer(tag, sender, receiver, received, started);
  }

  /** One transfer in flight. */
  final class Transfer {
    final String tag;
    final long startedNanos;
    private final Process sender;
    private final Process receiver;
    private final Path received;
    private long finishedNanos;

    Transfer(String tag, Process sender, Process receiver, Path received, long startedNanos) {
      this.tag = tag;
      this.sender = sender;
      this.receiver = receiver;
      this.received = received;
      this.startedNanos = startedNanos;
    }

    /** Waits for both ends (bounded), asserts both exited 0 and the bytes arrived intact. */
    Duration finish() throws Exception {
      boolean sent = sender.waitFor(TRANSFER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      boolean got = sent && receiver.waitFor(10, TimeUnit.SECONDS);
      finishedNanos = System.nanoTime();
      String logs =
          "sender: "
              + mesh.net.log("socat-send-" + tag + ".log")
              + "\nreceiver: "
              + mesh.net.log("socat-recv-" + tag + ".log");
      assertThat(sent && got)
          .as("transfer %s finished within %s; %s", tag, TRANSFER_TIMEOUT, logs)
          .isTrue();
      assertThat(sender.exitValue()).as("sender %s; %s", tag, logs).isZero();
      assertThat(receiver.exitValue()).as("receiver %s; %s", tag, logs).isZero();
      assertThat(Files.size(received)).as("bytes received by %s", tag).isEqualTo(TRANSFER_BYTES);
      assertThat(sha256(received)).as("SHA-256 of what %s received", tag).isEqualTo(sourceSha256);
      Files.delete(received);
      return Duration.ofNanos(finishedNanos - startedNanos);
    }

    /** When {@link #finish()} returned ({@link System#nanoTime()}). */
    long finishedNanos() {
      return finishedNanos;
    }
  }

  /** Something done to the mesh while traffic flows. */
  @FunctionalInterface
  interface Disruption {
    void run() throws Exception;
  }

  /**
   * How many transfers ran across a disruption, how many were in flight during it, and how long it
   * took.
   */
  record Across(int transfers, long overlapping, Duration disruption) {}

  /**
   * Moves 10 MB between {@code a} and {@code b} back to back (alternating direction, each checked
   * by hash) from before {@code disruption} starts until two transfers that began after it ended
   * have completed; asserts that at least one transfer was in flight while it ran.
   */
  Across transfersAcross(Node a, String aIp, Node b, String bIp, Disruption disruption)
      throws Exception {
    AtomicBoolean disrupting = new AtomicBoolean(true);
    List<long[]> intervals = Collections.synchronizedList(new ArrayList<>());
    long start;
    long end;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<?> load =
          pool.submit(
              () -> {
                int after = 0;
                for (int i = 0; i < 200 && after < 2; i++) {
                  boolean startedDuring = disrupting.get();
                  Transfer t = i % 2 == 0 ? start(a, b, bIp) : start(b, a, aIp);
                  t.finish();
                  intervals.add(new long[] {t.startedNanos, t.finishedNanos()});
                  after += startedDuring ? 0 : 1;
                }
                return null;
              });
      MeshNet.await(
          "a first transfer between " + a + " and " + b,
          Duration.ofSeconds(60),
          () -> !intervals.isEmpty() || load.isDone());
      start = System.nanoTime();
      try {
        disruption.run();
      } finally {
        end = System.nanoTime();
        disrupting.set(false);
      }
      MeshNet.join(load);
    }
    long s0 = start;
    long e0 = end;
    long overlapping;
    synchronized (intervals) {
      overlapping = intervals.stream().filter(iv -> iv[0] < e0 && iv[1] > s0).count();
    }
    assertThat(overlapping)
        .as("transfers between %s and %s in flight during the disruption", a, b)
        .isPositive();
    return new Across(intervals.size(), overlapping, Duration.ofNanos(end - start));
  }

  static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
