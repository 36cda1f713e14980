package io.weft.netstack.linux;

import static io.weft.netstack.linux.Iperf3Protocol.ACCESS_DENIED;
import static io.weft.netstack.linux.Iperf3Protocol.COOKIE_SIZE;
import static io.weft.netstack.linux.Iperf3Protocol.CREATE_STREAMS;
import static io.weft.netstack.linux.Iperf3Protocol.DEFAULT_BLOCK;
import static io.weft.netstack.linux.Iperf3Protocol.DISPLAY_RESULTS;
import static io.weft.netstack.linux.Iperf3Protocol.EXCHANGE_RESULTS;
import static io.weft.netstack.linux.Iperf3Protocol.PARAM_EXCHANGE;
import static io.weft.netstack.linux.Iperf3Protocol.TEST_END;
import static io.weft.netstack.linux.Iperf3Protocol.TEST_RUNNING;
import static io.weft.netstack.linux.Iperf3Protocol.TEST_START;

import io.weft.netstack.TcpConnection;
import io.weft.netstack.TcpServer;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * An iperf3 server on the netstack for TCP tests, one test at a time: the kernel's {@code iperf3
 * -c} sends to it, or with {@code -R} receives from it, over one or more parallel streams. UDP,
 * bidirectional mode and authentication are refused by closing the connection.
 */
final class Iperf3Server implements AutoCloseable {
  /** What one finished test moved, as this server counted it. */
  record Outcome(boolean reverse, long bytes, double seconds) {}

  private final TcpServer server;
  private final Thread loop;
  private final List<Outcome> outcomes = new ArrayList<>();
  private volatile boolean closed;

  Iperf3Server(TcpServer server) {
    this.server = server;
    this.loop = Thread.ofPlatform().name("iperf3-server").daemon().start(this::serveLoop);
  }

  /** Tests completed so far. */
  List<Outcome> outcomes() {
    synchronized (outcomes) {
      return List.copyOf(outcomes);
    }
  }

  private void serveLoop() {
    while (!closed) {
      final TcpConnection control;
      try {
        control = server.accept(Duration.ZERO);
      } catch (IOException e) {
        return; // listener closed
      }
      try (control) {
        final Outcome o = serve(control);
        synchronized (outcomes) {
          outcomes.add(o);
        }
      } catch (IOException | InterruptedException e) {
        if (!closed) {
          System.err.println("iperf3 server: test failed: " + e);
        }
      }
    }
  }

  private Outcome serve(TcpConnection control) throws IOException, InterruptedException {
    control.setReadTimeout(Duration.ofSeconds(120));
    final byte[] cookie = Iperf3Protocol.readFully(control, COOKIE_SIZE);
    Iperf3Protocol.writeState(control, PARAM_EXCHANGE);
    final String params = Iperf3Protocol.readJson(control);
    if (Iperf3Protocol.member(params, "tcp") == null
        || Iperf3Protocol.member(params, "bidirectional") != null) {
      throw new IOException("only one-way TCP tests are supported: " + params);
    }
    final boolean reverse = Iperf3Protocol.longMember(params, "reverse", 0) != 0;
    final int parallel = (int) Iperf3Protocol.longMember(params, "parallel", 1);
    final long num = Iperf3Protocol.longMember(params, "num", 0);
    final int block =
        (int) Math.min(Iperf3Protocol.longMember(params, "len", DEFAULT_BLOCK), 1 << 20);

    Iperf3Protocol.writeState(control, CREATE_STREAMS);
    final List<TcpConnection> streams = new ArrayList<>();
    try {
      while (streams.size() < parallel) {
        final TcpConnection s = server.accept(Duration.ofSeconds(10));
        s.setReadTimeout(Duration.ofSeconds(10));
        if (!Arrays.equals(Iperf3Protocol.readFully(s, COOKIE_SIZE), cookie)) {
          Iperf3Protocol.writeState(s, ACCESS_DENIED);
          s.close();
          continue;
        }
        s.setReadTimeout(null);
        streams.add(s);
      }
      Iperf3Protocol.writeState(control, TEST_START);
      Iperf3Protocol.writeState(control, TEST_RUNNING);
      final long start = System.nanoTime();
      final AtomicLongArray counted = new AtomicLongArray(parallel);
      final AtomicBoolean stop = new AtomicBoolean();
      final List<Thread> workers = new ArrayList<>();
      for (int i = 0; i < parallel; i++) {
        final int index = i;
        final TcpConnection s = streams.get(i);
        workers.add(
            Thread.ofVirtual()
                .name("iperf3-stream")
                .start(() -> runStream(s, reverse, block, counted, index, stop)));
      }
      final byte state = Iperf3Protocol.readState(control);
      if (state != TEST_END) {
        throw new IOException("iperf3 client sent state " + state + " instead of TEST_END");
      }
      if (!reverse && num > 0) {
        // TEST_END can overtake the last data on another connection: wait for it briefly.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (total(counted) < num && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
      }
      final double seconds = (System.nanoTime() - start) / 1e9;
      stop.set(true);
      // As iperf3 does: close (FIN, or RST if data is still unread) and let the client drain.
      for (TcpConnection s : streams) {
        s.close();
      }
      for (Thread w : workers) {
        w.join(2000);
      }
      final long[] bytes = new long[parallel];
      for (int i = 0; i < parallel; i++) {
        bytes[i] = counted.get(i);
      }
      Iperf3Protocol.writeState(control, EXCHANGE_RESULTS);
      Iperf3Protocol.readJson(control);
      Iperf3Protocol.writeJson(control, Iperf3Protocol.results(bytes, seconds, reverse));
      Iperf3Protocol.writeState(control, DISPLAY_RESULTS);
      // The client answers IPERF_DONE and closes; either ends the test.
      try {
        Iperf3Protocol.readState(control);
      } catch (IOException e) {
        // closed without IPERF_DONE
      }
      return new Outcome(reverse, total(counted), seconds);
    } finally {
      for (TcpConnection s : streams) {
        s.close();
      }
    }
  }

  private static void runStream(
      TcpConnection s,
      boolean send,
      int block,
      AtomicLongArray counted,
      int index,
      AtomicBoolean stop) {
    final ByteBuffer buffer = ByteBuffer.allocate(block);
    try {
      if (send) {
        s.setWriteTimeout(Duration.ofMillis(100));
        while (!stop.get()) {
          buffer.clear();
          try {
            s.writeFully(buffer);
          } catch (SocketTimeoutException e) {
            // the client stopped reading: look at the stop flag again
          }
          counted.addAndGet(index, buffer.position());
        }
      } else {
        int n;
        while ((n = s.readBlocking(buffer.clear())) >= 0) {
          counted.addAndGet(index, n);
        }
      }
    } catch (IOException e) {
      // closed at TEST_END
    }
  }

  private static long total(AtomicLongArray counted) {
    long sum = 0;
    for (int i = 0; i < counted.length(); i++) {
      sum += counted.get(i);
    }
    return sum;
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    server.close();
    loop.join(2000);
  }
}
