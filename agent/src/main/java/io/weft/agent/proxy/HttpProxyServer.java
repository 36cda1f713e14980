package io.weft.agent.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP proxy on a host socket into the mesh: {@code CONNECT host:port} tunnels and absolute-form
 * {@code http://} requests forwarded (one request per connection, {@code Connection: close}). A
 * malformed head gets a 4xx answer and the connection is closed.
 */
public final class HttpProxyServer extends HostListener {
  private final MeshDialer dialer;
  private final AtomicLong malformed = new AtomicLong();

  HttpProxyServer(InetSocketAddress bind, MeshDialer dialer, ProxyLimits limits)
      throws IOException {
    super("http-proxy", bind, limits);
    this.dialer = dialer;
    start();
  }

  /** Request heads refused as malformed or too slow. */
  public long malformed() {
    return malformed.get();
  }

  @Override
  void serve(SocketChannel client) throws IOException {
    final DeadlineReader in = new DeadlineReader(client, limits.handshakeTimeout());
    final byte[] buf = new byte[limits.maxHeadBytes()];
    final HttpRequestHead head = new HttpRequestHead();
    int len = 0;
    int headLength;
    try {
      while ((headLength = head.parse(buf, len, buf.length)) == HttpRequestHead.NEED_MORE) {
        final int n = in.read(buf, len, buf.length - len);
        if (n < 0) {
          if (len > 0) {
            malformed.incrementAndGet(); // ended inside the head
          }
          return;
        }
        len += n;
      }
    } catch (SocketTimeoutException e) {
      malformed.incrementAndGet();
      answer(client, 408, "request head not received in time");
      return;
    }
    if (head.error != 0) {
      malformed.incrementAndGet();
      answer(client, head.error, head.reason);
      return;
    }
    in.done();
    final Duplex target;
    try {
      target = dialer.dial(head.host, null, head.port);
    } catch (MeshDialer.DialException e) {
      answer(client, statusFor(e.failure), e.getMessage());
      return;
    }
    if (head.connect) {
      write(
          client,
          "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    } else {
      target.write(ByteBuffer.wrap(head.forwardHead));
    }
    if (len > headLength) {
      target.write(ByteBuffer.wrap(buf, headLength, len - headLength));
    }
    Relay.run(Duplex.of(client), target, limits.bufferSize(), limits.idleTimeout());
  }

  static int statusFor(MeshDialer.Failure f) {
    return switch (f) {
      case UNKNOWN_NAME, NOT_IN_MESH -> 403;
      case UNREACHABLE -> 504;
      case NO_STACK, REFUSED, FAILED -> 502;
    };
  }

  private static void answer(SocketChannel c, int status, String why) {
    final String text = why + "\n";
    final String reason =
        switch (status) {
          case 400 -> "Bad Request";
          case 403 -> "Forbidden";
          case 408 -> "Request Timeout";
          case 431 -> "Request Header Fields Too Large";
          case 501 -> "Not Implemented";
          case 502 -> "Bad Gateway";
          case 504 -> "Gateway Timeout";
          default -> "Error";
        };
    final String r =
        "HTTP/1.1 "
            + status
            + " "
            + reason
            + "\r\nContent-Type: text/plain\r\nContent-Length: "
            + text.length()
            + "\r\nConnection: close\r\n\r\n"
            + text;
    try {
      write(c, r.getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      // The client left.
    }
  }

  private static void write(SocketChannel c, byte[] b) throws IOException {
    final ByteBuffer buf = ByteBuffer.wrap(b);
    while (buf.hasRemaining()) {
      c.write(buf);
    }
  }
}
