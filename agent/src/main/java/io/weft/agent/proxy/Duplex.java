package io.weft.agent.proxy;

import io.weft.netstack.TcpConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** One end of a relayed byte stream: a host socket or a netstack connection, both blocking. */
interface Duplex extends AutoCloseable {
  /** Reads at least one byte, or returns -1 at end of stream. */
  int read(ByteBuffer dst) throws IOException;

  /** Writes all of {@code src}. */
  void write(ByteBuffer src) throws IOException;

  /**
   * Makes a blocked read give up after {@code d} with a {@link java.net.SocketTimeoutException},
   * and a blocked write fail after {@code d}; a no-op where the end cannot time out.
   */
  default void setTimeout(java.time.Duration d) {}

  /** Sends end of stream; reading stays possible. */
  void shutdownOutput();

  /** Closes both directions (a reset where the stream was not finished). */
  @Override
  void close();

  static Duplex of(SocketChannel ch) {
    return new Duplex() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        return ch.read(dst);
      }

      @Override
      public void write(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
          ch.write(src);
        }
      }

      @Override
      public void shutdownOutput() {
        try {
          ch.shutdownOutput();
        } catch (IOException e) {
          // Already closed: nothing more to send anyway.
        }
      }

      @Override
      public void close() {
        try {
          ch.close();
        } catch (IOException e) {
          // Closing is best effort.
        }
      }
    };
  }

  static Duplex of(TcpConnection c) {
    return new Duplex() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        return c.readBlocking(dst);
      }

      @Override
      public void write(ByteBuffer src) throws IOException {
        c.writeFully(src);
      }

      @Override
      public void setTimeout(java.time.Duration d) {
        c.setReadTimeout(d);
        c.setWriteTimeout(d);
      }

      @Override
      public void shutdownOutput() {
        c.shutdownOutput();
      }

      @Override
      public void close() {
        c.close();
      }
    };
  }
}
