package io.weft.dist.quickstart;

import io.weft.netstack.NetStack;
import io.weft.netstack.TcpConnection;
import io.weft.netstack.TcpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Just enough HTTP/1.1 to serve one blob from a node's netstack and fetch it from another's: one
 * request per connection, {@code Content-Length} framing. The client hashes the body as it arrives,
 * so nothing of the size of the blob is buffered on the receiving side.
 */
final class BlobHttp implements AutoCloseable {
  static final String PATH = "/blob";
  private static final int MAX_HEAD = 8192;
  private static final int CHUNK = 64 * 1024;

  private final TcpServer listener;
  private final byte[] blob;
  private final Duration timeout;
  private final Thread acceptor;

  /** What the client received. */
  record Download(long bytes, String sha256, long nanos) {
    double megabytesPerSecond() {
      return bytes / (nanos / 1e9) / 1e6;
    }
  }

  private BlobHttp(TcpServer listener, byte[] blob, Duration timeout) {
    this.listener = listener;
    this.blob = blob;
    this.timeout = timeout;
    this.acceptor = Thread.ofVirtual().name("quickstart-http-accept").unstarted(this::acceptLoop);
  }

  /** Serves {@code blob} at {@link #PATH} on TCP {@code port} of {@code stack} until closed. */
  static BlobHttp serve(NetStack stack, int port, byte[] blob, Duration timeout)
      throws IOException {
    BlobHttp s = new BlobHttp(stack.listenTcp(port, 8), blob, timeout);
    s.acceptor.start();
    return s;
  }

  private void acceptLoop() {
    while (true) {
      TcpConnection c;
      try {
        c = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread.ofVirtual().name("quickstart-http").start(() -> answer(c));
    }
  }

  private void answer(TcpConnection c) {
    try (c) {
      c.setReadTimeout(timeout);
      c.setWriteTimeout(timeout);
      String head = readHead(c.inputStream());
      OutputStream o = c.outputStream();
      String requestLine = head.lines().findFirst().orElse("");
      if (requestLine.startsWith("GET " + PATH + " ")) {
        o.write(
            ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                    + blob.length
                    + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        for (int off = 0; off < blob.length; off += CHUNK) {
          o.write(blob, off, Math.min(CHUNK, blob.length - off));
        }
      } else {
        o.write(
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
      }
      o.flush();
      c.shutdownOutput();
      // Wait for the client's FIN, so the connection ends cleanly rather than by our close.
      c.inputStream().transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      // The client reports what it did or did not receive.
    }
  }

  /** Fetches {@link #PATH} from {@code server} through {@code stack}, hashing the body. */
  static Download get(NetStack stack, InetSocketAddress server, Duration timeout)
      throws IOException {
    long t0 = System.nanoTime();
    try (TcpConnection c = stack.dialTcp(server, timeout)) {
      c.setReadTimeout(timeout);
      c.setWriteTimeout(timeout);
      OutputStream o = c.outputStream();
      o.write(
          ("GET "
                  + PATH
                  + " HTTP/1.1\r\nHost: "
                  + server.getAddress().getHostAddress()
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      o.flush();
      c.shutdownOutput();
      InputStream in = c.inputStream();
      String head = readHead(in);
      String status = head.lines().findFirst().orElse("");
      if (!status.startsWith("HTTP/1.1 200 ")) {
        throw new IOException("the server answered \"" + status + "\"");
      }
      long length = contentLength(head);
      MessageDigest sha = sha256();
      byte[] buf = new byte[CHUNK];
      long got = 0;
      for (int n; (n = in.read(buf)) >= 0; ) {
        sha.update(buf, 0, n);
        got += n;
      }
      if (got != length) {
        throw new IOException("the body ended after " + got + " of " + length + " bytes");
      }
      return new Download(got, HexFormat.of().formatHex(sha.digest()), System.nanoTime() - t0);
    }
  }

  static String sha256(byte[] data) {
    return HexFormat.of().formatHex(sha256().digest(data));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0; // how much of "\r\n\r\n" the last bytes were
    while (matched < 4) {
      int ch = in.read();
      if (ch < 0) {
        throw new IOException("the connection closed inside the HTTP header");
      }
      if (head.size() == MAX_HEAD) {
        throw new IOException("HTTP header longer than " + MAX_HEAD + " bytes");
      }
      head.write(ch);
      matched = ch == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (ch == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  private static long contentLength(String head) throws IOException {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0
          && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
        try {
          return Long.parseLong(line.substring(colon + 1).trim());
        } catch (NumberFormatException e) {
          throw new IOException("bad Content-Length: " + line);
        }
      }
    }
    throw new IOException("no Content-Length in the answer");
  }

  @Override
  public void close() {
    listener.close();
    acceptor.interrupt();
    try {
      acceptor.join(Duration.ofSeconds(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
