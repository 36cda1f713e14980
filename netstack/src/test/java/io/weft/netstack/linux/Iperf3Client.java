package io.weft.netstack.linux;

import static io.weft.netstack.linux.Iperf3Protocol.ACCESS_DENIED;
import static io.weft.netstack.linux.Iperf3Protocol.CREATE_STREAMS;
import static io.weft.netstack.linux.Iperf3Protocol.DEFAULT_BLOCK;
import static io.weft.netstack.linux.Iperf3Protocol.DISPLAY_RESULTS;
import static io.weft.netstack.linux.Iperf3Protocol.EXCHANGE_RESULTS;
import static io.weft.netstack.linux.Iperf3Protocol.IPERF_DONE;
import static io.weft.netstack.linux.Iperf3Protocol.PARAM_EXCHANGE;
import static io.weft.netstack.linux.Iperf3Protocol.SERVER_ERROR;
import static io.weft.netstack.linux.Iperf3Protocol.TEST_END;
import static io.weft.netstack.linux.Iperf3Protocol.TEST_RUNNING;
import static io.weft.netstack.linux.Iperf3Protocol.TEST_START;

import io.weft.netstack.NetStack;
import io.weft.netstack.TcpConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * An iperf3 client on the netstack for one TCP stream of a fixed byte count ({@code iperf3 -c -n}),
 * sending to the kernel's {@code iperf3 -s} or, reversed, receiving from it.
 */
final class Iperf3Client {
  /**
   * What one test moved.
   *
   * @param bytes bytes this client sent or received
   * @param seconds from TEST_RUNNING until the last byte was sent or received
   * @param serverBytes bytes the server reported in its results
   */
  record Outcome(long bytes, double seconds, long serverBytes) {
    double bitsPerSecond() {
      return bytes * 8 / seconds;
    }
  }

  private Iperf3Client() {}

  static Outcome run(NetStack stack, InetSocketAddress server, long bytes, boolean reverse)
      throws IOException {
    final byte[] cookie = Iperf3Protocol.newCookie();
    try (TcpConnection control = stack.dialTcp(server, Duration.ofSeconds(10))) {
      control.setReadTimeout(Duration.ofSeconds(120));
      control.writeFully(ByteBuffer.wrap(cookie));
      TcpConnection stream = null;
      long moved = 0;
      double seconds = 0;
      try {
        while (true) {
          final byte state = Iperf3Protocol.readState(control);
          switch (state) {
            case PARAM_EXCHANGE ->
                Iperf3Protocol.writeJson(
                    control,
                    "{\"tcp\":true,\"omit\":0,\"time\":0,"
                        + "\"num\":"
                        + bytes
                        + ",\"blockcount\":0,\"parallel\":1,"
                        + (reverse ? "\"reverse\":true," : "")
                        + "\"len\":"
                        + DEFAULT_BLOCK
                        + ",\"pacing_timer\":1000,\"client_version\":\"3.12\"}");
            case CREATE_STREAMS -> {
              stream = stack.dialTcp(server, Duration.ofSeconds(10));
              stream.writeFully(ByteBuffer.wrap(cookie));
            }
            case TEST_START -> {
              // timers would start here; a byte-count test has none
            }
            case TEST_RUNNING -> {
              final long start = System.nanoTime();
              moved = reverse ? receive(stream, bytes) : send(stream, bytes);
              seconds = (System.nanoTime() - start) / 1e9;
              Iperf3Protocol.writeState(control, TEST_END);
            }
            case EXCHANGE_RESULTS -> {
              Iperf3Protocol.writeJson(
                  control, Iperf3Protocol.results(new long[] {moved}, seconds, !reverse));
              final String theirs = Iperf3Protocol.readJson(control);
              final long serverBytes = Iperf3Protocol.sumBytes(theirs);
              if (Iperf3Protocol.readState(control) != DISPLAY_RESULTS) {
                throw new IOException("iperf3 server skipped DISPLAY_RESULTS");
              }
              Iperf3Protocol.writeState(control, IPERF_DONE);
              return new Outcome(moved, seconds, serverBytes);
            }
            case ACCESS_DENIED -> throw new IOException("iperf3 server is busy");
            case SERVER_ERROR -> throw new IOException("iperf3 server error");
            default -> throw new IOException("unexpected iperf3 state " + state);
          }
        }
      } finally {
        if (stream != null) {
          stream.abort();
        }
      }
    }
  }

  private static long send(TcpConnection stream, long bytes) throws IOException {
    final ByteBuffer block = ByteBuffer.allocate(DEFAULT_BLOCK);
    long sent = 0;
    while (sent < bytes) {
      block.clear().limit((int) Math.min(block.capacity(), bytes - sent));
      stream.writeFully(block);
      sent += block.limit();
    }
    return sent;
  }

  private static long receive(TcpConnection stream, long bytes) throws IOException {
    final ByteBuffer block = ByteBuffer.allocate(DEFAULT_BLOCK);
    long received = 0;
    int n;
    while (received < bytes
        && (n =
                stream.readBlocking(
                    block.clear().limit((int) Math.min(block.capacity(), bytes - received))))
            >= 0) {
      received += n;
    }
    return received;
  }
}
