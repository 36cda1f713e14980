package io.weft.testing.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.testing.Prerequisites;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NetworkNamespace}: code passed to {@code call} runs in the namespace while the rest of the
 * JVM does not; a thread started inside stays there (Linux threads inherit the namespace of their
 * creator), and {@code close} refuses to pass over such a thread silently.
 */
class NetworkNamespaceTest {
  String name;

  @BeforeEach
  void requireRoot() {
    Prerequisites.requireRootAndTools("ip");
    name = "weft-ns-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  }

  static String netnsOfThisThread() throws Exception {
    return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
  }

  @Test
  void shouldRunSocketsAndCommandsInsideAndLeaveNoThreadThere() throws Exception {
    final String outside = netnsOfThisThread();
    try (NetworkNamespace ns = NetworkNamespace.create(name)) {
      final String inside =
          ns.call(
              () -> {
                NetworkNamespace.ip("link", "set", "lo", "up");
                return netnsOfThisThread();
              });
      assertThat(inside).isNotEqualTo(outside);
      // A datagram over the namespace's own loopback, sockets opened inside.
      try (DatagramChannel rx =
              ns.call(
                  () ->
                      DatagramChannel.open()
                          .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
          DatagramChannel tx = ns.call(DatagramChannel::open)) {
        tx.send(ByteBuffer.wrap(new byte[] {42}), rx.getLocalAddress());
        final ByteBuffer got = ByteBuffer.allocate(4);
        rx.receive(got);
        assertThat(got.flip().get()).isEqualTo((byte) 42);
      }
      // Only the namespace's own thread is in it (and process reapers, left out).
      assertThat(NetworkNamespace.threadsOutsideTheJvmNamespace())
          .singleElement()
          .asString()
          .contains(" netns-");
    }
    assertThat(NetworkNamespace.threadsOutsideTheJvmNamespace()).isEmpty();
    assertThat(Path.of("/run/netns", name)).doesNotExist();
  }

  @Test
  void shouldFailToCloseWhileAThreadStartedInsideIsStillInTheNamespace() throws Exception {
    final String outside = netnsOfThisThread();
    final CountDownLatch release = new CountDownLatch(1);
    final String[] probeNetns = new String[1];
    final NetworkNamespace ns = NetworkNamespace.create(name);
    final Thread probe =
        ns.call(
            () ->
                Thread.ofPlatform()
                    .name("nsleak-probe")
                    .daemon()
                    .start(
                        () -> {
                          try {
                            probeNetns[0] = netnsOfThisThread();
                            release.await(60, TimeUnit.SECONDS);
                          } catch (Exception e) {
                            Thread.currentThread().interrupt();
                          }
                        }));
    try {
      assertThat(NetworkNamespace.threadsOutsideTheJvmNamespace())
          .anyMatch(t -> t.endsWith(" nsleak-probe"));
      assertThatThrownBy(ns::close)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(name)
          .hasMessageContaining("nsleak-probe");
      // The namespace is deleted all the same; the thread keeps its (now unnamed) namespace.
      assertThat(Path.of("/run/netns", name)).doesNotExist();
      assertThat(NetworkNamespace.threadsOutsideTheJvmNamespace())
          .anyMatch(t -> t.endsWith(" nsleak-probe"));
    } finally {
      release.countDown();
      probe.join(TimeUnit.SECONDS.toMillis(30));
    }
    assertThat(probe.isAlive()).isFalse();
    assertThat(probeNetns[0]).isNotEqualTo(outside);
    // The OS task outlives the Java thread by a moment after join() returns: poll, bounded.
    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!NetworkNamespace.threadsOutsideTheJvmNamespace().isEmpty()
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(NetworkNamespace.threadsOutsideTheJvmNamespace()).isEmpty();
  }
}
