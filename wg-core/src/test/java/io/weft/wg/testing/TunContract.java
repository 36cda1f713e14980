package io.weft.wg.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.testing.NativeThreads;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Tun} must do, run once per implementation. A subclass opens the device before
 * each test and supplies a {@link Peer}: whatever sits on the other side of the device (the kernel
 * in a network namespace, a socket pair, an in-memory ring).
 */
public abstract class TunContract {
  protected static final int OFFSET = 16;
  protected static final int BUFFER_SIZE = OFFSET + 2048;
  protected static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final byte HEADROOM_MARK = 0x5a;

  /** The device under test, open. */
  protected abstract Tun device();

  /** The other side of the device. */
  protected abstract Peer peer();

  /**
   * Waits (bounded) until {@code reader} is blocked waiting for a packet: by default asleep in
   * {@code poll(2)}; a device that parks in Java overrides this with {@code Await.untilParked}.
   */
  protected void awaitBlocked(BlockingReader reader) throws Exception {
    NativeThreads.awaitBlockedInPoll(reader.tid(), TIMEOUT);
  }

  /** The far side of a device. */
  public interface Peer {
    /**
     * Makes the device receive IPv4/UDP packets whose payloads are {@code first} to {@code first +
     * count - 1}, in order; returns once all of them are queued at the device.
     */
    void send(int first, int count) throws Exception;

    /** An IPv4/UDP packet carrying {@code seq} that, written to the device, reaches this peer. */
    byte[] packetCarrying(int seq);

    /** The sequence numbers of the next {@code count} packets written to the device, in order. */
    List<Integer> receive(int count, Duration timeout) throws Exception;
  }

  protected static ByteBuffer[] directBuffers(int count) {
    final ByteBuffer[] bufs = new ByteBuffer[count];
    for (int i = 0; i < count; i++) {
      bufs[i] = ByteBuffer.allocateDirect(BUFFER_SIZE);
    }
    return bufs;
  }

  protected static List<Integer> seqs(ByteBuffer[] bufs, int[] sizes, int n) {
    final List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(IpPackets.udpSeq(bufs[i], OFFSET, sizes[i]));
    }
    return out;
  }

  @Test
  void shouldReadAPacketAtTheOffsetLeavingPositionLimitAndHeadroomAlone() throws Exception {
    final ByteBuffer[] bufs = directBuffers(4);
    for (ByteBuffer b : bufs) {
      for (int i = 0; i < OFFSET; i++) {
        b.put(i, HEADROOM_MARK);
      }
      b.position(3).limit(100);
    }
    final int[] sizes = new int[4];
    peer().send(7, 1);

    final int n = device().read(bufs, sizes, OFFSET);

    assertThat(n).isEqualTo(1);
    assertThat(IpPackets.udpSeq(bufs[0], OFFSET, sizes[0])).isEqualTo(7);
    assertThat(bufs[0].position()).isEqualTo(3);
    assertThat(bufs[0].limit()).isEqualTo(100);
    for (int i = 0; i < OFFSET; i++) {
      assertThat(bufs[0].get(i)).as("headroom byte %d", i).isEqualTo(HEADROOM_MARK);
    }
  }

  @Test
  void shouldDrainEveryReadyPacketInOneReadUpToTheBufferCount() throws Exception {
    final ByteBuffer[] bufs = directBuffers(8);
    final int[] sizes = new int[8];
    peer().send(0, 20);

    final List<Integer> counts = new ArrayList<>();
    final List<Integer> seen = new ArrayList<>();
    while (seen.size() < 20) {
      final int n = device().read(bufs, sizes, OFFSET);
      counts.add(n);
      seen.addAll(seqs(bufs, sizes, n));
    }

    assertThat(counts).containsExactly(8, 8, 4);
    assertThat(seen).isEqualTo(range(0, 20));
  }

  @Test
  void shouldWritePacketsFromTheOffsetToTheLimit() throws Exception {
    final ByteBuffer[] bufs = directBuffers(3);
    for (int i = 0; i < 3; i++) {
      final byte[] p = peer().packetCarrying(100 + i);
      bufs[i].put(OFFSET, p).limit(OFFSET + p.length).position(5);
    }

    final int written = device().write(bufs, 3, OFFSET);

    assertThat(written).isEqualTo(3);
    assertThat(peer().receive(3, TIMEOUT)).containsExactly(100, 101, 102);
    assertThat(bufs[0].position()).isEqualTo(5);
  }

  @Test
  void shouldReadAndWriteHeapBuffers() throws Exception {
    final ByteBuffer[] in = {ByteBuffer.allocate(BUFFER_SIZE), ByteBuffer.allocate(BUFFER_SIZE)};
    final int[] sizes = new int[2];
    peer().send(40, 2);
    final List<Integer> seen = new ArrayList<>();
    while (seen.size() < 2) {
      seen.addAll(seqs(in, sizes, device().read(in, sizes, OFFSET)));
    }
    assertThat(seen).containsExactly(40, 41);

    // A slice, so the backing array has an offset the device must honour.
    final byte[] p = peer().packetCarrying(42);
    final ByteBuffer out = ByteBuffer.allocate(BUFFER_SIZE + 7).position(7).slice();
    out.put(OFFSET, p).limit(OFFSET + p.length);
    assertThat(device().write(new ByteBuffer[] {out}, 1, OFFSET)).isEqualTo(1);
    assertThat(peer().receive(1, TIMEOUT)).containsExactly(42);
  }

  @Test
  void shouldWakeABlockedReaderWithClosedChannelExceptionOnClose() throws Exception {
    try (BlockingReader reader = new BlockingReader(device(), 4, OFFSET)) {
      awaitBlocked(reader);

      device().close();

      assertThat(reader.failure(TIMEOUT)).isInstanceOf(ClosedChannelException.class);
    }
  }

  @Test
  void shouldReturnNoPacketsToABlockedReaderOnWakeupAndThenReadAgain() throws Exception {
    try (BlockingReader reader = new BlockingReader(device(), 4, OFFSET)) {
      awaitBlocked(reader);
      if (!device().wakeup()) {
        // Not supported: the reader keeps waiting for a packet, and close still wakes it.
        device().close();
        assertThat(reader.failure(TIMEOUT)).isInstanceOf(ClosedChannelException.class);
        return;
      }
      assertThat(reader.result(TIMEOUT)).as("a woken read returns no packets").isZero();
    }
    final ByteBuffer[] bufs = directBuffers(4);
    final int[] sizes = new int[4];
    peer().send(0, 1);
    assertThat(device().read(bufs, sizes, OFFSET))
        .as("the next read waits for a packet again")
        .isEqualTo(1);
  }

  @Test
  void shouldRefuseReadAndWriteAfterCloseAndAllowCloseAgain() throws Exception {
    device().close();
    device().close();

    assertThatThrownBy(() -> device().read(directBuffers(1), new int[1], OFFSET))
        .isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> device().write(directBuffers(1), 1, OFFSET))
        .isInstanceOf(ClosedChannelException.class);
  }

  @Test
  void shouldDescribeItself() throws IOException {
    assertThat(device().name()).isNotBlank();
    assertThat(device().mtu()).isPositive();
    assertThat(device().batchSize()).isPositive();
  }

  protected static List<Integer> range(int from, int to) {
    final List<Integer> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(i);
    }
    return out;
  }
}
