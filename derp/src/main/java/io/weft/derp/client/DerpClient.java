package io.weft.derp.client;

import static io.weft.derp.wire.FrameType.*;

import io.weft.derp.NodeKey;
import io.weft.derp.wire.Frame;
import io.weft.derp.wire.FrameDecoder;
import io.weft.derp.wire.Frames;
import io.weft.derp.wire.Info;
import io.weft.derp.wire.NaclBox;
import io.weft.wg.httpupgrade.UpgradeResponse;
import io.weft.wg.key.NoisePrivateKey;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A DERP client connection (derp/derp_client.go, derp/derphttp/derphttp_client.go): dials {@code
 * http://} or {@code https://host[:port]/derp}, sends the {@code Upgrade: DERP} request, parses the
 * 101 response strictly, reads ServerKey, sends ClientInfo sealed with the node key, and waits for
 * ServerInfo, so a relay that refuses the key fails {@link #connect} rather than a later send.
 *
 * <p>After the handshake one reader thread (virtual) decodes frames and calls the {@link Listener};
 * packet bytes are valid only during the callback (no copy). Sends are serialised; each writes one
 * frame. The connection closes when the server is silent for the read timeout (120 s, twice
 * derper's keep-alive).
 */
public final class DerpClient implements AutoCloseable {
  /** Frames from the relay, on the reader thread. */
  public interface Listener {
    /** A packet from {@code src}; {@code buf[off, off+len)} is valid only during the call. */
    void onPacket(NodeKey src, byte[] buf, int off, int len);

    default void onPeerGone(NodeKey peer, int reason) {}

    default void onPeerPresent(NodeKey peer, InetSocketAddress endpoint, int flags) {}

    default void onPong(long data) {}

    default void onKeepAlive() {}

    default void onHealth(String problem) {}

    default void onRestarting(long reconnectInMs, long tryForMs) {}

    /** The connection ended ({@code cause} null for a local close). Called once. */
    default void onClosed(Throwable cause) {}
  }

  /** Connection settings. */
  public record Options(
      byte[] meshKey,
      boolean canAckPings,
      boolean isProber,
      String appName,
      SSLContext tls,
      boolean verifyHostname,
      Duration connectTimeout,
      Duration readTimeout) {
    public static Options defaults() {
      return new Options(
          null, true, false, "weft", null, true, Duration.ofSeconds(10), Duration.ofSeconds(120));
    }

    public Options withMeshKey(byte[] k) {
      return new Options(
          k, canAckPings, isProber, appName, tls, verifyHostname, connectTimeout, readTimeout);
    }

    public Options withTls(SSLContext ctx, boolean verifyHost) {
      return new Options(
          meshKey, canAckPings, isProber, appName, ctx, verifyHost, connectTimeout, readTimeout);
    }

    public Options withReadTimeout(Duration d) {
      return new Options(
          meshKey, canAckPings, isProber, appName, tls, verifyHostname, connectTimeout, d);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final NoisePrivateKey privateKey;
  private final NodeKey publicKey;
  private final Listener listener;
  private final FrameDecoder decoder = new FrameDecoder(FrameDecoder.CLIENT);
  private final byte[] readBuf = new byte[16 << 10];
  private final Object writeLock = new Object();

  /** Grows to the largest frame sent; 2 KiB covers WireGuard packets. */
  private byte[] writeBuf = new byte[2048];

  private final AtomicBoolean closed = new AtomicBoolean();
  private final LongAdder unknownFrames = new LongAdder();
  private NodeKey serverKey;
  private Info.ServerInfo serverInfo;
  private Thread reader;

  private DerpClient(Socket socket, NoisePrivateKey privateKey, Listener listener)
      throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = new BufferedOutputStream(socket.getOutputStream(), 16 << 10);
    this.privateKey = privateKey;
    this.publicKey = NodeKey.of(privateKey.publicKey());
    this.listener = listener;
  }

  /**
   * Connects to {@code url} ({@code http://host:port/derp} or {@code https://…}), completes the
   * handshake and starts the reader.
   */
  public static DerpClient connect(URI url, NoisePrivateKey key, Options opt, Listener listener)
      throws IOException {
    String scheme = url.getScheme().toLowerCase(Locale.ROOT);
    boolean tls = scheme.equals("https");
    if (!tls && !scheme.equals("http")) {
      throw new IOException("DERP URL must be http or https: " + url);
    }
    int port = url.getPort() > 0 ? url.getPort() : (tls ? 443 : 80);
    String host = url.getHost();
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), (int) opt.connectTimeout().toMillis());
      s.setSoTimeout((int) opt.connectTimeout().toMillis());
      if (tls) {
        SSLContext ctx = opt.tls() != null ? opt.tls() : SSLContext.getDefault();
        SSLSocket t = (SSLSocket) ctx.getSocketFactory().createSocket(s, host, port, true);
        if (opt.verifyHostname()) {
          SSLParameters p = t.getSSLParameters();
          p.setEndpointIdentificationAlgorithm("HTTPS");
          t.setSSLParameters(p);
        }
        t.startHandshake();
        s = t;
      }
      DerpClient c = new DerpClient(s, key, listener);
      c.handshake(url, host, port, opt);
      s.setSoTimeout((int) opt.readTimeout().toMillis());
      c.reader =
          Thread.ofVirtual().name("derp-client-" + c.publicKey.shortString()).start(c::readLoop);
      return c;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e instanceof IOException io ? io : new IOException(e);
    } catch (Exception e) {
      s.close();
      throw new IOException(e);
    }
  }

  private void handshake(URI url, String host, int port, Options opt) throws IOException {
    String path =
        url.getRawPath() == null || url.getRawPath().isEmpty() ? "/derp" : url.getRawPath();
    boolean defaultPort = url.getPort() <= 0;
    String req =
        "GET "
            + path
            + " HTTP/1.1\r\n"
            + "Host: "
            + (defaultPort ? host : host + ":" + port)
            + "\r\n"
            + "User-Agent: weft-derp\r\n"
            + "Upgrade: DERP\r\n"
            + "Connection: Upgrade\r\n\r\n";
    out.write(req.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    readUpgradeResponse();
    // ServerKey, then ClientInfo, then wait for ServerInfo.
    Frame f = readHandshakeFrame();
    if (f.type() != SERVER_KEY || !f.checkLength()) {
      throw new IOException("invalid server greeting");
    }
    serverKey = NodeKey.of(f.buffer(), f.keyOffset());
    byte[] sk = serverKey.toBytes();
    Info.ClientInfo ci =
        new Info.ClientInfo(
            opt.meshKey(), PROTOCOL_VERSION, opt.canAckPings(), opt.isProber(), opt.appName());
    byte[] sealed = NaclBox.sealTo(privateKey.rawForCrypto(), sk, ci.toJson());
    if (sealed == null) {
      throw new IOException("server key is a low-order point");
    }
    byte[] b = new byte[HEADER_LENGTH + KEY_LENGTH + sealed.length];
    Frames.clientInfo(b, 0, publicKey.toBytes(), sealed);
    synchronized (out) {
      out.write(b);
      out.flush();
    }
    f = readHandshakeFrame();
    if (f.type() != SERVER_INFO || !f.checkLength()) {
      throw new IOException("expected ServerInfo, got " + name(f.type()));
    }
    byte[] json =
        NaclBox.openFrom(privateKey.rawForCrypto(), sk, f.buffer(), f.offset(), f.length());
    serverInfo = json == null ? null : Info.ServerInfo.parse(json);
    if (serverInfo == null) {
      throw new IOException("ServerInfo does not open with the server key");
    }
  }

  /** Reads the HTTP response head strictly (nothing past it), insisting on 101. */
  private void readUpgradeResponse() throws IOException {
    UpgradeResponse head = UpgradeResponse.read(in);
    if (head.status() != 101) {
      throw new IOException("relay refused the DERP upgrade: HTTP " + head.status());
    }
  }

  private Frame pendingFrame;

  /** Reads exactly one frame header and body from the stream during the handshake. */
  private Frame readHandshakeFrame() throws IOException {
    byte[] h = in.readNBytes(HEADER_LENGTH);
    if (h.length < HEADER_LENGTH) {
      throw new IOException("relay closed the connection during the DERP handshake");
    }
    long len = Frames.bodyLength(h, 0);
    if (len > CLIENT_MAX_FRAME) {
      throw new IOException("handshake frame of " + len + " bytes");
    }
    byte[] body = in.readNBytes((int) len);
    if (body.length < len) {
      throw new IOException("relay closed the connection during the DERP handshake");
    }
    pendingFrame = new Frame().wrap(h[0] & 0xff, body, 0, body.length);
    return pendingFrame;
  }

  private void readLoop() {
    Throwable cause = null;
    try {
      while (!closed.get()) {
        int n = in.read(readBuf);
        if (n < 0) {
          cause = new IOException("relay closed the connection");
          break;
        }
        int r = decoder.feed(readBuf, 0, n, this::dispatch);
        if (r == FrameDecoder.TOO_LARGE) {
          cause = new IOException("relay sent a frame over 1 MiB");
          break;
        }
      }
    } catch (SocketTimeoutException e) {
      cause = new IOException("relay silent for the read timeout", e);
    } catch (IOException | RuntimeException e) {
      cause = e;
    }
    shutdown(closed.get() ? null : cause);
  }

  private boolean dispatch(Frame f) {
    if (!f.checkLength()) {
      unknownFrames.increment();
      return true;
    }
    switch (f.type()) {
      case RECV_PACKET ->
          listener.onPacket(
              NodeKey.of(f.buffer(), f.keyOffset()),
              f.buffer(),
              f.packetOffset(),
              f.packetLength());
      case KEEP_ALIVE -> listener.onKeepAlive();
      case PEER_GONE ->
          listener.onPeerGone(NodeKey.of(f.buffer(), f.keyOffset()), f.peerGoneReason());
      case PEER_PRESENT -> {
        InetSocketAddress ep = null;
        if (f.hasEndpoint()) {
          byte[] ip = Arrays.copyOfRange(f.buffer(), f.ipOffset(), f.ipOffset() + 16);
          try {
            ep = new InetSocketAddress(InetAddress.getByAddress(ip), f.port());
          } catch (UnknownHostException e) {
            ep = null;
          }
        }
        listener.onPeerPresent(NodeKey.of(f.buffer(), f.keyOffset()), ep, f.presentFlags());
      }
      case PING -> {
        try {
          sendPing(PONG, f.pingData());
        } catch (IOException e) {
          return false;
        }
      }
      case PONG -> listener.onPong(f.pingData());
      case HEALTH -> listener.onHealth(f.healthText());
      case RESTARTING -> listener.onRestarting(f.reconnectInMs(), f.tryForMs());
      case SERVER_INFO, SERVER_KEY -> {
        // a repeated greeting carries nothing new
      }
      default -> unknownFrames.increment();
    }
    return true;
  }

  /** The relay's public key (from its ServerKey frame). */
  public NodeKey serverKey() {
    return serverKey;
  }

  public Info.ServerInfo serverInfo() {
    return serverInfo;
  }

  /** This client's node key. */
  public NodeKey publicKey() {
    return publicKey;
  }

  /** Frames of unknown type or bad length ignored. */
  public long unknownFrames() {
    return unknownFrames.sum();
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** Sends {@code p[off, off+len)} to {@code dst} (at most 64 KiB). */
  public void send(NodeKey dst, byte[] p, int off, int len) throws IOException {
    if (len > MAX_PACKET_SIZE) {
      throw new IllegalArgumentException("packet over 64 KiB");
    }
    synchronized (writeLock) {
      ensureWriteBuf(HEADER_LENGTH + KEY_LENGTH + len);
      dst.copyTo(writeBuf, HEADER_LENGTH);
      Frames.header(writeBuf, 0, SEND_PACKET, KEY_LENGTH + len);
      System.arraycopy(p, off, writeBuf, HEADER_LENGTH + KEY_LENGTH, len);
      write(writeBuf, HEADER_LENGTH + KEY_LENGTH + len);
    }
  }

  /** Mesh only: a packet from {@code src} to {@code dst} on another relay. */
  public void forward(NodeKey src, NodeKey dst, byte[] p, int off, int len) throws IOException {
    if (len > MAX_PACKET_SIZE) {
      throw new IllegalArgumentException("packet over 64 KiB");
    }
    synchronized (writeLock) {
      ensureWriteBuf(HEADER_LENGTH + 2 * KEY_LENGTH + len);
      Frames.header(writeBuf, 0, FORWARD_PACKET, 2 * KEY_LENGTH + len);
      src.copyTo(writeBuf, HEADER_LENGTH);
      dst.copyTo(writeBuf, HEADER_LENGTH + KEY_LENGTH);
      System.arraycopy(p, off, writeBuf, HEADER_LENGTH + 2 * KEY_LENGTH, len);
      write(writeBuf, HEADER_LENGTH + 2 * KEY_LENGTH + len);
    }
  }

  private void ensureWriteBuf(int n) {
    if (writeBuf.length < n) {
      writeBuf = new byte[Math.max(n, 2 * writeBuf.length)];
    }
  }

  public void notePreferred(boolean preferred) throws IOException {
    byte[] b = new byte[HEADER_LENGTH + 1];
    Frames.notePreferred(b, 0, preferred);
    write(b, b.length);
  }

  /** Mesh only: subscribe to PeerPresent/PeerGone for every client of the relay. */
  public void watchConns() throws IOException {
    byte[] b = new byte[HEADER_LENGTH];
    Frames.empty(b, 0, WATCH_CONNS);
    write(b, b.length);
  }

  /** Mesh only: asks the relay to close {@code peer}'s connections. */
  public void closePeer(NodeKey peer) throws IOException {
    byte[] b = new byte[HEADER_LENGTH + KEY_LENGTH];
    Frames.closePeer(b, 0, peer.toBytes(), 0);
    write(b, b.length);
  }

  /** Sends a Ping; the relay answers with a Pong carrying {@code data}. */
  public void ping(long data) throws IOException {
    sendPing(PING, data);
  }

  private void sendPing(int type, long data) throws IOException {
    byte[] b = new byte[HEADER_LENGTH + PING_LENGTH];
    Frames.ping(b, 0, type, data);
    write(b, b.length);
  }

  /** Writes raw bytes (tests of the relay's handling of bad input). */
  public void writeRaw(byte[] b, int len) throws IOException {
    write(b, len);
  }

  private void write(byte[] b, int len) throws IOException {
    if (closed.get()) {
      throw new IOException("DERP client closed");
    }
    synchronized (out) {
      out.write(b, 0, len);
      out.flush();
    }
  }

  private void shutdown(Throwable cause) {
    boolean first = !closed.getAndSet(true);
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    if (first || cause != null) {
      listener.onClosed(cause);
    }
  }

  @Override
  public void close() {
    if (!closed.getAndSet(true)) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
      if (reader != null && Thread.currentThread() != reader) {
        try {
          reader.join(5000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      listener.onClosed(null);
    }
  }
}
