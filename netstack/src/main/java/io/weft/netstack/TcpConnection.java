package io.weft.netstack;

import io.weft.netstack.tcp.TcpSocket;
import io.weft.netstack.tcp.TcpState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * One TCP connection of a {@link NetStack}: non-blocking {@link #read}/{@link #write} of
 * ByteBuffers, blocking streams, half-close with {@link #shutdownOutput()}, and timeouts.
 */
public final class TcpConnection implements AutoCloseable {
  private final NetStack stack;
  private final TcpSocket socket;
  private volatile Duration readTimeout;
  private volatile Duration writeTimeout;

  TcpConnection(NetStack stack, TcpSocket socket) {
    this.stack = stack;
    this.socket = socket;
  }

  /**
   * Reads what is available without waiting: a count, 0 when nothing is ready, -1 at end of stream.
   */
  public int read(ByteBuffer dst) throws IOException {
    return stack.read(socket, dst);
  }

  /** Queues what fits in the send buffer without waiting; returns the count (possibly 0). */
  public int write(ByteBuffer src) throws IOException {
    return stack.write(socket, src);
  }

  /** Waits for at least one byte (or end of stream, or the read timeout). */
  public int readBlocking(ByteBuffer dst) throws IOException {
    return stack.readBlocking(socket, dst, readTimeout);
  }

  /** Queues all of {@code src}, waiting for room (up to the write timeout). */
  public void writeFully(ByteBuffer src) throws IOException {
    stack.writeBlocking(socket, src, writeTimeout);
  }

  /** Timeout of blocking reads; null or zero waits indefinitely. */
  public void setReadTimeout(Duration timeout) {
    this.readTimeout = timeout;
  }

  /** Timeout of blocking writes; null or zero waits indefinitely. */
  public void setWriteTimeout(Duration timeout) {
    this.writeTimeout = timeout;
  }

  /** Sends FIN after the queued data; reading stays possible (half-close). */
  public void shutdownOutput() {
    stack.shutdownOutput(socket);
  }

  /**
   * Closes both directions: FIN after the queued data, or a reset if received data was left unread.
   * Data arriving afterwards is answered with a reset.
   */
  @Override
  public void close() {
    stack.close(socket);
  }

  /** Resets the connection at once. */
  public void abort() {
    stack.abort(socket);
  }

  public TcpState state() {
    return stack.locked(socket::state);
  }

  public InetSocketAddress localAddress() {
    return new InetSocketAddress(socket.localAddress().toInetAddress(), socket.localPort());
  }

  public InetSocketAddress remoteAddress() {
    return new InetSocketAddress(socket.remoteAddress().toInetAddress(), socket.remotePort());
  }

  /** A blocking stream over {@link #readBlocking}. */
  public InputStream inputStream() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        final byte[] one = new byte[1];
        final int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        return readBlocking(ByteBuffer.wrap(b, off, len));
      }

      @Override
      public void close() {
        TcpConnection.this.close();
      }
    };
  }

  /** A blocking stream over {@link #writeFully}; {@code close()} half-closes. */
  public OutputStream outputStream() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        writeFully(ByteBuffer.wrap(b, off, len));
      }

      @Override
      public void close() {
        shutdownOutput();
      }
    };
  }
}
