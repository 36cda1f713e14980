package io.weft.derp.server;

import static io.weft.derp.wire.FrameType.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.weft.derp.NodeKey;
import io.weft.derp.server.Metrics.Counter;
import io.weft.derp.wire.Frame;
import io.weft.derp.wire.FrameDecoder;
import io.weft.derp.wire.Frames;
import io.weft.derp.wire.Info;
import io.weft.derp.wire.NaclBox;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One DERP connection on the server, after the HTTP upgrade: the handshake, then the read side
 * (frames from the client, on its event loop) and the write side (two bounded queues, data and
 * disco, drained on its event loop while the channel is writable).
 *
 * <p>Queue policy as derper's sendPkt (derpserver.go:1488): when a queue is full, up to three times
 * drop the oldest queued packet and retry; then drop the new packet.
 */
final class ClientConn extends ChannelInboundHandlerAdapter implements FrameDecoder.Handler {
  private static final int MAX_RECEIVED_FROM = 10_000;

  enum State {
    AWAIT_CLIENT_INFO,
    RUNNING,
    CLOSED
  }

  private final DerpServer server;
  private final Metrics metrics;
  final Channel ch;
  private final FrameDecoder decoder = new FrameDecoder(FrameDecoder.SERVER);
  private final ArrayBlockingQueue<ByteBuf> data;
  private final ArrayBlockingQueue<ByteBuf> disco;
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable drainTask = this::drain;

  /** The sources this client received packets from: it hears when they go away. */
  final Set<NodeKey> receivedFrom = ConcurrentHashMap.newKeySet();

  final boolean idealNodeMismatch;
  private ChannelHandlerContext ctx;
  private long unknownCounted;
  private RateConfig rate = RateConfig.NONE;
  private double tokens;
  private long refilled;
  private volatile boolean pausedForRate;
  private ByteBuf pendingIn;

  volatile State state = State.AWAIT_CLIENT_INFO;
  volatile NodeKey key;
  volatile boolean canMesh;
  volatile boolean prober;
  private boolean preferred;

  /** Monotonic time when the channel became unwritable; 0 while writable. */
  volatile long unwritableSince;

  volatile long nextKeepAlive;
  // PeerGone(not here) limiter: 3 burst, 1 per second (derpserver.go:1055), on the server clock.
  private double peerGoneTokens = 3;
  private long peerGoneRefilled;

  ClientConn(DerpServer server, Channel ch, boolean idealNodeMismatch) {
    this.server = server;
    this.metrics = server.metrics();
    this.ch = ch;
    this.idealNodeMismatch = idealNodeMismatch;
    this.data = new ArrayBlockingQueue<>(server.queueDepth());
    this.disco = new ArrayBlockingQueue<>(server.queueDepth());
    this.peerGoneRefilled = server.clock().nanoTime();
  }

  InetSocketAddress remote() {
    return ch.remoteAddress() instanceof InetSocketAddress a ? a : null;
  }

  int presentFlags() {
    int f = 0;
    if (canMesh) {
      f |= PEER_PRESENT_IS_MESH_PEER;
    } else if (prober) {
      f |= PEER_PRESENT_IS_PROBER;
    } else {
      f |= PEER_PRESENT_IS_REGULAR;
    }
    if (idealNodeMismatch) {
      f |= PEER_PRESENT_NOT_IDEAL;
    }
    return f;
  }

