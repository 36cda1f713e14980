package io.weft.netstack.linux;

import io.weft.netstack.TcpConnection;
import io.weft.netstack.TcpServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * The smallest HTTP/1.1 server curl will download from (RFC 9112): one request per connection,
 * {@code GET /<name>} answered with the file and {@code Connection: close}, anything else 404. Each
 * connection is served on its own virtual thread.
 */
final class HttpFileServer implements AutoCloseable {
  private static final int MAX_HEADER = 8192;

  private final TcpServer server;
  private final String name;
  private final Path file;
  private final Thread acceptor;

  HttpFileServer(TcpServer server, String name, Path file) {
    this.server = server;
    this.name = name;
    this.file = file;
    this.acceptor = Thread.ofVirtual().name("http-accept").start(this::acceptLoop);
  }

  private void acceptLoop() {
    while (true) {
      final TcpConnection c;
      try {
        c = server.accept(Duration.ZERO);
      } catch (IOException e) {
        return; // listener closed
      }
      Thread.ofVirtual().name("http").start(() -> serve(c));
    }
  }

  private void serve(TcpConnection c) {
    try (c) {
      c.setReadTimeout(Duration.ofSeconds(10));
      final String request = readHeader(c);
      final String requestLine = request.substring(0, Math.max(0, request.indexOf("\r\n")));
      final String[] parts = requestLine.split(" ");
      if (parts.length != 3 || !parts[0].equals("GET") || !parts[1].equals("/" + name)) {
        c.writeFully(
            ascii("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        c.shutdownOutput();
        return;
      }
      try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
        c.writeFully(
            ascii(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                    + in.size()
                    + "\r\nConnection: close\r\n\r\n"));
        final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        while (in.read(chunk.clear()) > 0) {
          c.writeFully(chunk.flip());
        }
      }
      c.shutdownOutput();
      // Wait for curl to close first, so the response is not cut by a reset.
      final ByteBuffer sink = ByteBuffer.allocate(1024);
      while (c.readBlocking(sink.clear()) >= 0) {
        // discard
      }
    } catch (IOException e) {
      // client went away
    }
  }

  /** Reads up to and including the blank line that ends the request header. */
  private static String readHeader(TcpConnection c) throws IOException {
    final ByteBuffer header = ByteBuffer.allocate(MAX_HEADER);
    final ByteBuffer one = ByteBuffer.allocate(1);
    while (header.hasRemaining()) {
      if (c.readBlocking(one.clear()) < 0) {
        break;
      }
      header.put(one.flip());
      final int n = header.position();
      if (n >= 4
          && header.get(n - 4) == '\r'
          && header.get(n - 3) == '\n'
          && header.get(n - 2) == '\r'
          && header.get(n - 1) == '\n') {
        break;
      }
    }
    return new String(header.array(), 0, header.position(), StandardCharsets.US_ASCII);
  }

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public void close() throws InterruptedException {
    server.close();
    acceptor.join(2000);
  }
}
