package io.weft.control.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.control.noise.CipherPair;
import io.weft.control.noise.HandshakeException;
import io.weft.control.noise.NoiseIk;
import io.weft.control.noise.NoiseStream;
import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.MessageCodec;
import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.Node;
import io.weft.control.protocol.Printable;
import io.weft.control.protocol.Protocol;
import io.weft.wg.httpupgrade.MalformedResponseException;
import io.weft.wg.httpupgrade.UpgradeResponse;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * One Noise-encrypted connection to the control server, authenticated as the node's machine key.
 *
 * <pre>{@code
 * NoisePublicKey serverKey = ControlClient.fetchServerKey(url);      // or a pinned key
 * try (ControlClient c = ControlClient.connect(url, machineKey, serverKey)) {
 *   Message.RegisterResult r = c.register(nodeKey, null, discoKey, hostInfo, authKey, timeout);
 *   c.subscribe();                                                   // full map, then deltas
 *   NetMap map = c.awaitMap(m -> m.self() != null, timeout);
 * }
 * }</pre>
 *
 * A reader thread (virtual) applies map messages to the client's {@link NetMap}; keep the client's
 * map across reconnects with {@link #connect(URI, NoisePrivateKey, NoisePublicKey, NetMap)} so the
 * server can resume with deltas. Thread-safe.
 */
public final class ControlClient implements AutoCloseable {
  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  private static final int MAX_KEY_DOCUMENT = 16 * 1024;

  private final Socket socket;
  private final NoiseStream stream;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
  private final CompletableFuture<Node> login = new CompletableFuture<>();
  private final CompletableFuture<String> closedFuture = new CompletableFuture<>();
  private final ReentrantLock mapLock = new ReentrantLock();
  private final Condition mapChanged = mapLock.newCondition();
  private final NetMap map;
  private volatile Consumer<Message.MapMessage> listener = m -> {};
  private long mapMessages;
  private long fullMaps;

  private ControlClient(Socket socket, NoiseStream stream, NetMap map) {
    this.socket = socket;
    this.stream = stream;
    this.map = map;
    Thread.ofVirtual().name("weft-control-client").start(this::readLoop);
  }

  /**
   * Reads the server's public key from {@code GET /key}, over TLS (system trust store) for an
   * {@code https://} URL. Over plain HTTP anyone on the path can answer: pin the key.
   */
  public static NoisePublicKey fetchServerKey(URI server) throws IOException, InterruptedException {
    return fetchServerKey(server, null);
  }

  /**
   * As {@link #fetchServerKey(URI)}, validating an {@code https://} server's certificate with
   * {@code tls} ({@link ControlTls#context}; null: the system trust store).
   */
  public static NoisePublicKey fetchServerKey(URI server, SSLContext tls)
      throws IOException, InterruptedException {
    checkScheme(server);
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER);
    if (tls != null) {
      b.sslContext(tls); // hostname verification is HttpClient's default for https
    }
    try (HttpClient http = b.build()) {
      HttpResponse<InputStream> r;
      try {
        r =
            http.send(
                HttpRequest.newBuilder(server.resolve(Protocol.KEY_PATH))
                    .timeout(Duration.ofSeconds(10))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());
      } catch (SSLException e) {
        throw ControlTls.refused(server, e);
      }
      byte[] body;
      try (InputStream in = r.body()) {
        body = in.readNBytes(MAX_KEY_DOCUMENT + 1);
      }
      if (body.length > MAX_KEY_DOCUMENT) {
        throw new ControlException(
            502,
            "GET " + Protocol.KEY_PATH + ": answer longer than " + MAX_KEY_DOCUMENT + " bytes");
      }
      String text = new String(body, StandardCharsets.UTF_8);
      if (r.statusCode() != 200) {
        throw new ControlException(
            r.statusCode(), "GET " + Protocol.KEY_PATH + ": " + Printable.strip(text));
      }
      JsonNode doc;
      try {
        doc = MessageCodec.JSON.readTree(text);
      } catch (IOException e) {
        throw new ControlException(502, "GET " + Protocol.KEY_PATH + ": not a JSON document");
      }
      if (doc == null || doc.path("protocolVersion").asInt() != Protocol.VERSION) {
        throw new ControlException(
            505,
            "server speaks protocol version "
                + Printable.strip(doc == null ? "?" : doc.path("protocolVersion").asText()));
      }
      try {
        return NoisePublicKey.fromBase64(doc.path("publicKey").asText());
      } catch (IllegalArgumentException e) {
        throw new ControlException(502, "GET " + Protocol.KEY_PATH + ": not a public key");
      }
    }
  }

  /** Connects with a fresh map. */
  public static ControlClient connect(
      URI server, NoisePrivateKey machineKey, NoisePublicKey serverKey) throws IOException {
    return connect(server, machineKey, serverKey, new NetMap());
  }

  /**
   * Connects, carrying {@code map} over from an earlier connection so that {@link #subscribe()}
   * resumes from its version. An {@code https://} server's certificate is checked against the
   * system trust store.
   */
  public static ControlClient connect(
      URI server, NoisePrivateKey machineKey, NoisePublicKey serverKey, NetMap map)
      throws IOException {
    return connect(server, machineKey, serverKey, map, null);
  }

  /**
   * As {@link #connect(URI, NoisePrivateKey, NoisePublicKey, NetMap)}, validating an {@code
   * https://} server's certificate and host name with {@code tls} (null: the system trust store)
   * before a byte of the request is sent.
   *
   * @throws ServerHandshakeException when the server does not complete the Noise handshake for
   *     {@code serverKey} (another server, or someone on the path)
   */
  public static ControlClient connect(
      URI server, NoisePrivateKey machineKey, NoisePublicKey serverKey, NetMap map, SSLContext tls)
      throws IOException {
    boolean https = checkScheme(server);
    String host = server.getHost();
    if (host == null) {
      throw new IllegalArgumentException("no host in " + server);
    }
    int port = server.getPort() >= 0 ? server.getPort() : https ? 443 : 80;
    NoiseIk noise =
        NoiseIk.initiator(machineKey, serverKey, Protocol.prologue(), new SecureRandom());
    byte[] initiation = noise.writeInitiation(new byte[0]);
    Socket s = new Socket();
    boolean ok = false;
    try {
      s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
      s.setTcpNoDelay(true);
      s.setSoTimeout(CONNECT_TIMEOUT_MILLIS);
      Socket conn = https ? ControlTls.wrap(s, server, tls) : s;
      InputStream in = new BufferedInputStream(conn.getInputStream());
      OutputStream out = new BufferedOutputStream(conn.getOutputStream());
      String authority = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
      String request =
          "POST "
              + Protocol.CONTROL_PATH
              + " HTTP/1.1\r\n"
              + "Host: "
              + authority
              + ":"
              + port
              + "\r\n"
              + "Upgrade: "
              + Protocol.UPGRADE_TOKEN
              + "\r\n"
              + "Connection: Upgrade\r\n"
              + Protocol.HANDSHAKE_HEADER
              + ": "
              + Base64.getEncoder().encodeToString(initiation)
              + "\r\n"
              + "Content-Length: 0\r\n\r\n";
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      UpgradeResponse head;
      try {
        head = UpgradeResponse.read(in);
      } catch (MalformedResponseException e) {
        throw new ControlException(502, e.getMessage());
      }
      if (head.status() != 101) {
        byte[] body = in.readNBytes((int) Math.min(Math.max(head.contentLength(), 0), 64 * 1024));
        String reason = Printable.strip(new String(body, StandardCharsets.UTF_8));
        if (head.status() == 401) {
          // The server could not open the initiation sealed to serverKey: it does not hold that
          // key.
          throw new ServerHandshakeException(
              401,
              serverKey,
              "server refused the Noise handshake for key "
                  + serverKey
                  + " (wrong server key?): "
                  + reason);
        }
        throw new ControlException(head.status(), reason);
      }
      if (!Protocol.UPGRADE_TOKEN.equalsIgnoreCase(head.upgrade())) {
        throw new ControlException(
            502,
            "server switched to \""
                + Printable.strip(String.valueOf(head.upgrade()))
                + "\", not "
                + Protocol.UPGRADE_TOKEN);
      }
      byte[] response = in.readNBytes(NoiseIk.RESPONSE_OVERHEAD);
      if (response.length != NoiseIk.RESPONSE_OVERHEAD) {
        throw new ServerHandshakeException(
            502, serverKey, "connection closed during the Noise handshake");
      }
      try {
        noise.readResponse(response);
      } catch (HandshakeException e) {
        throw new ServerHandshakeException(
            502,
            serverKey,
            "server failed the Noise handshake for key "
                + serverKey
                + " (wrong server key?): "
                + e.getMessage());
      }
      CipherPair ciphers = noise.split();
      s.setSoTimeout(0);
      ControlClient c = new ControlClient(conn, new NoiseStream(ciphers, in, out), map);
      ok = true;
      return c;
    } finally {
      if (!ok) {
        s.close();
      }
    }
  }

  /** Whether {@code server} is {@code https://}; refuses anything but http and https. */
  private static boolean checkScheme(URI server) {
    String scheme = server.getScheme();
    if ("https".equalsIgnoreCase(scheme)) {
      return true;
    }
    if ("http".equalsIgnoreCase(scheme)) {
      return false;
    }
    throw new IllegalArgumentException(
        "login server URL must be http:// or https://, not " + server);
  }

  // ---- requests ----

  /**
   * Registers this machine with {@code nodeKey}. With {@code authKey} null the server may answer
   * {@code NEEDS_LOGIN} with a URL; {@link #awaitLogin} then waits for the user.
   *
   * @param oldNodeKey the current node key when rotating to {@code nodeKey}, else null
   */
  public Message.RegisterResult register(
      NoisePublicKey nodeKey,
      NoisePublicKey oldNodeKey,
      NoisePublicKey discoKey,
      HostInfo hostInfo,
      String authKey,
      Duration timeout)
      throws IOException {
    long id = ids.incrementAndGet();
    Message reply =
        call(
            id,
            new Message.Register(
                id,
                nodeKey.toBase64(),
                oldNodeKey == null ? null : oldNodeKey.toBase64(),
                discoKey.toBase64(),
                hostInfo,
                authKey),
            timeout);
    if (reply instanceof Message.RegisterResult r) {
      return r;
    }
    throw refusal(reply);
  }

  /** Waits for the interactive login to complete; returns this node as registered. */
  public Node awaitLogin(Duration timeout) throws IOException {
    return await(login, timeout);
  }

  /** Sends new endpoints/host info and/or a new disco key (null: unchanged). */
  public void updateHostInfo(NoisePublicKey discoKey, HostInfo hostInfo, Duration timeout)
      throws IOException {
    long id = ids.incrementAndGet();
    Message reply =
        call(
            id,
            new Message.UpdateHostInfo(id, discoKey == null ? null : discoKey.toBase64(), hostInfo),
            timeout);
    if (!(reply instanceof Message.Ack)) {
      throw refusal(reply);
    }
  }

  /** Starts the map stream from this client's map (a resume when it has one). */
  public void subscribe() throws IOException {
    String epoch;
    long version;
    mapLock.lock();
    try {
      epoch = map.epoch();
      version = map.version();
    } finally {
      mapLock.unlock();
    }
    long id = ids.incrementAndGet();
    CompletableFuture<Message> f = new CompletableFuture<>();
    pending.put(id, f);
    f.thenAccept(
        m -> {
          if (m instanceof Message.Error e) {
            closedFuture.complete("map subscription refused: " + e.reason());
          }
        });
    send(new Message.MapSubscribe(id, epoch, version));
  }

  /**
   * Uploads flow-log records (JSON lines); returns once the server stored them.
   *
   * @throws ControlException when the server refused them (nothing stored)
   */
  public void uploadFlowLogs(String jsonLines, Duration timeout) throws IOException {
    long id = ids.incrementAndGet();
    Message reply = call(id, new Message.FlowLogUpload(id, jsonLines), timeout);
    if (!(reply instanceof Message.Ack)) {
      throw refusal(reply);
    }
  }

  /** Logs out: the server expires the node key and closes the connection. */
  public void logout(Duration timeout) throws IOException {
    long id = ids.incrementAndGet();
    Message reply = call(id, new Message.Logout(id), timeout);
    if (!(reply instanceof Message.Ack)) {
      throw refusal(reply);
    }
  }

  // ---- the map ----

  /** A copy of the current map. */
  public NetMap netMap() {
    mapLock.lock();
    try {
      return map.copy();
    } finally {
      mapLock.unlock();
    }
  }

  /** Waits until the map satisfies {@code condition}; returns a copy of it. */
  public NetMap awaitMap(Predicate<NetMap> condition, Duration timeout) throws TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    mapLock.lock();
    try {
      while (!condition.test(map)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException(
              "map condition not met within "
                  + timeout
                  + "; map version "
                  + map.version()
                  + ", "
                  + map.peers().size()
                  + " peers"
                  + (closedFuture.isDone() ? ", connection closed: " + closedFuture.join() : ""));
        }
        mapChanged.awaitNanos(left);
      }
      return map.copy();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TimeoutException("interrupted");
    } finally {
      mapLock.unlock();
    }
  }

  /** Calls {@code l} on the reader thread after each map message is applied. */
  public void onMapMessage(Consumer<Message.MapMessage> l) {
    this.listener = l;
  }

  /** Map messages received, and how many of them were full maps. */
  public long[] mapMessageCounts() {
    mapLock.lock();
    try {
      return new long[] {mapMessages, fullMaps};
    } finally {
      mapLock.unlock();
    }
  }

  /** Completes with the reason when the connection ends. */
  public CompletableFuture<String> closed() {
    return closedFuture;
  }

  // ---- plumbing ----

  private void readLoop() {
    String why = "connection closed";
    try {
      while (true) {
        Message m = MessageCodec.read(stream.in());
        switch (m) {
          case Message.MapMessage mm -> {
            mapLock.lock();
            try {
              map.apply(mm);
              mapMessages++;
              if (mm instanceof Message.FullMap) {
                fullMaps++;
              }
              mapChanged.signalAll();
            } finally {
              mapLock.unlock();
            }
            listener.accept(mm);
          }
          case Message.RegisterResult r -> complete(r.id(), r);
          case Message.Ack a -> complete(a.id(), a);
          case Message.Error e -> {
            if (e.id() == 0) {
              why = "server error " + e.code() + ": " + Printable.strip(e.reason());
            } else {
              complete(e.id(), e);
            }
          }
          case Message.LoginComplete l -> login.complete(l.self());
          case Message.Goodbye g -> why = "server said goodbye: " + Printable.strip(g.reason());
          default -> {
            // A request type from the server: ignore.
          }
        }
      }
    } catch (IOException e) {
      if (why.equals("connection closed") && e.getMessage() != null) {
        why = "connection closed: " + e.getMessage();
      }
    } finally {
      closedFuture.complete(why);
      ControlException gone = new ControlException(503, why);
      pending.values().forEach(f -> f.completeExceptionally(gone));
      login.completeExceptionally(gone);
      mapLock.lock();
      try {
        mapChanged.signalAll();
      } finally {
        mapLock.unlock();
      }
      try {
        stream.close();
      } catch (IOException e) {
        // Closing.
      }
    }
  }

  private void complete(long id, Message m) {
    CompletableFuture<Message> f = pending.remove(id);
    if (f != null) {
      f.complete(m);
    }
  }

  private Message call(long id, Message request, Duration timeout) throws IOException {
    CompletableFuture<Message> f = new CompletableFuture<>();
    pending.put(id, f);
    try {
      send(request);
      return await(f, timeout);
    } finally {
      pending.remove(id);
    }
  }

  private void send(Message m) throws IOException {
    synchronized (stream) {
      MessageCodec.write(stream.out(), m);
      stream.out().flush();
    }
  }

  private static <T> T await(CompletableFuture<T> f, Duration timeout) throws IOException {
    try {
      return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new ControlException(504, "no answer within " + timeout);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  private static ControlException refusal(Message reply) {
    return reply instanceof Message.Error e
        ? new ControlException(e.code(), Printable.strip(e.reason()))
        : new ControlException(502, "unexpected reply " + reply.getClass().getSimpleName());
  }

  @Override
  public void close() throws IOException {
    try {
      socket.close();
    } finally {
      closedFuture.complete("closed by the client");
    }
  }
}
