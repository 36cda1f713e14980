package io.weft.control.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The HTTP/1.1 server on Netty: strict parsing, every buffer bounded by {@link HttpLimits},
 * optional TLS, requests handed to a {@link Handler} on a virtual thread, and {@code Upgrade} to a
 * raw byte stream for the Noise channel.
 */
public final class HttpServer implements AutoCloseable {
  /** Answers one request. Thrown exceptions become a 500. */
  @FunctionalInterface
  public interface Handler {
    HttpResponse handle(HttpRequest request) throws Exception;
  }

  /**
   * How many body bytes a request may carry, decided from its head (given with an empty body)
   * before any body byte is buffered: the authenticated limit for a request that proves its
   * credentials in its headers, the unauthenticated one otherwise.
   */
  @FunctionalInterface
  public interface BodyLimit {
    int maxBodyBytes(HttpRequest head);
  }

  private static final System.Logger LOG = System.getLogger(HttpServer.class.getName());
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,10}");
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

  private final Handler handler;
  private final BodyLimit bodyLimit;
  private final HttpLimits limits;
  private final SslContext tls;
  private final ConnectionLimiter limiter;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel server;
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong timedOut = new AtomicLong();
  private volatile boolean closed;

  /** Binds {@code address} (port 0: any free port) with the default limits and no TLS. */
  public HttpServer(InetSocketAddress address, Handler handler) throws IOException {
    this(
        address,
        handler,
        head -> HttpLimits.defaults().maxUnauthenticatedBodyBytes(),
        HttpLimits.defaults(),
        null);
  }

  /** Binds {@code address} (port 0: any free port); {@code tls} null serves plain HTTP. */
  public HttpServer(
      InetSocketAddress address,
      Handler handler,
      BodyLimit bodyLimit,
      HttpLimits limits,
      SslContext tls)
      throws IOException {
    this.handler = handler;
    this.bodyLimit = bodyLimit;
    this.limits = limits;
    this.tls = tls;
    this.limiter =
        new ConnectionLimiter(limits.maxConnections(), limits.maxConnectionsPerAddress());
    this.boss =
        new MultiThreadIoEventLoopGroup(
            1,
            Thread.ofPlatform().name("weft-http-accept").daemon().factory(),
            NioIoHandler.newFactory());
    this.workers =
        new MultiThreadIoEventLoopGroup(
            0,
            Thread.ofPlatform().name("weft-http-io-", 0).daemon().factory(),
            NioIoHandler.newFactory());
    ServerBootstrap b =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(64 * 1024, 256 * 1024))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    accept(ch);
                  }
                });
    try {
      this.server = b.bind(address).sync().channel();
    } catch (Exception e) {
      shutdownGroups();
      throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
  }

  /** A TLS context from PEM files: a certificate chain and its PKCS#8 private key. */
  public static SslContext tlsFromPem(Path certChain, Path privateKey) throws IOException {
    try {
      return SslContextBuilder.forServer(certChain.toFile(), privateKey.toFile())
          .sslProvider(SslProvider.JDK)
          .protocols("TLSv1.3", "TLSv1.2")
          .build();
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          "cannot load TLS certificate "
              + certChain
              + " and key "
              + privateKey
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** The bound address. */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  /** Whether this server speaks TLS. */
  public boolean tls() {
    return tls != null;
  }

  /** Connections open now. */
  public int openConnections() {
    return limiter.open();
  }

  /** Connections refused by a connection cap. */
  public long refusedConnections() {
    return limiter.refused();
  }

  /** Requests answered with a 4xx for malformed or over-limit input. */
  public long malformedRequests() {
    return malformed.get();
  }

  /** Connections closed for missing the request deadline or the idle timeout. */
  public long timedOutConnections() {
    return timedOut.get();
  }

  private void accept(SocketChannel ch) {
    InetAddress from = ch.remoteAddress().getAddress();
    if (closed || !limiter.tryAcquire(from)) {
      ch.close();
      return;
    }
    ch.closeFuture().addListener(f -> limiter.release(from));
    channels.add(ch);
    ChannelPipeline p = ch.pipeline();
    if (tls != null) {
      p.addLast("tls", tls.newHandler(ch.alloc()));
    }
    Timer timer = new Timer();
    HeadGuard guard = new HeadGuard();
    p.addLast("timer", timer);
    p.addLast("guard", guard);
    p.addLast("decoder", new StrictRequestDecoder(limits));
    p.addLast("encoder", new HttpResponseEncoder());
    p.addLast("app", new RequestHandler(timer, guard));
  }

  private Thread startThread(String name, Runnable task) {
    Thread t =
        Thread.ofVirtual()
            .name(name)
            .unstarted(
                () -> {
                  try {
                    task.run();
                  } finally {
                    threads.remove(Thread.currentThread());
                  }
                });
    threads.add(t);
    t.start();
    return t;
  }

  /**
   * Netty's decoder, strict: CRLF only, no duplicate Content-Length, Transfer-Encoding kept
   * visible.
   */
  private static final class StrictRequestDecoder extends HttpRequestDecoder {
    StrictRequestDecoder(HttpLimits limits) {
      super(
          new HttpDecoderConfig()
              .setMaxInitialLineLength(limits.maxRequestLineBytes())
              .setMaxHeaderSize(limits.maxHeaderBytes())
              .setMaxChunkSize(16 * 1024)
              .setAllowDuplicateContentLengths(false)
              .setStrictLineParsing(true)
              .setValidateHeaders(true));
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      // Keep both headers: the request handler refuses the pair instead of guessing which wins.
    }
  }

  /**
   * The request deadline and the idle timeout. From the accept (or, on a kept-alive connection, the
   * first byte after a response) the whole request must arrive within the deadline; between
   * requests a connection may idle for the idle timeout. Neither runs while a request is handled.
   */
  private final class Timer extends ChannelDuplexHandler {
    private ScheduledFuture<?> pending;
    private boolean idle;
    private ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
      arm(limits.requestDeadline(), false);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      cancel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (idle) {
        arm(limits.requestDeadline(), false);
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      cancel();
      ctx.fireChannelInactive();
    }

    /** The request is complete: no deadline while the handler runs. */
    void dispatched() {
      cancel();
    }

    /** The response is written and the connection kept: the idle timeout runs. */
    void awaitingNext() {
      arm(limits.idleTimeout(), true);
    }

    private void arm(Duration d, boolean idleTimer) {
      cancel();
      idle = idleTimer;
      pending =
          ctx.executor()
              .schedule(
                  () -> {
                    timedOut.incrementAndGet();
                    ctx.channel().close();
                  },
                  d.toNanos(),
                  TimeUnit.NANOSECONDS);
    }

    private void cancel() {
      idle = false;
      if (pending != null) {
        pending.cancel(false);
        pending = null;
      }
    }
  }

  /**
   * Scans the raw bytes of each request head for what Netty's decoder would silently accept: a line
   * that starts with a space or tab (obs-fold, RFC 9112 §5.2, or whitespace before the first header
   * field, §2.2). After the head it counts body bytes so that the connection is kept only if
   * nothing beyond the body arrived unscanned.
   */
  private static final class HeadGuard extends ChannelInboundHandlerAdapter {
    private boolean inHead = true;
    private boolean sawRequestLine;
    private boolean atLineStart;
    private int lineLength;
    private long afterHead;
    private boolean folded;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf b) {
        int i = b.readerIndex();
        int end = b.writerIndex();
        while (inHead && i < end) {
          scan(b.getByte(i++));
        }
        afterHead += end - i;
      }
      ctx.fireChannelRead(msg);
    }

    private void scan(byte c) {
      if (c == '\n') {
        if (lineLength == 0 && sawRequestLine) {
          inHead = false;
        } else if (lineLength > 0) {
          sawRequestLine = true;
        }
        lineLength = 0;
        atLineStart = true;
      } else if (c != '\r') {
        if (atLineStart && sawRequestLine && (c == ' ' || c == '\t')) {
          folded = true;
        }
        atLineStart = false;
        lineLength++;
      }
    }

    /** Whether the current head had a line starting with whitespace. */
    boolean folded() {
      return folded;
    }

    /**
     * Whether exactly {@code length} bytes followed the head (nothing pipelined behind the body).
     */
    boolean onlyBody(long length) {
      return !inHead && afterHead == length;
    }

    /** A response went out on a kept connection: the next bytes start a head. */
    void expectHead() {
      inHead = true;
      sawRequestLine = false;
      atLineStart = false;
      lineLength = 0;
      afterHead = 0;
      folded = false;
    }
  }

  private enum State {
    HEAD,
    BODY,
    BUSY,
    DONE
  }

  /** Collects one request within its body limit, dispatches it, and writes the answer. */
  private final class RequestHandler extends ChannelInboundHandlerAdapter {
    private final Timer timer;
    private final HeadGuard guard;
    private long length;
    private State state = State.HEAD;
    private io.netty.handler.codec.http.HttpRequest head;
    private byte[] body;
    private int received;
    private boolean pipelined;

    RequestHandler(Timer timer, HeadGuard guard) {
      this.timer = timer;
      this.guard = guard;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        switch (state) {
          case HEAD -> {
            if (msg instanceof io.netty.handler.codec.http.HttpRequest r) {
              onHead(ctx, r);
            }
            if (state == State.BODY && msg instanceof HttpContent c) {
              onContent(ctx, c);
            }
          }
          case BODY -> {
            if (msg instanceof HttpContent c) {
              onContent(ctx, c);
            }
          }
          case BUSY -> {
            // A request pipelined behind one in progress: not served; the connection closes after
            // the current answer.
            if (msg instanceof io.netty.handler.codec.http.HttpRequest) {
              pipelined = true;
            }
          }
          case DONE -> {}
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void onHead(ChannelHandlerContext ctx, io.netty.handler.codec.http.HttpRequest r) {
      if (r.decoderResult().isFailure()) {
        Throwable cause = r.decoderResult().cause();
        int status =
            cause instanceof TooLongHttpLineException
                ? 414
                : cause instanceof TooLongHttpHeaderException
                        || cause instanceof TooLongFrameException
                    ? 431
                    : 400;
        reject(ctx, status, "malformed request: " + brief(cause.getMessage()));
        return;
      }
      String problem = guard.folded() ? "header line starts with whitespace (obs-fold)" : check(r);
      if (problem != null) {
        reject(
            ctx,
            problem.startsWith("411") ? 411 : 400,
            problem.startsWith("411") ? problem.substring(4) : problem);
        return;
      }
      String cl = r.headers().get(HttpHeaderNames.CONTENT_LENGTH);
      length = cl == null ? 0 : Long.parseLong(cl);
      HttpRequest request;
      try {
        request = toRequest(ctx, r, new byte[0]);
      } catch (IllegalArgumentException e) {
        reject(ctx, 400, "malformed query string");
        return;
      }
      int max = bodyLimit.maxBodyBytes(request);
      if (length > max) {
        reject(ctx, 413, "body larger than " + max + " bytes");
        return;
      }
      head = r;
      body = new byte[(int) length];
      received = 0;
      state = State.BODY;
    }

    private void onContent(ChannelHandlerContext ctx, HttpContent c) {
      if (c.decoderResult().isFailure()) {
        reject(ctx, 400, "malformed body: " + brief(c.decoderResult().cause().getMessage()));
        return;
      }
      ByteBuf b = c.content();
      int n = b.readableBytes();
      if (n > body.length - received) {
        reject(ctx, 400, "body longer than its Content-Length");
        return;
      }
      b.readBytes(body, received, n);
      received += n;
      if (c instanceof LastHttpContent) {
        if (received != body.length) {
          reject(ctx, 400, "truncated body");
          return;
        }
        dispatch(ctx);
      }
    }

    private void dispatch(ChannelHandlerContext ctx) {
      state = State.BUSY;
      timer.dispatched();
      ctx.channel().config().setAutoRead(false);
      io.netty.handler.codec.http.HttpRequest r = head;
      HttpRequest request;
      try {
        request = toRequest(ctx, r, body);
      } catch (IllegalArgumentException e) {
        reject(ctx, 400, "malformed query string");
        return;
      }
      head = null;
      body = null;
      boolean keepAlive = HttpUtil.isKeepAlive(r);
      startThread(
          "weft-http-request",
          () -> {
            HttpResponse resp;
            try {
              resp = handler.handle(request);
            } catch (Exception | Error e) {
              LOG.log(
                  Level.ERROR,
                  "handler failed for " + request.method() + " " + brief(request.path()),
                  e);
              resp = HttpResponse.error(500, "internal error");
            }
            HttpResponse answer = resp;
            try {
              ctx.executor().execute(() -> respond(ctx, answer, keepAlive));
            } catch (RejectedExecutionException e) {
              // The server is shutting down: the connection closes with it.
              ctx.channel().close();
            }
          });
    }

    private void respond(ChannelHandlerContext ctx, HttpResponse resp, boolean keepAlive) {
      if (!ctx.channel().isActive()) {
        state = State.DONE;
        return;
      }
      if (resp.upgraded != null) {
        upgrade(ctx, resp);
        return;
      }
      boolean keep =
          keepAlive
              && !pipelined
              && !closed
              && guard.onlyBody(length)
              && !"close".equalsIgnoreCase(resp.headers.get("Connection"));
      if (!keep) {
        resp.header("Connection", "close");
      }
      ChannelFutureListener after =
          keep ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE;
      ctx.writeAndFlush(encode(resp)).addListener(after);
      if (keep) {
        state = State.HEAD;
        guard.expectHead();
        timer.awaitingNext();
        ctx.channel().config().setAutoRead(true);
      } else {
        state = State.DONE;
      }
    }

    private void upgrade(ChannelHandlerContext ctx, HttpResponse resp) {
      state = State.DONE;
      Channel ch = ctx.channel();
      ctx.writeAndFlush(encode(resp)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      UpgradedStream stream =
          new UpgradedStream(
              ch, limits.upgradedReadBuffer(), limits.upgradedWriteTimeout().toNanos());
      ChannelPipeline p = ch.pipeline();
      p.addLast("upgraded", stream);
      p.remove("timer");
      p.remove("guard");
      p.remove("encoder");
      p.remove(this);
      // Removed last: bytes the peer sent after the request go on to the upgraded stream.
      p.remove("decoder");
      ch.config().setAutoRead(true);
      startThread(
          "weft-http-upgraded",
          () -> {
            try {
              resp.upgraded.run(stream.in(), stream.out());
            } catch (IOException e) {
              LOG.log(Level.DEBUG, "upgraded connection ended: {0}", e.getMessage());
            } catch (RuntimeException | Error e) {
              LOG.log(Level.ERROR, "upgraded protocol failed", e);
            } finally {
              ch.close();
            }
          });
    }

    private void reject(ChannelHandlerContext ctx, int status, String reason) {
      malformed.incrementAndGet();
      state = State.DONE;
      head = null;
      body = null;
      timer.dispatched();
      ctx.channel().config().setAutoRead(false);
      ctx.writeAndFlush(encode(HttpResponse.error(status, reason).header("Connection", "close")))
          .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.log(Level.DEBUG, "connection failed: {0}", cause.toString());
      ctx.close();
    }
  }

  /** Why a decoded head is refused, or null. A reason starting {@code 411 } asks for a length. */
  private static String check(io.netty.handler.codec.http.HttpRequest r) {
    HttpVersion v = r.protocolVersion();
    if (v.majorVersion() != 1 || v.minorVersion() > 1) {
      return "unsupported HTTP version";
    }
    if (!TOKEN.matcher(r.method().name()).matches()) {
      return "malformed method";
    }
    String uri = r.uri();
    if (uri.isEmpty() || uri.charAt(0) != '/') {
      return "request target must be a path";
    }
    List<String> lengths = r.headers().getAll(HttpHeaderNames.CONTENT_LENGTH);
    boolean chunked = r.headers().contains(HttpHeaderNames.TRANSFER_ENCODING);
    if (chunked && !lengths.isEmpty()) {
      return "Transfer-Encoding together with Content-Length";
    }
    if (chunked) {
      return "411 chunked bodies are not accepted: send Content-Length";
    }
    if (lengths.size() > 1) {
      return "more than one Content-Length";
    }
    if (lengths.size() == 1 && !DIGITS.matcher(lengths.get(0)).matches()) {
      return "malformed Content-Length";
    }
    if (r.headers().getAll(HttpHeaderNames.HOST).size() > 1) {
      return "more than one Host";
    }
    return null;
  }

  private static HttpRequest toRequest(
      ChannelHandlerContext ctx, io.netty.handler.codec.http.HttpRequest r, byte[] body) {
    String target = r.uri();
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    Map<String, String> query = HttpRequest.parseQuery(q < 0 ? null : target.substring(q + 1));
    Map<String, String> headers = new LinkedHashMap<>();
    for (Map.Entry<String, String> h : r.headers()) {
      headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue());
    }
    return new HttpRequest(
        r.method().name(),
        path,
        query,
        headers,
        body,
        (InetSocketAddress) ctx.channel().remoteAddress());
  }

  private static FullHttpResponse encode(HttpResponse r) {
    FullHttpResponse out =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(r.status),
            Unpooled.wrappedBuffer(r.body));
    for (Map.Entry<String, String> h : r.headers.entrySet()) {
      out.headers().set(h.getKey(), h.getValue());
    }
    if (r.upgraded == null) {
      out.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.body.length);
    }
    return out;
  }

  private static String brief(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 100; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }

  @Override
  public void close() {
    closed = true;
    server.close().awaitUninterruptibly(5_000);
    channels.close().awaitUninterruptibly(5_000);
    // Let connections finish their cleanup (it may touch storage) before the caller closes it.
    long deadline = System.nanoTime() + 10_000_000_000L;
    try {
      for (Thread t : threads) {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          t.join(Duration.ofNanos(left));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    shutdownGroups();
  }

  private void shutdownGroups() {
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
  }
}
