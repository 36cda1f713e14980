package io.weft.wg.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.testing.NativeThreads;
import io.weft.testing.Prerequisites;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every {@link Bind} must do, over the loopback interface or a double of it: one subclass per
 * implementation (the socket binds through {@link UdpBindContractTest}, which adds what only a UDP
 * socket does). Receives that would block forever fail the test through the timeout instead.
 */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class BindContractTest {
  /** The largest UDP payload an IPv4 datagram can carry. */
  protected static final int MAX_IPV4_PAYLOAD = 65_507;

  /** Room for any datagram, as the device's buffers have. */
  protected static final int BUFFER_CAPACITY = 65_600;

  private final List<Bind> opened = new ArrayList<>();

  /** A new, unopened bind of the implementation under test. */
  protected abstract Bind newBind();

  /** Heap or direct buffers: both must work. */
  protected enum Buffers {
    HEAP,
    DIRECT;

    ByteBuffer allocate(int capacity) {
      return this == HEAP ? ByteBuffer.allocate(capacity) : ByteBuffer.allocateDirect(capacity);
    }
  }

  /** A datagram as received: its bytes and where it came from. */
  protected record Received(byte[] bytes, Endpoint source) {}

  protected final Bind opened(int port) throws IOException {
    final Bind b = newBind();
    opened.add(b);
    b.open(port);
    return b;
  }

  @AfterEach
  void closeBinds() throws IOException {
    for (Bind b : opened) {
      b.close();
    }
  }

  /** The port {@code b} is bound to (the double under test overrides this). */
  protected int portOf(Bind b) throws IOException {
    return switch (b) {
      case UdpBind u -> u.port();
      case io.weft.wg.conn.linux.LinuxBatchUdpBind l -> l.port();
      default -> throw new IllegalArgumentException(b.toString());
    };
  }

  /** Datagram {@code i} of a test batch: {@code size} bytes that name {@code i}. */
  protected static byte[] datagram(int i, int size) {
    final byte[] d = new byte[size];
    for (int j = 0; j < size; j++) {
      d[j] = (byte) (i * 31 + j * 7);
    }
    return d;
  }

  /** Sends {@code datagrams} as one batch from {@code kind} buffers. */
  protected static void sendBatch(Bind from, List<byte[]> datagrams, Buffers kind, Endpoint to)
      throws IOException {
    final ByteBuffer[] bufs = new ByteBuffer[datagrams.size()];
    for (int i = 0; i < bufs.length; i++) {
      bufs[i] = kind.allocate(datagrams.get(i).length).put(datagrams.get(i)).flip();
    }
    from.send(bufs, bufs.length, to);
    for (ByteBuffer b : bufs) {
      assertThat(b.hasRemaining()).as("send advances positions").isFalse();
    }
  }

  /** Receives {@code count} datagrams into {@code kind} buffers, checking each call's bounds. */
  protected static List<Received> receive(Bind into, int count, Buffers kind) throws IOException {
    final int batch = into.batchSize();
    final ByteBuffer[] bufs = new ByteBuffer[batch];
    for (int i = 0; i < batch; i++) {
      bufs[i] = kind.allocate(BUFFER_CAPACITY);
    }
    final int[] sizes = new int[batch];
    final Endpoint[] sources = new Endpoint[batch];
    final List<Received> got = new ArrayList<>();
    while (got.size() < count) {
      final int n = into.receive(bufs, sizes, sources);
      assertThat(n).isBetween(1, batch);
      for (int i = 0; i < n; i++) {
        assertThat(bufs[i].position()).as("position unchanged").isZero();
        final byte[] d = new byte[sizes[i]];
        bufs[i].get(0, d);
        got.add(new Received(d, sources[i]));
      }
    }
    return got;
  }

  protected final void shouldDeliverBatch(String loopback, Buffers kind) throws Exception {
    final Bind sender = opened(0);
    final Bind receiver = opened(0);
    final List<byte[]> batch = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      batch.add(datagram(i, 1 + i * 71));
    }
    final String bracketed = loopback.indexOf(':') >= 0 ? "[" + loopback + "]" : loopback;
    sendBatch(sender, batch, kind, sender.parseEndpoint(bracketed + ":" + portOf(receiver)));

    final List<Received> got = receive(receiver, batch.size(), kind);
    final InetSocketAddress expectedSource =
        new InetSocketAddress(InetAddress.getByName(loopback), portOf(sender));
    for (int i = 0; i < batch.size(); i++) {
      assertThat(got.get(i).bytes()).as("datagram %d", i).isEqualTo(batch.get(i));
      assertThat(got.get(i).source().destination()).isEqualTo(expectedSource);
    }
  }

  @ParameterizedTest
  @EnumSource(Buffers.class)
  void shouldDeliverABatchOverIpv4LoopbackWithExactContentsAndSource(Buffers kind)
      throws Exception {
    shouldDeliverBatch("127.0.0.1", kind);
  }

  @Test
  void shouldReportIpv4SourcesAsIpv4() throws Exception {
    final Bind sender = opened(0);
    final Bind receiver = opened(0);
    sendBatch(
        sender,
        List.of(datagram(1, 10)),
        Buffers.HEAP,
        sender.parseEndpoint("127.0.0.1:" + portOf(receiver)));
    final Endpoint source = receive(receiver, 1, Buffers.HEAP).getFirst().source();
    assertThat(source.destination().getAddress()).isInstanceOf(Inet4Address.class);
    assertThat(source.destinationString()).isEqualTo("127.0.0.1:" + portOf(sender));
  }

  @ParameterizedTest
  @EnumSource(Buffers.class)
  void shouldReceiveABatchOf64InCallsOfAtMostTheBatchSizeWithCorrectSizes(Buffers kind)
      throws Exception {
    final Bind sender = opened(0);
    final Bind receiver = opened(0);
    final List<byte[]> batch = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      batch.add(datagram(i, 100 + i * 13));
    }
    sendBatch(sender, batch, kind, sender.parseEndpoint("127.0.0.1:" + portOf(receiver)));

    final List<Received> got = receive(receiver, 64, kind);
    assertThat(got).hasSize(64);
    for (int i = 0; i < 64; i++) {
      assertThat(got.get(i).bytes()).hasSize(100 + i * 13).isEqualTo(batch.get(i));
    }
  }

  @ParameterizedTest
  @EnumSource(Buffers.class)
  void shouldCarryTheLargestIpv4Datagram(Buffers kind) throws Exception {
    final Bind sender = opened(0);
    final Bind receiver = opened(0);
    final List<byte[]> batch = List.of(datagram(7, MAX_IPV4_PAYLOAD), datagram(8, 1));
    sendBatch(sender, batch, kind, sender.parseEndpoint("127.0.0.1:" + portOf(receiver)));

    final List<Received> got = receive(receiver, 2, kind);
    assertThat(got.get(0).bytes()).isEqualTo(batch.get(0));
    assertThat(got.get(1).bytes()).isEqualTo(batch.get(1));
  }

  @Test
  void shouldContinueOnTheNewPortWhenReopenedDuringAReceive() throws Exception {
    final Bind receiver = opened(0);
    final int oldPort = portOf(receiver);
    final PendingReceive receive = new PendingReceive(receiver);
    final CompletableFuture<List<Received>> pending = receive.result;
    awaitBlocked(receive); // on the old socket
    assertThat(pending).isNotDone();

    final int newPort = receiver.open(0);
    assertThat(newPort).isNotEqualTo(oldPort);
    final Bind sender = opened(0);
    sendBatch(
        sender,
        List.of(datagram(3, 33)),
        Buffers.HEAP,
        sender.parseEndpoint("127.0.0.1:" + newPort));

    assertThat(pending.get(10, TimeUnit.SECONDS).getFirst().bytes()).isEqualTo(datagram(3, 33));
  }

  @Test
  void shouldKeepThePortWhenReopenedOnIt() throws Exception {
    final Bind bind = opened(0);
    final int port = portOf(bind);
    assertThat(bind.open(port)).isEqualTo(port);
  }

  @Test
  void shouldWakeABlockedReceiverWithClosedChannelExceptionOnClose() throws Exception {
    final Bind receiver = opened(0);
    final PendingReceive receive = new PendingReceive(receiver);
    final CompletableFuture<List<Received>> pending = receive.result;
    awaitBlocked(receive);
    assertThat(pending).isNotDone();

    receiver.close();

    assertThatThrownBy(() -> pending.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(UncheckedIOException.class)
        .cause()
        .isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> receive(receiver, 1, Buffers.HEAP))
        .isInstanceOf(ClosedChannelException.class);
    assertThatThrownBy(() -> receiver.open(0)).isInstanceOf(ClosedChannelException.class);
  }

  @Test
  void shouldRefuseToSendOnceClosed() throws Exception {
    final Bind bind = opened(0);
    final Endpoint to = bind.parseEndpoint("127.0.0.1:9");
    bind.close();
    assertThatThrownBy(() -> sendBatch(bind, List.of(datagram(0, 1)), Buffers.HEAP, to))
        .isInstanceOf(ClosedChannelException.class);
  }

  /**
   * Waits (bounded) until {@code receive} is blocked waiting for a datagram: by default asleep in
   * the kernel; a bind that parks in Java overrides this with {@code Await.untilParked}.
   */
  protected void awaitBlocked(PendingReceive receive) throws IOException {
    if (!Files.isDirectory(Path.of("/proc/self/task"))) {
      Prerequisites.unmet("/proc, to see a thread blocked in a receive");
    }
    NativeThreads.awaitBlockedWaitingForInput(receive.tid(), Duration.ofSeconds(10));
  }

  /**
   * One receive on its own platform thread, whose kernel thread id lets the test wait until it is
   * asleep in the kernel waiting for input (a thread blocked in native code is RUNNABLE to the
   * JVM).
   */
  protected static final class PendingReceive {
    final CompletableFuture<List<Received>> result = new CompletableFuture<>();
    private volatile int tid;
    private final Thread thread;

    PendingReceive(Bind b) throws InterruptedException {
      final CountDownLatch started = new CountDownLatch(1);
      thread =
          Thread.ofPlatform()
              .name("bind-receiver")
              .daemon()
              .start(
                  () -> {
                    tid = NativeThreads.gettid();
                    started.countDown();
                    try {
                      result.complete(receive(b, 1, Buffers.HEAP));
                    } catch (IOException e) {
                      result.completeExceptionally(new UncheckedIOException(e));
                    } catch (Throwable t) {
                      result.completeExceptionally(t);
                    }
                  });
      started.await();
    }

    /** The receiving thread's kernel id. */
    public int tid() {
      return tid;
    }

    /** The receiving thread. */
    public Thread thread() {
      return thread;
    }
  }

  /** Carries an {@link IOException} out of a lambda. */
  protected static final class UncheckedIOException extends RuntimeException {
    UncheckedIOException(IOException cause) {
      super(cause);
    }
  }
}
