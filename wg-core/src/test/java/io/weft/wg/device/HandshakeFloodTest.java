package io.weft.wg.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.wg.conn.UdpBind;
import io.weft.wg.crypto.Blake2s;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.testing.MemoryTun;
import io.weft.wg.testing.Packets;
import io.weft.wg.time.NanoClock;
import io.weft.wg.wire.Messages;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A flood of handshake initiations with valid mac1 from many source ports (at least 10,000 per
 * second): the device goes under load and answers with cookie replies instead of doing
 * Diffie-Hellman, while the established session with the real peer keeps carrying traffic.
 */
class HandshakeFloodTest {
  static final int FLOOD = 30_000;

  /** The flood's pace: above the 10,000/s the issue asks for, below what loopback drops. */
  static final int RATE = 20_000;

  static final int SOURCES = 64;

  @Test
  void shouldAnswerAFloodWithCookiesAndKeepTheRealSessionWorking() throws Exception {
    SecureRandom r = new SecureRandom();
    NoisePrivateKey ka = NoisePrivateKey.generate(r);
    NoisePrivateKey kb = NoisePrivateKey.generate(r);
    byte[] ipA = Packets.v4(10, 0, 0, 1);
    byte[] ipB = Packets.v4(10, 0, 0, 2);
    MemoryTun tunA = new MemoryTun(1420);
    MemoryTun tunB = new MemoryTun(1420);
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (Device a = new Device(tunA, new UdpBind(), NanoClock.SYSTEM, System.getLogger("t"));
        Device b = new Device(tunB, new UdpBind(), NanoClock.SYSTEM, System.getLogger("t"))) {
      a.setPrivateKey(ka);
      b.setPrivateKey(kb);
      a.up(false);
      b.up(false);
      Peer pb = a.addPeer(kb.publicKey());
      Peer pa = b.addPeer(ka.publicKey());
      a.addAllowedIp(pb, ipB, 32);
      b.addAllowedIp(pa, ipA, 32);
      pb.setEndpoint(a.parseEndpoint("127.0.0.1:" + b.listenPort()));
      byte[] first = Packets.udp4(ipA, ipB, 1, 2, "before".getBytes());
      tunA.inject(first);
      assertThat(tunB.take(10)).isEqualTo(first);

      // Initiations with a valid mac1 for B (the key is public), random otherwise.
      byte[] mac1Key =
          new Blake2s()
              .update("mac1----".getBytes(StandardCharsets.US_ASCII))
              .update(kb.publicKey().toBytes())
              .doFinal();
      List<DatagramChannel> sources = new ArrayList<>();
      for (int i = 0; i < SOURCES; i++) {
        DatagramChannel ch = DatagramChannel.open();
        ch.bind(new InetSocketAddress("127.0.0.1", 0));
        sources.add(ch);
      }
      InetSocketAddress target = new InetSocketAddress("127.0.0.1", b.listenPort());
      Thread handshakeThread = b.thread("weft-handshake");
      long cpu0 = threads.getThreadCpuTime(handshakeThread.threadId());
      Random rnd = new Random(1);
      byte[] msg = new byte[Messages.INITIATION_SIZE];
      int delivered = 0;
      long start = System.nanoTime();
      for (int i = 0; i < FLOOD; i++) {
        // Pacing, not synchronisation: hold the rate at RATE initiations per second.
        while ((System.nanoTime() - start) * RATE / 1_000_000_000L < i) {
          Thread.onSpinWait();
        }
        rnd.nextBytes(msg);
        Messages.putType(msg, 0, Messages.TYPE_INITIATION);
        new Blake2s()
            .initKeyed(16, mac1Key, 0, 32)
            .update(msg, 0, Messages.INIT_MAC1)
            .doFinal(msg, Messages.INIT_MAC1);
        sources.get(i % SOURCES).send(ByteBuffer.wrap(msg), target);
        // Meanwhile the real peer keeps talking.
        if (i % 300 == 0) {
          tunA.inject(Packets.udp4(ipA, ipB, 1, 2, ("during " + i).getBytes()));
        }
      }
      long floodNanos = System.nanoTime() - start;
      long until = System.nanoTime() + 10_000_000_000L;
      while (delivered < FLOOD / 300 && System.nanoTime() - until < 0) {
        if (tunB.take(1) != null) {
          delivered++;
        }
      }
      // Let the queue drain, then measure what the flood cost the handshake thread.
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!b.handshakeQueue.isEmpty() && System.nanoTime() - deadline < 0) {
        LockSupport.parkNanos(10_000_000L);
      }
      long cpu = threads.getThreadCpuTime(handshakeThread.threadId()) - cpu0;
      for (DatagramChannel ch : sources) {
        ch.close();
      }
      Device.Stats s = b.stats();
      long handled =
          s.cookieRepliesSent.sum() + s.handshakeRejected.sum() + s.handshakeRateLimited.sum();
      double rate = FLOOD * 1e9 / floodNanos;
      System.out.printf(
          "flood: %d initiations at %.0f/s; cookie replies %d, full handshakes attempted %d, queue-full drops %d;"
              + " handshake thread CPU %.1f ms (%.1f us per handled message); session packets delivered %d/%d%n",
          FLOOD,
          rate,
          s.cookieRepliesSent.sum(),
          s.handshakeRejected.sum(),
          s.droppedHandshakeQueueFull.sum(),
          cpu / 1e6,
          cpu / 1e3 / Math.max(1, handled),
          delivered,
          FLOOD / 300);

      assertThat(rate).as("flood rate per second").isGreaterThanOrEqualTo(10_000);
      assertThat(s.cookieRepliesSent.sum()).as("cookie replies under load").isPositive();
      assertThat(s.handshakeRejected.sum())
          .as("initiations that reached Diffie-Hellman: only those before load was detected")
          .isLessThan(s.cookieRepliesSent.sum());
      assertThat(delivered)
          .as("the real session's packets during the flood")
          .isGreaterThanOrEqualTo(FLOOD / 300 * 95 / 100);
      byte[] after = Packets.udp4(ipA, ipB, 1, 2, "after".getBytes());
      tunA.inject(after);
      byte[] got;
      do {
        got = tunB.take(10);
      } while (got != null && !java.util.Arrays.equals(got, after));
      assertThat(got).isEqualTo(after);
    }
  }
}