  /** The ServerKey frame, written by the HTTP front before it hands the channel over. */
  ByteBuf serverKeyFrame() {
    byte[] b = new byte[HEADER_LENGTH + MAGIC.length + KEY_LENGTH];
    Frames.serverKey(b, 0, server.publicKeyBytes());
    return ch.alloc().buffer(b.length).writeBytes(b);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ReferenceCountUtil.release(msg); // the HTTP codec's trailing empty content
      return;
    }
    if (state == State.CLOSED) {
      buf.release();
      return;
    }
    if (pausedForRate) {
      // a read already in flight when reading paused: keep it behind the pending bytes
      pendingIn = pendingIn == null ? buf : Unpooled.wrappedBuffer(pendingIn, buf);
      return;
    }
    process(buf);
  }

  /** Decodes {@code buf} (and releases it); keeps the rest when the rate limit pauses reading. */
  private void process(ByteBuf buf) {
    try {
      ByteBuffer bb =
          buf.nioBufferCount() == 1 ? buf.nioBuffer() : ByteBuffer.wrap(ByteBufUtil.getBytes(buf));
      int start = bb.position();
      int r = decoder.feed(bb, this);
      long unknown = decoder.unknownSkipped();
      if (unknown != unknownCounted) {
        metrics.add(Counter.FRAMES_UNKNOWN, unknown - unknownCounted);
        unknownCounted = unknown;
      }
      if (r == FrameDecoder.TOO_LARGE) {
        metrics.inc(Counter.FRAMES_MALFORMED);
        close();
      } else if (r == FrameDecoder.STOPPED && pausedForRate && state != State.CLOSED) {
        int consumed = bb.position() - start;
        pendingIn = buf.retainedSlice(buf.readerIndex() + consumed, buf.readableBytes() - consumed);
        ch.config().setAutoRead(false);
        metrics.inc(Counter.RATE_LIMITED);
        scheduleResume();
      }
    } finally {
      buf.release();
    }
  }

  // ---- receive rate limit (derpserver.go:1368-1438), on the server clock

  /** Applies {@code rc} (on this connection's event loop); mesh peers are exempt. */
  void setRate(RateConfig rc) {
    ch.eventLoop()
        .execute(
            () -> {
              rate = canMesh || !rc.enabled() ? RateConfig.NONE : rc;
              tokens = rate.burstBytes();
              refilled = server.clock().nanoTime();
              if (!rate.enabled() && pausedForRate) {
                resumeIfDue();
              }
            });
  }

  private void refill(long now) {
    tokens = Math.min(rate.burstBytes(), tokens + (now - refilled) * (rate.bytesPerSecond() / 1e9));
    refilled = now;
  }

  /** Debits a frame; true when the bucket is overdrawn and reading must pause after it. */
  private boolean debit(int frameLength) {
    if (!rate.enabled()) {
      return false;
    }
    refill(server.clock().nanoTime());
    tokens -= Math.min(frameLength, RateConfig.MIN_BURST);
    return tokens < 0;
  }

  private void scheduleResume() {
    long delay = rate.enabled() ? (long) (-tokens / rate.bytesPerSecond() * 1e9) : 0;
    ch.eventLoop().schedule(this::resumeIfDue, Math.max(delay, 1_000_000L), TimeUnit.NANOSECONDS);
  }

  boolean pausedForRate() {
    return pausedForRate;
  }

  /** Resumes reading once the bucket is no longer overdrawn (event loop; timer or housekeeping). */
  void resumeIfDue() {
    if (!pausedForRate || state == State.CLOSED) {
      return;
    }
    if (rate.enabled()) {
      refill(server.clock().nanoTime());
      if (tokens < 0) {
        scheduleResume();
        return;
      }
    }
    pausedForRate = false;
    ByteBuf p = pendingIn;
    pendingIn = null;
    if (p != null) {
      process(p);
    }
    if (!pausedForRate && state != State.CLOSED) {
      ch.config().setAutoRead(true);
    }
  }

  @Override
  public boolean onFrame(Frame f) {
    if (state == State.AWAIT_CLIENT_INFO) {
      return handshake(f);
    }
    if (!f.checkLength()) {
      metrics.inc(Counter.FRAMES_MALFORMED);
      close();
      return false;
    }
    boolean overdrawn = debit(f.length());
    boolean go = handle(f);
    if (go && overdrawn && state != State.CLOSED) {
      pausedForRate = true;
      return false;
    }
    return go;
  }

  private boolean handle(Frame f) {
    switch (f.type()) {
      case SEND_PACKET -> {
        metrics.inc(Counter.PACKETS_RECV);
        metrics.add(Counter.BYTES_RECV, f.packetLength());
        server.route(
            this,
            NodeKey.of(f.buffer(), f.dstKeyOffset()),
            f.buffer(),
            f.packetOffset(),
            f.packetLength());
      }
      case FORWARD_PACKET -> {
        if (!canMesh) {
          return protocolError();
        }
        metrics.inc(Counter.FORWARDED_IN);
        server.deliverForwarded(
            this,
            NodeKey.of(f.buffer(), f.keyOffset()),
            NodeKey.of(f.buffer(), f.dstKeyOffset()),
            f.buffer(),
            f.packetOffset(),
            f.packetLength());
      }
      case NOTE_PREFERRED -> {
        boolean p = f.preferred();
        if (p != preferred) {
          preferred = p;
          metrics.currentHomeClients.addAndGet(p ? 1 : -1);
        }
      }
      case WATCH_CONNS -> {
        if (!canMesh || f.length() != 0) {
          return protocolError();
        }
        server.addWatcher(this);
      }
      case CLOSE_PEER -> {
        if (!canMesh) {
          return protocolError();
        }
        server.closePeer(NodeKey.of(f.buffer(), f.keyOffset()));
      }
      case PING -> {
        metrics.inc(Counter.PINGS);
        if (ch.isWritable()) {
          byte[] b = new byte[HEADER_LENGTH + PING_LENGTH];
          Frames.ping(b, 0, PONG, f.pingData());
          ctx.writeAndFlush(ctx.alloc().buffer(b.length).writeBytes(b), ch.voidPromise());
        } else {
          metrics.inc(Counter.PONGS_DROPPED);
        }
      }
      default -> {
        // Pong and other client frames the server does not act on.
      }
    }
    return true;
  }

  private boolean protocolError() {
    metrics.inc(Counter.PROTOCOL_ERRORS);
    close();
    return false;
  }

  private boolean handshake(Frame f) {
    if (f.type() != CLIENT_INFO || !f.checkLength()) {
      metrics.inc(Counter.HANDSHAKE_FAILURES);
      close();
      return false;
    }
    byte[] clientKey = new byte[KEY_LENGTH];
    System.arraycopy(f.buffer(), f.keyOffset(), clientKey, 0, KEY_LENGTH);
    byte[] json =
        NaclBox.openFrom(
            server.privateKeyBytes(), clientKey, f.buffer(), f.sealedOffset(), f.sealedLength());
    Info.ClientInfo info = json == null ? null : Info.ClientInfo.parse(json);
    if (info == null) {
      metrics.inc(Counter.HANDSHAKE_FAILURES);
      close();
      return false;
    }
    NodeKey k = NodeKey.of(clientKey, 0);
    byte[] mesh = server.meshKeyBytes();
    boolean isMesh =
        mesh != null && info.meshKey() != null && MessageDigest.isEqual(mesh, info.meshKey());
    if (!isMesh && !server.admission().admit(k)) {
      metrics.inc(Counter.ADMISSION_REJECTED);
      close();
      return false;
    }
    byte[] sealed =
        NaclBox.sealTo(
            server.privateKeyBytes(),
            clientKey,
            new Info.ServerInfo(PROTOCOL_VERSION, 0, 0).toJson());
    if (sealed == null) {
      metrics.inc(Counter.HANDSHAKE_FAILURES);
      close();
      return false;
    }
    this.key = k;
    this.canMesh = isMesh;
    this.prober = info.isProber();
    // Registered before ServerInfo goes out (as derper does), so a client that has its
    // ServerInfo is reachable.
    scheduleKeepAlive(server.clock().nanoTime());
    state = State.RUNNING;
    server.register(this);
    byte[] b = new byte[HEADER_LENGTH + sealed.length];
    Frames.serverInfo(b, 0, sealed);
    ctx.writeAndFlush(ctx.alloc().buffer(b.length).writeBytes(b), ch.voidPromise());
    return true;
  }

  void scheduleKeepAlive(long now) {
    long jitter = ThreadLocalRandom.current().nextLong(5_000_000_000L);
    nextKeepAlive = now + server.keepAliveNanos() + jitter;
  }

  /** Whether a PeerGone(not here) may be sent now (token bucket on the server clock). */
  synchronized boolean allowPeerGone(long now) {
    double elapsed = (now - peerGoneRefilled) / 1e9;
    peerGoneRefilled = now;
    peerGoneTokens = Math.min(3, peerGoneTokens + elapsed);
    if (peerGoneTokens >= 1) {
      peerGoneTokens -= 1;
      return true;
    }
    return false;
  }

  /** Queues a RecvPacket from {@code src}; called on the sender's thread. */
  void enqueue(NodeKey src, byte[] p, int off, int len) {
    if (state == State.CLOSED) {
      metrics.inc(Counter.DROP_GONE);
      return;
    }
    if (receivedFrom.size() < MAX_RECEIVED_FROM && receivedFrom.add(src)) {
      server.addPeerGoneWatcher(src, this);
    }
    ByteBuf b = ch.alloc().buffer(HEADER_LENGTH + KEY_LENGTH + len);
    b.writeByte(RECV_PACKET).writeInt(KEY_LENGTH + len);
    src.writeTo(b);
    b.writeBytes(p, off, len);
    ArrayBlockingQueue<ByteBuf> q = looksLikeDisco(p, off, len) ? disco : data;
    offer(q, b);
  }

  /** Queues a ready-made frame (keep-alive, peer state) on the data path. */
  void enqueueControl(ByteBuf frame) {
    ch.eventLoop()
        .execute(
            () -> {
              if (ch.isActive()) {
                ctx.writeAndFlush(frame, ch.voidPromise());
              } else {
                frame.release();
              }
            });
  }

  private void offer(ArrayBlockingQueue<ByteBuf> q, ByteBuf b) {
    for (int attempt = 0; attempt < 3; attempt++) {
      if (q.offer(b)) {
        scheduleDrain();
        return;
      }
      ByteBuf old = q.poll();
      if (old != null) {
        old.release();
        metrics.inc(Counter.DROP_QUEUE_HEAD);
      }
    }
    b.release();
    metrics.inc(Counter.DROP_QUEUE_TAIL);
    scheduleDrain();
  }

  private void scheduleDrain() {
    if (drainScheduled.compareAndSet(false, true)) {
      ch.eventLoop().execute(drainTask);
    }
  }

  private void drain() {
    drainScheduled.set(false);
    if (state == State.CLOSED || ctx == null) {
      releaseQueues();
      return;
    }
    int n = 0;
    while (ch.isWritable()) {
      ByteBuf b = disco.poll();
      if (b == null) {
        b = data.poll();
      }
      if (b == null) {
        break;
      }
      metrics.inc(Counter.PACKETS_SENT);
      metrics.add(Counter.BYTES_SENT, b.readableBytes() - HEADER_LENGTH - KEY_LENGTH);
      ctx.write(b, ch.voidPromise());
      n++;
    }
    if (n > 0) {
      ctx.flush();
    }
    if (ch.isWritable() && (!data.isEmpty() || !disco.isEmpty())) {
      scheduleDrain();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ch.isWritable()) {
      unwritableSince = 0;
      scheduleDrain();
    } else {
      long now = server.clock().nanoTime();
      unwritableSince = now == 0 ? 1 : now;
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** Writes a keep-alive (housekeeping found it due). */
  void sendKeepAlive(long now) {
    scheduleKeepAlive(now);
    metrics.inc(Counter.KEEPALIVES);
    enqueueControl(ch.alloc().buffer(HEADER_LENGTH).writeByte(KEEP_ALIVE).writeInt(0));
  }

  void sendPeerGone(NodeKey peer, int reason) {
    metrics.inc(
        reason == PEER_GONE_NOT_HERE ? Counter.PEER_GONE_NOT_HERE : Counter.PEER_GONE_DISCONNECTED);
    byte[] b = new byte[HEADER_LENGTH + KEY_LENGTH + 1];
    byte[] k = peer.toBytes();
    Frames.peerGone(b, 0, k, 0, reason);
    enqueueControl(ch.alloc().buffer(b.length).writeBytes(b));
  }

  void sendPeerPresent(NodeKey peer, InetSocketAddress addr, int flags) {
    byte[] ip16 = new byte[16];
    int port = 0;
    if (addr != null && addr.getAddress() != null) {
      byte[] a = addr.getAddress().getAddress();
      if (a.length == 4) {
        ip16[10] = (byte) 0xff;
        ip16[11] = (byte) 0xff;
        System.arraycopy(a, 0, ip16, 12, 4);
      } else {
        System.arraycopy(a, 0, ip16, 0, 16);
      }
      port = addr.getPort();
    }
    byte[] b = new byte[HEADER_LENGTH + PEER_PRESENT_LENGTH];
    Frames.peerPresent(b, 0, peer.toBytes(), 0, ip16, port, flags);
    enqueueControl(ch.alloc().buffer(b.length).writeBytes(b));
  }

  void close() {
    ch.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    State was = state;
    state = State.CLOSED;
    if (preferred) {
      metrics.currentHomeClients.decrementAndGet();
      preferred = false;
    }
    if (was == State.RUNNING) {
      server.unregister(this);
    }
    ch.eventLoop().execute(this::releaseQueues);
    ctx.fireChannelInactive();
  }

  private void releaseQueues() {
    if (pendingIn != null) {
      pendingIn.release();
      pendingIn = null;
    }
    ByteBuf b;
    while ((b = data.poll()) != null) {
      b.release();
      metrics.inc(Counter.DROP_GONE);
    }
    while ((b = disco.poll()) != null) {
      b.release();
      metrics.inc(Counter.DROP_GONE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    close();
  }
}
