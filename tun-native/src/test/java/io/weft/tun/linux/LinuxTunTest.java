package io.weft.tun.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.testing.NativeThreads;
import io.weft.testing.Prerequisites;
import io.weft.testing.netns.NetworkNamespace;
import io.weft.wg.testing.BlockingReader;
import io.weft.wg.testing.IpPackets;
import io.weft.wg.testing.TunContract;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LinuxTun} against the real kernel, inside a network namespace each test creates (and
 * deletes, with everything in it, afterwards). Needs root; {@link Prerequisites} skips it on a
 * laptop and fails it under {@code CI=true}.
 *
 * <p>Layout: the TUN is {@code 10.201.0.1/24}; the kernel routes {@code 10.201.0.0/24} to it, so
 * anything sent to {@code 10.201.0.2} (the "peer") comes out of {@link Tun#read}, and packets
 * written from {@code 10.201.0.2} to {@code 10.201.0.1} are delivered to local sockets.
 */
class LinuxTunTest extends TunContract {
  private static final String LOCAL = "10.201.0.1";
  private static final String PEER = "10.201.0.2";
  private static final int SINK_PORT = 5002;
  private static final int MTU = 1420;

  private NetworkNamespace ns;
  private LinuxTun tun;
  private DatagramChannel sender;
  private DatagramChannel sink;
  private Selector selector;
  private Process process;

  @BeforeEach
  void openTunInFreshNamespace() throws Exception {
    Prerequisites.requireRootAndTools("ping");
    ns =
        NetworkNamespace.create(
            "weft-tun-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
    tun =
        ns.call(
            () -> {
              // No IPv6 on new interfaces: no router solicitations or MLD reports in the reads.
              Files.writeString(Path.of("/proc/sys/net/ipv6/conf/default/disable_ipv6"), "1");
              final LinuxTun t =
                  LinuxTun.open("wt%d", MTU, LinuxTun.DEFAULT_BATCH_SIZE, offloads());
              IpRoute2.addAddress(t.name(), LOCAL + "/24");
              return t;
            });
    sender = ns.call(DatagramChannel::open);
    sink = ns.call(() -> DatagramChannel.open().bind(new InetSocketAddress(LOCAL, SINK_PORT)));
    sink.configureBlocking(false);
    selector = Selector.open();
    sink.register(selector, SelectionKey.OP_READ);
  }

  @AfterEach
  void closeEverything() throws Exception {
    try {
      if (process != null) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
      for (AutoCloseable c : new AutoCloseable[] {tun, sender, sink, selector}) {
        if (c != null) {
          c.close();
        }
      }
    } finally {
      if (ns != null) {
        ns.close();
      }
    }
  }

  /** Whether the TUN under test is opened with offloads ({@link LinuxTunWithOffloadsTest}). */
  boolean offloads() {
    return false;
  }

  @Override
  protected Tun device() {
    return tun;
  }

  @Override
  protected Peer peer() {
    return new Peer() {
      @Override
      public void send(int first, int count) throws IOException {
        final ByteBuffer payload = ByteBuffer.allocate(4);
        final InetSocketAddress to = new InetSocketAddress(PEER, 5001);
        for (int seq = first; seq < first + count; seq++) {
          // Sent synchronously: when send returns, the packet sits in the TUN's queue.
          sender.send(payload.clear().putInt(0, seq), to);
        }
      }

      @Override
      public byte[] packetCarrying(int seq) {
        return IpPackets.udp4(address(PEER), 5001, address(LOCAL), SINK_PORT, seq);
      }

      @Override
      public List<Integer> receive(int count, Duration timeout) throws IOException {
        final List<Integer> seqs = new ArrayList<>();
        final ByteBuffer b = ByteBuffer.allocate(64);
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (seqs.size() < count && System.nanoTime() < deadline) {
          selector.select(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
          selector.selectedKeys().clear();
          while (sink.receive(b.clear()) != null) {
            seqs.add(b.getInt(0));
          }
        }
        return seqs;
      }
    };
  }

  @Test
  void shouldCreateTheInterfaceUpWithTheKernelChosenNameAndMtu() throws Exception {
    assertThat(tun.name()).matches("wt[0-9]+");
    final String link = IpRoute2.run("-n", ns.name(), "link", "show", "dev", tun.name());
    assertThat(link).contains("mtu " + MTU).contains(",UP");
  }

  @Test
  void shouldAnswerPingWithEchoRepliesWrittenToTheTun() throws Exception {
    final Thread responder =
        Thread.ofPlatform().name("echo-responder").daemon().start(this::answerEchoRequests);
    process =
        new ProcessBuilder(
                "ip", "netns", "exec", ns.name(), "ping", "-c", "3", "-i", "0.2", "-W", "2", PEER)
            .redirectErrorStream(true)
            .start();
    final boolean exited = process.waitFor(20, TimeUnit.SECONDS);
    final String output =
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(exited).as("ping finished").isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).contains("3 received");
    tun.close();
    responder.join(TimeUnit.SECONDS.toMillis(5));
    assertThat(responder.isAlive()).isFalse();
  }

  /** Reads until the device is closed, writing an echo reply for each echo request. */
  private void answerEchoRequests() {
    final ByteBuffer[] in = directBuffers(16);
    final int[] sizes = new int[16];
    final ByteBuffer[] out = directBuffers(16);
    try {
      for (; ; ) {
        final int n = tun.read(in, sizes, OFFSET);
        int replies = 0;
        for (int i = 0; i < n; i++) {
          final byte[] reply = IpPackets.echoReplyTo(in[i], OFFSET, sizes[i]);
          if (reply != null) {
            out[replies].clear().put(OFFSET, reply).limit(OFFSET + reply.length);
            replies++;
          }
        }
        tun.write(out, replies, OFFSET);
      }
    } catch (ClosedChannelException expected) {
      // The test is over.
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void shouldReadABurstFromTheKernelInFullBatches() throws Exception {
    final int burst = 300; // below the TUN's queue of 500 (txqueuelen), so none is dropped
    final ByteBuffer[] bufs = directBuffers(64);
    final int[] sizes = new int[64];
    peer().send(0, burst);

    final List<Integer> counts = new ArrayList<>();
    final List<Integer> seen = new ArrayList<>();
    while (seen.size() < burst) {
      final int n = tun.read(bufs, sizes, OFFSET);
      counts.add(n);
      seen.addAll(seqs(bufs, sizes, n));
    }

    assertThat(counts).containsExactly(64, 64, 64, 64, 44);
    assertThat(seen).isEqualTo(range(0, burst));
  }

  @Test
  void shouldReportADeletedInterfaceToABlockedReaderAsIOException() throws Exception {
    try (BlockingReader reader = new BlockingReader(tun, 4, OFFSET)) {
      NativeThreads.awaitBlockedInPoll(reader.tid(), TIMEOUT);

      IpRoute2.run("-n", ns.name(), "link", "del", "dev", tun.name());

      final Throwable failure = reader.failure(TIMEOUT);
      assertThat(failure)
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(ClosedChannelException.class);
      assertThat(failure).hasMessageContaining("deleted");
    }
    assertThatThrownBy(() -> tun.write(directBuffers(1), 1, OFFSET))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("deleted");
  }

  @Test
  void shouldDropAPacketThatIsNotIpAndWriteTheRest() throws Exception {
    final ByteBuffer[] bufs = directBuffers(3);
    final byte[] notIp = new byte[28]; // version nibble 0
    final byte[][] packets = {peer().packetCarrying(1), notIp, peer().packetCarrying(3)};
    for (int i = 0; i < 3; i++) {
      bufs[i].put(OFFSET, packets[i]).limit(OFFSET + packets[i].length);
    }

    assertThat(tun.write(bufs, 3, OFFSET)).isEqualTo(2);
    assertThat(peer().receive(2, TIMEOUT)).containsExactly(1, 3);
  }

  @Test
  void shouldExplainWhyTheKernelRefusesAName() throws Exception {
    assertThatThrownBy(() -> ns.call(() -> LinuxTun.open(tun.name(), MTU)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("TUNSETIFF")
        .hasMessageContaining(tun.name())
        .hasMessageContaining("Device or resource busy");
  }

  @Test
  void shouldReportWritesToALinkSetDownAsIOException() throws Exception {
    IpRoute2.run("-n", ns.name(), "link", "set", "dev", tun.name(), "down");
    final ByteBuffer[] bufs = directBuffers(1);
    final byte[] p = peer().packetCarrying(1);
    bufs[0].put(OFFSET, p).limit(OFFSET + p.length);

    assertThatThrownBy(() -> tun.write(bufs, 1, OFFSET))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("down");
  }

  @Test
  void shouldQuoteTheCommandWhenIpRoute2Fails() throws Exception {
    assertThatThrownBy(
            () ->
                ns.call(
                    () -> {
                      IpRoute2.addRoute("wt-missing", "10.9.0.0/16");
                      return null;
                    }))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("route add 10.9.0.0/16 dev wt-missing")
        .hasMessageContaining("exit");
  }

  @Test
  void shouldAddARouteThatSendsItsTrafficIntoTheTun() throws Exception {
    ns.call(
        () -> {
          IpRoute2.addRoute(tun.name(), "10.77.0.0/16");
          return null;
        });
    sender.send(ByteBuffer.allocate(4).putInt(0, 77), new InetSocketAddress("10.77.1.1", 9));

    final ByteBuffer[] bufs = directBuffers(1);
    final int[] sizes = new int[1];
    assertThat(tun.read(bufs, sizes, OFFSET)).isEqualTo(1);
    assertThat(IpPackets.udpSeq(bufs[0], OFFSET, sizes[0])).isEqualTo(77);
  }

  private static byte[] address(String dotted) {
    try {
      return InetAddress.getByName(dotted).getAddress();
    } catch (IOException e) {
      throw new IllegalArgumentException(dotted, e);
    }
  }
}
