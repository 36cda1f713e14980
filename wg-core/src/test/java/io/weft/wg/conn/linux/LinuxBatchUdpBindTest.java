package io.weft.wg.conn.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Prerequisites;
import io.weft.wg.conn.Bind;
import io.weft.wg.conn.Binds;
import io.weft.wg.conn.Endpoint;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.conn.UdpBindContractTest;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link LinuxBatchUdpBind} against the {@link Bind} contract, and what only it does. */
class LinuxBatchUdpBindTest extends UdpBindContractTest {
  private boolean gso = true;

  @BeforeEach
  void requireLinux() {
    if (!LinuxBatchUdpBind.isSupported()) {
      Prerequisites.unmet("Linux with native access, for LinuxBatchUdpBind");
    }
  }

  @Override
  protected Bind newBind() {
    return new LinuxBatchUdpBind(LinuxBatchUdpBind.DEFAULT_BATCH_SIZE, gso);
  }

  @Test
  void shouldBeTheDefaultBindOnLinux() throws Exception {
    try (Bind b = Binds.defaultBind()) {
      assertThat(b).isInstanceOf(LinuxBatchUdpBind.class);
      assertThat(b.batchSize()).isEqualTo(64);
    }
  }

  @Test
  void shouldHandBackTheSameEndpointWhileTheSenderStaysTheSame() throws Exception {
    final Bind sender = opened(0);
    final Bind other = opened(0);
    final Bind receiver = opened(0);
    final Endpoint to = sender.parseEndpoint("127.0.0.1:" + portOf(receiver));
    sendBatch(sender, List.of(datagram(0, 10), datagram(1, 10)), Buffers.HEAP, to);
    sendBatch(other, List.of(datagram(2, 10)), Buffers.HEAP, to);
    sendBatch(sender, List.of(datagram(3, 10)), Buffers.HEAP, to);

    final List<Received> got = receive(receiver, 4, Buffers.HEAP);
    assertThat(got.get(1).source()).isSameAs(got.get(0).source());
    assertThat(got.get(3).source()).isSameAs(got.get(0).source());
    assertThat(got.get(2).source()).isNotEqualTo(got.get(0).source());
    assertThat(got.get(2).source().destination().getPort()).isEqualTo(portOf(other));
  }

  /** GSO runs: equal sizes, a shorter last one, size changes, runs longer than a message holds. */
  @ParameterizedTest(name = "gso={0}, {1}")
  @CsvSource({
    "true, heap",
    "true, direct",
    "false, heap",
    "false, direct",
  })
  void shouldSendMixedSizeBatchesIntactWithAndWithoutGso(boolean withGso, String kind)
      throws Exception {
    gso = withGso;
    final Buffers buffers = kind.equals("heap") ? Buffers.HEAP : Buffers.DIRECT;
    final LinuxBatchUdpBind sender = (LinuxBatchUdpBind) opened(0);
    final Bind receiver = opened(0);
    final List<byte[]> batch = new ArrayList<>();
    final int[] sizes = {1420, 1420, 1420, 500, 1420, 1420, 100, 100, 100, 1420, 3000, 3000, 2999};
    for (int i = 0; i < sizes.length; i++) {
      batch.add(datagram(i, sizes[i]));
    }
    for (int i = 0; i < 150; i++) { // more than one sendmmsg call, more than one GSO message
      batch.add(datagram(100 + i, 1452));
    }
    sendBatch(sender, batch, buffers, sender.parseEndpoint("127.0.0.1:" + portOf(receiver)));

    final List<Received> got = receive(receiver, batch.size(), buffers);
    for (int i = 0; i < batch.size(); i++) {
      assertThat(got.get(i).bytes()).as("datagram %d", i).isEqualTo(batch.get(i));
    }
    assertThat(sender.usesGso()).isEqualTo(withGso);
  }

  @Test
  void shouldSendFromTheBuffersPositionToItsLimit() throws Exception {
    final Bind sender = opened(0);
    final Bind receiver = opened(0);
    final ByteBuffer direct = ByteBuffer.allocateDirect(100).put(datagram(5, 100));
    direct.position(10).limit(60);
    final ByteBuffer heap = ByteBuffer.wrap(datagram(6, 100), 20, 30);
    final ByteBuffer readOnly = ByteBuffer.wrap(datagram(7, 100)).asReadOnlyBuffer().position(5);
    sender.send(
        new ByteBuffer[] {direct, heap, readOnly},
        3,
        sender.parseEndpoint("127.0.0.1:" + portOf(receiver)));

    final List<Received> got = receive(receiver, 3, Buffers.HEAP);
    assertThat(got.get(0).bytes())
        .isEqualTo(java.util.Arrays.copyOfRange(datagram(5, 100), 10, 60));
    assertThat(got.get(1).bytes())
        .isEqualTo(java.util.Arrays.copyOfRange(datagram(6, 100), 20, 50));
    assertThat(got.get(2).bytes())
        .isEqualTo(java.util.Arrays.copyOfRange(datagram(7, 100), 5, 100));
    assertThat(direct.position()).isEqualTo(60);
  }

  @Test
  void shouldSendToAnotherBindsEndpoint() throws Exception {
    final Bind sender = opened(0);
    final Bind receiver = opened(0);
    final Endpoint foreign = new UdpBind().parseEndpoint("127.0.0.1:" + portOf(receiver));
    sendBatch(sender, List.of(datagram(9, 99)), Buffers.HEAP, foreign);
    final Received got = receive(receiver, 1, Buffers.HEAP).getFirst();
    assertThat(got.bytes()).isEqualTo(datagram(9, 99));
    assertThat(got.source().destination())
        .isEqualTo(new InetSocketAddress("127.0.0.1", portOf(sender)));
  }
}
