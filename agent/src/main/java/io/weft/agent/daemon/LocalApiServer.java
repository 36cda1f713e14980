package io.weft.agent.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.wg.local.Callers;
import io.weft.wg.local.PrivateUnixSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The daemon's local API on a Unix domain socket: one JSON object per line each way.
 *
 * <p>A request is one line, {@code {"op": "status"}} and the like, at most {@value #MAX_LINE}
 * bytes. The answer is zero or more event lines ({@code {"event": ...}}: a login URL, a state, a
 * ping reply) and then one final line with {@code "ok": true} and the result, or {@code "ok":
 * false} and an {@code "error"}. A connection may carry any number of requests, one after the
 * other. A line that is not a JSON object, or names no known operation, gets an error and the
 * connection stays usable; a line that is too long gets an error and the connection is closed.
 *
 * <p>Only root and the daemon's own user may talk to it: the socket file is {@code 0660} (set
 * before it appears at its path, {@link PrivateUnixSocket}) in a {@code 0755} directory only its
 * owner may write, and every connection's peer credentials ({@code SO_PEERCRED}) are checked
 * ({@link Callers}); other users are answered with an error, logged, and disconnected.
 */
public final class LocalApiServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(LocalApiServer.class.getName());

  /** Longest request line in bytes. */
  public static final int MAX_LINE = 64 * 1024;

  static final ObjectMapper JSON = new ObjectMapper();

  /** Answers requests; runs on the connection's (virtual) thread. */
  @FunctionalInterface
  public interface Handler {
    /**
     * Handles {@code request} (an object with a textual {@code op}), sending events and then
     * exactly one final answer through {@code replies}. A thrown exception becomes an error answer.
     */
    void handle(ObjectNode request, Replies replies) throws Exception;
  }

  /** Where a handler writes its answer. */
  public static final class Replies {
    private final OutputStream out;
    private boolean finished;

    Replies(OutputStream out) {
      this.out = out;
    }

    /** Sends an event line, {@code {"event": name, ...fields}}. */
    public void event(String name, ObjectNode fields) throws IOException {
      ObjectNode n = JSON.createObjectNode().put("event", name);
      n.setAll(fields);
      write(n);
    }

    /** Sends the final success line with {@code fields}. */
    public void ok(ObjectNode fields) throws IOException {
      ObjectNode n = JSON.createObjectNode().put("ok", true);
      n.setAll(fields);
      finished = true;
      write(n);
    }

    /** Sends the final error line. */
    public void error(String message) throws IOException {
      finished = true;
      write(JSON.createObjectNode().put("ok", false).put("error", message));
    }

    boolean finished() {
      return finished;
    }

    private void write(ObjectNode n) throws IOException {
      byte[] line = (JSON.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8);
      synchronized (this) {
        out.write(line);
        out.flush();
      }
    }
  }

  private final Path path;
  private final ServerSocketChannel server;
  private final Handler handler;
  private final Callers callers;
  private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private volatile boolean closed;
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();

  private LocalApiServer(Path path, ServerSocketChannel server, Handler handler, Callers callers) {
    this.path = path;
    this.server = server;
    this.handler = handler;
    this.callers = callers;
    this.acceptor = Thread.ofVirtual().name("weft-local-api").unstarted(this::acceptLoop);
  }

  /**
   * Listens on {@code path} (creating its directory 0755; replacing a stale socket file, but not
   * one another daemon still listens on, nor anything that is not a socket).
   */
  public static LocalApiServer start(Path path, Handler handler) throws IOException {
    Path socket = path.toAbsolutePath();
    Path dir = socket.getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    }
    ServerSocketChannel ch;
    try {
      ch = PrivateUnixSocket.bind(socket, PosixFilePermissions.fromString("rw-rw----"));
    } catch (IOException e) {
      throw new IOException("local API: " + e.getMessage(), e);
    }
    try {
      LocalApiServer s = new LocalApiServer(socket, ch, handler, Callers.rootAndOwnerOf(socket));
      s.acceptor.start();
      return s;
    } catch (IOException | RuntimeException e) {
      ch.close();
      PrivateUnixSocket.deleteSocket(socket);
      throw e;
    }
  }

  /** The socket's path. */
  public Path path() {
    return path;
  }

  /** Connections refused because of the caller's user. */
  public long refused() {
    return refused.get();
  }

  /** Requests answered with an error because they were not a valid request. */
  public long malformed() {
    return malformed.get();
  }

  private void acceptLoop() {
    while (!closed) {
      SocketChannel c;
      try {
        c = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (!closed) {
          LOG.log(Level.WARNING, "local API accept failed: {0}", e.getMessage());
        }
        continue;
      }
      connections.add(c);
      Thread.ofVirtual().name("weft-local-api-conn").start(() -> serve(c));
    }
  }

  private void serve(SocketChannel c) {
    try (c) {
      OutputStream out = Channels.newOutputStream(c);
      Replies first = new Replies(out);
      Callers.Refusal no = callers.refusal(c);
      if (no != null) {
        refused.incrementAndGet();
        LOG.log(
            Level.WARNING,
            "local API: refused a connection from user {0}: only root and {1} may use {2}",
            no.user(),
            callers.owner().getName(),
            path);
        first.error(no.reason());
        return;
      }
      InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(c));
      while (!closed) {
        byte[] line = readLine(in);
        if (line == null) {
          return;
        }
        Replies replies = new Replies(out);
        if (line.length > MAX_LINE) {
          malformed.incrementAndGet();
          replies.error("request longer than " + MAX_LINE + " bytes; closing the connection");
          return;
        }
        ObjectNode request = parse(line, replies);
        if (request == null) {
          continue;
        }
        try {
          handler.handle(request, replies);
          if (!replies.finished()) {
            replies.error("internal error: no answer");
          }
        } catch (IOException e) {
          if (!replies.finished()) {
            replies.error(message(e));
          }
        } catch (Exception e) {
          LOG.log(
              Level.WARNING,
              "local API: {0} failed: {1}",
              request.path("op").asText(),
              e.toString());
          if (!replies.finished()) {
            replies.error(message(e));
          }
        }
      }
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "local API connection ended: {0}", e.getMessage());
    } finally {
      connections.remove(c);
    }
  }

  private ObjectNode parse(byte[] line, Replies replies) throws IOException {
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      malformed.incrementAndGet();
      replies.error("malformed request: not a JSON object (" + e.getOriginalMessage() + ")");
      return null;
    }
    if (!(n instanceof ObjectNode o) || !o.path("op").isTextual()) {
      malformed.incrementAndGet();
      replies.error("malformed request: expected a JSON object with a string \"op\"");
      return null;
    }
    return o;
  }

  /**
   * One line without its newline; longer than {@link #MAX_LINE}: a marker array; null at the end.
   */
  private static byte[] readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        return b.toByteArray();
      }
      if (b.size() > MAX_LINE) {
        return new byte[MAX_LINE + 1];
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toByteArray();
  }

  static String message(Exception e) {
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  /** Stops listening, ends open connections and removes the socket file. */
  @Override
  public void close() throws IOException {
    closed = true;
    try {
      server.close();
      for (SocketChannel c : connections) {
        c.close();
      }
    } finally {
      PrivateUnixSocket.deleteSocket(path);
    }
    try {
      acceptor.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
