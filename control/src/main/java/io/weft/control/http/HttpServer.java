package io.weft.control.http;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The server: one virtual thread per connection, requests handed to a {@link Handler}. */
public final class HttpServer implements AutoCloseable {
  /** Answers one request. Thrown exceptions become a 500. */
  @FunctionalInterface
  public interface Handler {
    HttpResponse handle(HttpRequest request) throws Exception;
  }

  /** Largest request line plus headers. */
  public static final int MAX_HEAD_BYTES = 32 * 1024;
  /** Largest request body. */
  public static final int MAX_BODY_BYTES = 1 << 20;
  /** How long an idle keep-alive connection or a slow request may take. */
  public static final int READ_TIMEOUT_MILLIS = 30_000;

  private static final System.Logger LOG = System.getLogger(HttpServer.class.getName());

  private final ServerSocket socket;
  private final Handler handler;
  private final Thread acceptor;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Set<Thread> connections = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** Binds {@code address} (port 0: any free port) and starts accepting. */
  public HttpServer(InetSocketAddress address, Handler handler) throws IOException {
    this.socket = new ServerSocket();
    this.socket.setReuseAddress(true);
    this.socket.bind(address, 1024);
    this.handler = handler;
    this.acceptor = Thread.ofPlatform().name("weft-http-accept").daemon().start(this::acceptLoop);
  }

  /** The bound address. */
  public InetSocketAddress address() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = socket.accept();
        open.add(s);
        Thread t = Thread.ofVirtual().name("weft-http-conn").unstarted(() -> serve(s));
        connections.add(t);
        t.start();
      } catch (IOException e) {
        if (!closed) {
          LOG.log(Level.WARNING, "accept failed: {0}", e.getMessage());
        }
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      s.setSoTimeout(READ_TIMEOUT_MILLIS);
      s.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = new BufferedOutputStream(s.getOutputStream());
      InetSocketAddress remote = (InetSocketAddress) s.getRemoteSocketAddress();
      while (!closed) {
        HttpRequest req;
        try {
          req = readRequest(in, remote);
        } catch (BadRequest e) {
          write(out, HttpResponse.error(e.status, e.getMessage()).header("Connection", "close"), false);
          return;
        }
        if (req == null) {
          return;
        }
        HttpResponse resp;
        try {
          resp = handler.handle(req);
        } catch (Exception e) {
          LOG.log(Level.ERROR, "handler failed for " + req.method() + " " + req.path(), e);
          resp = HttpResponse.error(500, "internal error");
        }
        boolean keepAlive = !"close".equalsIgnoreCase(req.header("connection"));
        if (resp.upgraded != null) {
          write(out, resp, true);
          s.setSoTimeout(0);
          resp.upgraded.run(in, out);
          return;
        }
        write(out, keepAlive ? resp : resp.header("Connection", "close"), keepAlive);
        if (!keepAlive) {
          return;
        }
      }
    } catch (SocketTimeoutException | SocketException e) {
      // Idle, reset or closed by the peer: nothing to answer.
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "connection ended: {0}", e.getMessage());
    } finally {
      open.remove(s);
      connections.remove(Thread.currentThread());
    }
  }

  private static final class BadRequest extends Exception {
    final int status;

    BadRequest(int status, String reason) {
      super(reason);
      this.status = status;
    }
  }

  /** Reads one request; null at a clean end of stream between requests. */
  private static HttpRequest readRequest(InputStream in, InetSocketAddress remote) throws IOException, BadRequest {
    int[] budget = {MAX_HEAD_BYTES};
    String line = readLine(in, budget);
    if (line == null) {
      return null;
    }
    String[] parts = line.split(" ");
    if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
      throw new BadRequest(400, "malformed request line");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    while (true) {
      String h = readLine(in, budget);
      if (h == null) {
        throw new BadRequest(400, "truncated headers");
      }
      if (h.isEmpty()) {
        break;
      }
      int colon = h.indexOf(':');
      if (colon <= 0) {
        throw new BadRequest(400, "malformed header line");
      }
      headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
    }
    if (headers.containsKey("transfer-encoding")) {
      throw new BadRequest(411, "chunked bodies are not accepted: send Content-Length");
    }
    int length = 0;
    String cl = headers.get("content-length");
    if (cl != null) {
      try {
        length = Integer.parseInt(cl);
      } catch (NumberFormatException e) {
        throw new BadRequest(400, "malformed Content-Length");
      }
      if (length < 0) {
        throw new BadRequest(400, "negative Content-Length");
      }
      if (length > MAX_BODY_BYTES) {
        throw new BadRequest(413, "body larger than " + MAX_BODY_BYTES + " bytes");
      }
    }
    byte[] body = in.readNBytes(length);
    if (body.length != length) {
      throw new BadRequest(400, "truncated body");
    }
    String target = parts[1];
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    Map<String, String> query;
    try {
      query = HttpRequest.parseQuery(q < 0 ? null : target.substring(q + 1));
    } catch (IllegalArgumentException e) {
      throw new BadRequest(400, "malformed query string");
    }
    return new HttpRequest(parts[0], path, query, headers, body, remote);
  }

  private static String readLine(InputStream in, int[] budget) throws IOException, BadRequest {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (sb.isEmpty()) {
          return null;
        }
        throw new BadRequest(400, "truncated request");
      }
      if (--budget[0] < 0) {
        throw new BadRequest(431, "request head larger than " + MAX_HEAD_BYTES + " bytes");
      }
      if (b == '\n') {
        int len = sb.length();
        if (len > 0 && sb.charAt(len - 1) == '\r') {
          sb.setLength(len - 1);
        }
        return sb.toString();
      }
      sb.append((char) b);
    }
  }

  private static void write(OutputStream out, HttpResponse r, boolean keepAlive) throws IOException {
    StringBuilder head = new StringBuilder();
    head.append("HTTP/1.1 ").append(r.status).append(' ').append(reason(r.status)).append("\r\n");
    for (Map.Entry<String, String> h : r.headers.entrySet()) {
      head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    if (r.upgraded == null) {
      head.append("Content-Length: ").append(r.body.length).append("\r\n");
      if (!keepAlive && !r.headers.containsKey("Connection")) {
        head.append("Connection: close\r\n");
      }
    }
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(r.body);
    out.flush();
  }

  private static String reason(int status) {
    return switch (status) {
      case 101 -> "Switching Protocols";
      case 200 -> "OK";
      case 201 -> "Created";
      case 204 -> "No Content";
      case 302 -> "Found";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 411 -> "Length Required";
      case 413 -> "Content Too Large";
      case 426 -> "Upgrade Required";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      default -> "Status";
    };
  }

  @Override
  public void close() {
    closed = true;
    try {
      socket.close();
    } catch (IOException e) {
      // Closing.
    }
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException e) {
        // Closing.
      }
    }
    // Let connections finish their cleanup (it may touch storage) before the caller closes it.
    long deadline = System.nanoTime() + 10_000_000_000L;
    try {
      acceptor.join(5_000);
      for (Thread t : connections) {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          t.join(java.time.Duration.ofNanos(left));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
