package io.weft.derp.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.weft.derp.NodeKey;
import io.weft.derp.server.Metrics.Counter;
import io.weft.derp.wire.FrameType;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.time.NanoClock;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A DERP relay server, wire-compatible with Tailscale's derper (protocol version 2): HTTP or HTTPS
 * on one TCP port, the DERP upgrade at {@code /derp}, per-client bounded queues, keep-alives, write
 * and handshake deadlines on an injectable clock, admission by node key, and the mesh frames
 * (WatchConns, PeerPresent, ForwardPacket, ClosePeer) for a region of relays.
 *
 * <p>Deadlines and keep-alives are checked by {@link #housekeeping()}, which a timer runs every
 * {@code tick}; tests with a manual clock call it themselves.
 */
public final class DerpServer implements AutoCloseable {
  private final NoisePrivateKey privateKey;
  private final byte[] privateKeyBytes;
  private final NodeKey publicKey;
  private final byte[] publicKeyBytes;
  private final byte[] meshKey;
  private final Admission admission;
  private final NanoClock clock;
  private final long writeTimeoutNanos;
  private final long handshakeTimeoutNanos;
  private final long keepAliveNanos;
  private final int queueDepth;
  private final Duration tick;
  private final Metrics metrics = new Metrics();

  /** Per key, its connections; the last one registered is active (derper's lastWriterIsActive). */
  private final Map<NodeKey, List<ClientConn>> clients = new ConcurrentHashMap<>();

  private final Map<NodeKey, PacketForwarder> meshForwarders = new ConcurrentHashMap<>();
  private final Map<NodeKey, Set<ClientConn>> peerGoneWatchers = new ConcurrentHashMap<>();
  private final Set<ClientConn> watchers = ConcurrentHashMap.newKeySet();

  /** Connections not yet past the DERP handshake, with their accept time. */
  private final Map<Channel, Long> pending = new ConcurrentHashMap<>();

  private final Set<ClientConn> running = ConcurrentHashMap.newKeySet();
  private final List<Channel> listeners = new CopyOnWriteArrayList<>();
  private final List<MeshLink> meshLinks = new CopyOnWriteArrayList<>();
  private final EventLoopGroup group;
  private final boolean ownsGroup;
  private volatile SslContext ssl;
  private volatile RateConfig rateConfig = RateConfig.NONE;
  private final double acceptPerSecond;
  private final double acceptBurst;
  private double acceptTokens;
  private long acceptRefilled;

  private DerpServer(Builder b) {
    this.privateKey = b.privateKey;
    this.privateKeyBytes = b.privateKey.rawForCrypto();
    this.publicKeyBytes = b.privateKey.publicKey().toBytes();
    this.publicKey = NodeKey.of(publicKeyBytes, 0);
    this.meshKey = b.meshKey == null ? null : b.meshKey.clone();
    this.admission = b.admission;
    this.clock = b.clock;
    this.writeTimeoutNanos = b.writeTimeout.toNanos();
    this.handshakeTimeoutNanos = b.handshakeTimeout.toNanos();
    this.keepAliveNanos = b.keepAlive.toNanos();
    this.queueDepth = b.queueDepth;
    this.tick = b.tick;
    this.acceptPerSecond = b.acceptPerSecond;
    this.acceptBurst = b.acceptBurst;
    this.acceptTokens = b.acceptBurst;
    this.acceptRefilled = b.clock.nanoTime();
    if (b.group != null) {
      this.group = b.group;
      this.ownsGroup = false;
    } else {
      this.group = new MultiThreadIoEventLoopGroup(b.ioThreads, NioIoHandler.newFactory());
      this.ownsGroup = true;
    }
    if (!tick.isZero()) {
      group
          .next()
          .scheduleAtFixedRate(
              this::housekeeping, tick.toNanos(), tick.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  public static Builder builder(NoisePrivateKey privateKey) {
    return new Builder(privateKey);
  }

  /**
   * Listens on {@code addr} (plain HTTP when {@code sslOrNull} is null); returns the bound address.
   */
  public InetSocketAddress listen(InetSocketAddress addr, SslContext sslOrNull)
      throws InterruptedException {
    this.ssl = sslOrNull;
    ServerBootstrap sb =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(64 << 10, 256 << 10))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    metrics.inc(Counter.ACCEPTS);
                    if (!allowAccept()) {
                      metrics.inc(Counter.ACCEPT_LIMITED);
                      ch.close();
                      return;
                    }
                    pending.put(ch, clock.nanoTime());
                    ch.closeFuture().addListener(f -> pending.remove(ch));
                    if (sslOrNull != null) {
                      ch.pipeline().addLast("tls", sslOrNull.newHandler(ch.alloc()));
                    }
                    ch.pipeline().addLast(HttpFront.CODEC, HttpFront.codec());
                    ch.pipeline().addLast("front", new HttpFront(DerpServer.this));
                  }
                });
    Channel ch = sb.bind(addr).sync().channel();
    listeners.add(ch);
    return (InetSocketAddress) ch.localAddress();
  }

  /** The accept-rate token bucket (derper's --accept-connection-limit/-burst). */
  private synchronized boolean allowAccept() {
    if (acceptPerSecond <= 0) {
      return true;
    }
    long now = clock.nanoTime();
    acceptTokens =
        Math.min(acceptBurst, acceptTokens + (now - acceptRefilled) * acceptPerSecond / 1e9);
    acceptRefilled = now;
    if (acceptTokens >= 1) {
      acceptTokens -= 1;
      return true;
    }
    return false;
  }

  /**
   * Sets every client's receive rate limit (derper's UpdateRateLimits); existing connections get
   * the new bucket at once. Mesh peers are exempt.
   */
  public void updateRateLimits(RateConfig rc) {
    rateConfig = rc;
    for (ClientConn c : running) {
      c.setRate(rc);
    }
  }

  /** Clients whose reading is paused by the receive rate limit. */
  public int rateLimitedClients() {
    int n = 0;
    for (ClientConn c : running) {
      if (c.pausedForRate()) {
        n++;
      }
    }
    return n;
  }

  boolean isTls() {
    return ssl != null;
  }

  public NodeKey publicKey() {
    return publicKey;
  }

  public Metrics metrics() {
    return metrics;
  }

  public EventLoopGroup eventLoopGroup() {
    return group;
  }

  NanoClock clock() {
    return clock;
  }

  byte[] privateKeyBytes() {
    return privateKeyBytes;
  }

  byte[] publicKeyBytes() {
    return publicKeyBytes;
  }

  byte[] meshKeyBytes() {
    return meshKey;
  }

  Admission admission() {
    return admission;
  }

  int queueDepth() {
    return queueDepth;
  }

  long keepAliveNanos() {
    return keepAliveNanos;
  }

  /** Whether a client with {@code key} is connected here. */
  public boolean isConnected(NodeKey key) {
    List<ClientConn> l = clients.get(key);
    return l != null && !l.isEmpty();
  }

  /** The keys connected here. */
  public Set<NodeKey> connectedKeys() {
    return Set.copyOf(clients.keySet());
  }

  // ---- registry

  void register(ClientConn c) {
    pending.remove(c.ch);
    c.setRate(rateConfig);
    running.add(c);
    clients.compute(
        c.key,
        (k, l) -> {
          List<ClientConn> n = l == null ? new ArrayList<>(1) : new ArrayList<>(l);
          n.add(c);
          return n;
        });
    metrics.currentClients.incrementAndGet();
    for (ClientConn w : watchers) {
      if (w != c) {
        w.sendPeerPresent(c.key, c.remote(), c.presentFlags());
      }
    }
  }

  void unregister(ClientConn c) {
    running.remove(c);
    boolean[] gone = {false};
    clients.computeIfPresent(
        c.key,
        (k, l) -> {
          List<ClientConn> n = new ArrayList<>(l);
          n.remove(c);
          if (n.isEmpty()) {
            gone[0] = true;
            return null;
          }
          return n;
        });
    metrics.currentClients.decrementAndGet();
    if (watchers.remove(c)) {
      metrics.currentWatchers.decrementAndGet();
    }
    for (NodeKey src : c.receivedFrom) {
      peerGoneWatchers.computeIfPresent(
          src,
          (k, s) -> {
            s.remove(c);
            return s.isEmpty() ? null : s;
          });
    }
    if (gone[0]) {
      for (ClientConn w : watchers) {
        w.sendPeerGone(c.key, FrameType.PEER_GONE_DISCONNECTED);
      }
      if (!meshForwarders.containsKey(c.key)) {
        notePeerGoneFromRegion(c.key);
      }
    }
  }

  private void notePeerGoneFromRegion(NodeKey key) {
    Set<ClientConn> ws = peerGoneWatchers.remove(key);
    if (ws != null) {
      for (ClientConn w : ws) {
        w.receivedFrom.remove(key);
        w.sendPeerGone(key, FrameType.PEER_GONE_DISCONNECTED);
      }
    }
  }

  void addPeerGoneWatcher(NodeKey src, ClientConn dst) {
    peerGoneWatchers.computeIfAbsent(src, k -> ConcurrentHashMap.newKeySet()).add(dst);
  }

  private ClientConn active(NodeKey key) {
    List<ClientConn> l = clients.get(key);
    return l == null || l.isEmpty() ? null : l.get(l.size() - 1);
  }

  /** A SendPacket from {@code from} to {@code dst}. */
  void route(ClientConn from, NodeKey dst, byte[] p, int off, int len) {
    ClientConn d = active(dst);
    if (d != null) {
      d.enqueue(from.key, p, off, len);
      return;
    }
    PacketForwarder fwd = meshForwarders.get(dst);
    if (fwd != null && fwd.forward(from.key, dst, p, off, len)) {
      metrics.inc(Counter.FORWARDED_OUT);
      return;
    }
    dropUnknown(from, dst, p, off, len);
  }

  /** A ForwardPacket from a mesh peer: delivered locally or dropped, never forwarded again. */
  void deliverForwarded(ClientConn from, NodeKey src, NodeKey dst, byte[] p, int off, int len) {
    ClientConn d = active(dst);
    if (d != null) {
      d.enqueue(src, p, off, len);
      return;
    }
    dropUnknown(from, dst, p, off, len);
  }

  private void dropUnknown(ClientConn from, NodeKey dst, byte[] p, int off, int len) {
    metrics.inc(Counter.DROP_UNKNOWN_DEST);
    if (FrameType.looksLikeDisco(p, off, len) && from.allowPeerGone(clock.nanoTime())) {
      from.sendPeerGone(dst, FrameType.PEER_GONE_NOT_HERE);
    }
  }

  void addWatcher(ClientConn w) {
    if (w.key.equals(publicKey) || !watchers.add(w)) {
      return;
    }
    metrics.currentWatchers.incrementAndGet();
    for (ClientConn c : running) {
      if (c != w && c.state == ClientConn.State.RUNNING) {
        w.sendPeerPresent(c.key, c.remote(), c.presentFlags());
      }
    }
  }

  /** Closes every connection of {@code key} here (a ClosePeer frame, or an admission revoked). */
  public void closePeer(NodeKey key) {
    List<ClientConn> l = clients.get(key);
    if (l != null) {
      for (ClientConn c : l) {
        c.close();
      }
    }
  }

  /**
   * Joins the relay at {@code peer} ({@code http(s)://host:port/derp}) to this one's region: a
   * {@link MeshLink} authenticated with this server's key and mesh key. Closed with the server.
   */
  public MeshLink meshWith(URI peer) {
    if (meshKey == null) {
      throw new IllegalStateException("mesh needs a mesh key");
    }
    MeshLink l = new MeshLink(this, peer, privateKey, meshKey);
    meshLinks.add(l);
    return l;
  }

  /** Routes packets for {@code key} through {@code fwd} while it is not connected here. */
  public void addPacketForwarder(NodeKey key, PacketForwarder fwd) {
    meshForwarders.put(key, fwd);
  }

  public void removePacketForwarder(NodeKey key, PacketForwarder fwd) {
    if (meshForwarders.remove(key, fwd) && !isConnected(key)) {
      notePeerGoneFromRegion(key);
    }
  }

  /**
   * Closes connections that did not finish the handshake in time or whose writes stalled, and sends
   * due keep-alives. Runs on the timer; tests with a manual clock call it directly.
   */
  public void housekeeping() {
    long now = clock.nanoTime();
    for (Map.Entry<Channel, Long> e : pending.entrySet()) {
      if (now - e.getValue() > handshakeTimeoutNanos) {
        pending.remove(e.getKey());
        metrics.inc(Counter.HANDSHAKE_TIMEOUTS);
        e.getKey().close();
      }
    }
    for (ClientConn c : running) {
      long since = c.unwritableSince;
      long limit = c.canMesh ? Math.max(writeTimeoutNanos, 30_000_000_000L) : writeTimeoutNanos;
      if (since != 0 && writeTimeoutNanos > 0 && now - since > limit) {
        metrics.inc(Counter.WRITE_TIMEOUTS);
        c.close();
        continue;
      }
      if (c.pausedForRate()) {
        c.ch.eventLoop().execute(c::resumeIfDue);
      }
      if (now - c.nextKeepAlive >= 0) {
        c.sendKeepAlive(now);
      }
    }
  }

  /** Clients whose channel is unwritable (the write-timeout clock is running for them). */
  public int stalledClients() {
    int n = 0;
    for (ClientConn c : running) {
      if (c.unwritableSince != 0) {
        n++;
      }
    }
    return n;
  }

  /** Connections accepted but not yet past the handshake. */
  public int pendingConnections() {
    return pending.size();
  }

  @Override
  public void close() {
    for (MeshLink m : meshLinks) {
      m.close();
    }
    for (Channel l : listeners) {
      l.close().awaitUninterruptibly();
    }
    for (ClientConn c : running) {
      c.close();
    }
    for (Channel p : pending.keySet()) {
      p.close();
    }
    if (ownsGroup) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
  }

  /** Server settings; defaults are derper's. */
  public static final class Builder {
    private final NoisePrivateKey privateKey;
    private byte[] meshKey;
    private Admission admission = Admission.denyAll();
    private NanoClock clock = NanoClock.SYSTEM;
    private Duration writeTimeout = Duration.ofSeconds(2);
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Duration keepAlive = Duration.ofSeconds(60);
    private int queueDepth = 32;
    private Duration tick = Duration.ofMillis(500);
    private int ioThreads = 0;
    private double acceptPerSecond;
    private double acceptBurst;
    private EventLoopGroup group;

    private Builder(NoisePrivateKey privateKey) {
      this.privateKey = privateKey;
    }

    /** The region's 32-byte mesh key; clients presenting it may watch, forward and close peers. */
    public Builder meshKey(byte[] k) {
      if (k != null && k.length != 32) {
        throw new IllegalArgumentException("mesh key: must be 32 bytes");
      }
      this.meshKey = k;
      return this;
    }

    public Builder admission(Admission a) {
      this.admission = a;
      return this;
    }

    public Builder clock(NanoClock c) {
      this.clock = c;
      return this;
    }

    /** How long writes to a client may stall (derper's --tcp-write-timeout, 2 s); 0 disables. */
    public Builder writeTimeout(Duration d) {
      this.writeTimeout = d;
      return this;
    }

    public Builder handshakeTimeout(Duration d) {
      this.handshakeTimeout = d;
      return this;
    }

    public Builder keepAlive(Duration d) {
      this.keepAlive = d;
      return this;
    }

    public Builder queueDepth(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("queue depth: must be at least 1");
      }
      this.queueDepth = n;
      return this;
    }

    /** How often the timer runs {@link DerpServer#housekeeping()}; zero for none (tests). */
    public Builder housekeepingTick(Duration d) {
      this.tick = d;
      return this;
    }

    /** At most {@code perSecond} new connections per second with {@code burst}; 0 for none. */
    public Builder acceptRate(double perSecond, int burst) {
      this.acceptPerSecond = perSecond;
      this.acceptBurst = Math.max(1, burst);
      return this;
    }

    public Builder ioThreads(int n) {
      this.ioThreads = n;
      return this;
    }

    public Builder eventLoopGroup(EventLoopGroup g) {
      this.group = g;
      return this;
    }

    public DerpServer build() {
      return new DerpServer(this);
    }
  }
}
