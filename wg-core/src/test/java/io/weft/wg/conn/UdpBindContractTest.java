package io.weft.wg.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.testing.Prerequisites;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@link BindContractTest} plus what a bind over real UDP sockets must do: IPv6, UAPI endpoint
 * syntax, and no allocation per datagram.
 */
public abstract class UdpBindContractTest extends BindContractTest {
  @ParameterizedTest
  @EnumSource(Buffers.class)
  void shouldDeliverABatchOverIpv6LoopbackWithExactContentsAndSource(Buffers kind)
      throws Exception {
    if (!ipv6LoopbackWorks()) {
      Prerequisites.unmet("IPv6 loopback (::1)");
    }
    shouldDeliverBatch("::1", kind);
  }

  @Test
  void shouldParseEndpointsInUapiSyntax() {
    final Bind bind = newBind();
    assertThat(bind.parseEndpoint("192.0.2.1:51820").destination())
        .isEqualTo(new InetSocketAddress("192.0.2.1", 51820));
    assertThat(bind.parseEndpoint("[2001:db8::1]:1").destinationString())
        .isEqualTo("[2001:db8:0:0:0:0:0:1]:1");
    assertThat(bind.parseEndpoint("192.0.2.1:51820"))
        .isEqualTo(bind.parseEndpoint("192.0.2.1:51820"));
    assertThatThrownBy(() -> bind.parseEndpoint("2001:db8::1:1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> bind.parseEndpoint("192.0.2.1:0"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> bind.parseEndpoint("192.0.2.1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @EnumSource(Buffers.class)
  void shouldNotAllocatePerDatagramInSteadyState(Buffers kind) throws Exception {
    final Bind sender = opened(0);
    final Bind receiver = opened(0);
    final Endpoint to = sender.parseEndpoint("127.0.0.1:" + portOf(receiver));
    final int batch = 32;
    final ByteBuffer[] out = new ByteBuffer[batch];
    for (int i = 0; i < batch; i++) {
      out[i] = kind.allocate(1420).put(datagram(i, 1420)).flip();
    }
    final int rb = receiver.batchSize();
    final ByteBuffer[] in = new ByteBuffer[rb];
    for (int i = 0; i < rb; i++) {
      in[i] = kind.allocate(BUFFER_CAPACITY);
    }
    final int[] sizes = new int[rb];
    final Endpoint[] sources = new Endpoint[rb];
    final Runnable rounds =
        () -> {
          try {
            for (int round = 0; round < 1_000; round++) {
              for (ByteBuffer b : out) {
                b.position(0);
              }
              sender.send(out, batch, to);
              for (int got = 0; got < batch; ) {
                got += receiver.receive(in, sizes, sources);
              }
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        };
    rounds.run(); // warm up: caches, staging, JIT
    rounds.run();
    final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    final long before = threads.getCurrentThreadAllocatedBytes();
    rounds.run();
    final long perDatagram = (threads.getCurrentThreadAllocatedBytes() - before) / (1_000L * batch);
    assertThat(perDatagram).as("bytes allocated per datagram").isLessThanOrEqualTo(1);
  }

  private static boolean ipv6LoopbackWorks() {
    try (DatagramChannel ch = DatagramChannel.open()) {
      ch.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  @Test
  void shouldNameAReceivedSourceByTheSameIdentityAsItsParsedEndpoint() throws Exception {
    final Bind sender = opened(0);
    final Bind receiver = opened(0);
    for (String host : new String[] {"127.0.0.1", "[::1]"}) {
      sendBatch(
          sender,
          List.of(datagram(1, 10)),
          Buffers.HEAP,
          sender.parseEndpoint(host + ":" + portOf(receiver)));
      final Endpoint source = receive(receiver, 1, Buffers.HEAP).getFirst().source();
      final Endpoint parsed = receiver.parseEndpoint(host + ":" + portOf(sender));
      assertThat(source.identity())
          .as("address then port, as parsed: roaming compares these")
          .isEqualTo(parsed.identity());
      assertThat(source.sameIdentity(parsed)).isTrue();
      assertThat(source.sameIdentity(receiver.parseEndpoint(host + ":" + (portOf(sender) ^ 1))))
          .isFalse();
      assertThat(source.sourceAddress()).hasSize(host.startsWith("[") ? 16 : 4);
    }
  }
}
