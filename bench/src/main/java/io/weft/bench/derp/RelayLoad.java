package io.weft.bench.derp;

import io.weft.derp.NodeKey;
import io.weft.derp.client.DerpClient;
import io.weft.wg.key.NoisePrivateKey;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Load for one DERP relay (Weft's or derper), used by {@code bench/derp-vs-derper.sh}: PAIRS
 * sender/receiver pairs push 1,400-byte packets for SECONDS with at most WINDOW in flight per pair
 * (as derpprobe does, so the relay's 32-deep queues do not drop), then IDLE clients connect and
 * stay idle. Prints packets/s, payload Gbit/s, the relay's CPU per packet and RSS per idle client
 * (from /proc/PID of the relay).
 *
 * <p>Usage: {@code RelayLoad URL RELAY_PID PAIRS SECONDS IDLE}
 */
public final class RelayLoad {
  static final int SIZE = 1400;
  static final int WINDOW = 24;

  public static void main(String[] a) throws Exception {
    URI url = URI.create(a[0]);
    long pid = Long.parseLong(a[1]);
    int pairs = Integer.parseInt(a[2]);
    int seconds = Integer.parseInt(a[3]);
    int idle = Integer.parseInt(a[4]);
    SecureRandom rnd = new SecureRandom();
    List<DerpClient> all = new ArrayList<>();
    AtomicLong[] received = new AtomicLong[pairs];
    DerpClient[] senders = new DerpClient[pairs];
    NodeKey[] dst = new NodeKey[pairs];
    for (int i = 0; i < pairs; i++) {
      AtomicLong r = new AtomicLong();
      received[i] = r;
      DerpClient rc =
          DerpClient.connect(
              url,
              NoisePrivateKey.generate(rnd),
              DerpClient.Options.defaults(),
              (src, buf, off, len) -> r.incrementAndGet());
      senders[i] =
          DerpClient.connect(
              url,
              NoisePrivateKey.generate(rnd),
              DerpClient.Options.defaults(),
              (src, buf, off, len) -> {});
      dst[i] = rc.publicKey();
      all.add(rc);
      all.add(senders[i]);
    }
    byte[] p = new byte[SIZE];
    long cpu0 = cpuTicks(pid);
    long t0 = System.nanoTime();
    long end = t0 + seconds * 1_000_000_000L;
    List<Thread> ts = new ArrayList<>();
    long[] sent = new long[pairs];
    for (int i = 0; i < pairs; i++) {
      final int k = i;
      ts.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    long s = 0;
                    try {
                      while (System.nanoTime() < end) {
                        while (s - received[k].get() >= WINDOW) {
                          if (System.nanoTime() > end) {
                            break;
                          }
                          LockSupport.parkNanos(20_000);
                        }
                        senders[k].send(dst[k], p, 0, SIZE);
                        s++;
                      }
                    } catch (IOException e) {
                      System.err.println("sender " + k + ": " + e);
                    }
                    sent[k] = s;
                  }));
    }
    for (Thread t : ts) {
      t.join();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    long cpu1 = cpuTicks(pid);
    long got = 0;
    long tried = 0;
    for (int i = 0; i < pairs; i++) {
      got += received[i].get();
      tried += sent[i];
    }
    double pps = got / secs;
    double cpuUsPerPkt = got == 0 ? 0 : (cpu1 - cpu0) * 10_000.0 / got; // 100 ticks/s
    System.out.printf(
        "packets/s %.0f  Gbit/s %.3f  relay CPU us/packet %.2f  delivered %d of %d%n",
        pps, pps * SIZE * 8 / 1e9, cpuUsPerPkt, got, tried);
    long rss0 = rssKb(pid);
    for (int i = 0; i < idle; i++) {
      all.add(
          DerpClient.connect(
              url,
              NoisePrivateKey.generate(rnd),
              DerpClient.Options.defaults(),
              (src, buf, off, len) -> {}));
    }
    Thread.sleep(3000); // let the relay settle before reading its RSS
    long rss1 = rssKb(pid);
    System.out.printf(
        "idle clients %d  relay RSS per idle client %.1f KiB%n",
        idle, idle == 0 ? 0.0 : (rss1 - rss0) / (double) idle);
    all.forEach(DerpClient::close);
  }

  static long cpuTicks(long pid) throws IOException {
    String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  static long rssKb(long pid) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
