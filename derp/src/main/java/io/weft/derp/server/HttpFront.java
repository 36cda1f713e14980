package io.weft.derp.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import io.weft.derp.server.Metrics.Counter;
import io.weft.derp.wire.FrameType;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The relay's HTTP surface (derpserver/handler.go, cmd/derper/derper.go): {@code /derp} upgrades to
 * DERP (raw, with or without {@code Derp-Fast-Start}, or WebSocket with the {@code derp}
 * subprotocol); {@code /derp/probe}, {@code /derp/latency-check}, {@code /generate_204}; {@code
 * /metrics} for loopback callers only. Plain responses close the connection.
 */
final class HttpFront extends SimpleChannelInboundHandler<HttpObject> {
  static final String CODEC = "http";

  private final DerpServer server;

  HttpFront(DerpServer server) {
    super(false);
    this.server = server;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
    if (!(msg instanceof HttpRequest req)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    server.metrics().inc(Counter.HTTP_REQUESTS);
    if (req.decoderResult().isFailure()) {
      server.metrics().inc(Counter.HTTP_BAD_REQUESTS);
      respond(ctx, HttpResponseStatus.BAD_REQUEST, "bad request\n", null);
      return;
    }
    String uri = req.uri();
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    HttpMethod m = req.method();
    switch (path) {
      case "/derp/probe", "/derp/latency-check" -> {
        if (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD)) {
          FullHttpResponse r = response(HttpResponseStatus.OK, "");
          r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
          send(ctx, r);
        } else {
          respond(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "bogus probe method\n", null);
        }
      }
      case "/derp" -> upgrade(ctx, req);
      case "/generate_204" -> {
        FullHttpResponse r = response(HttpResponseStatus.NO_CONTENT, "");
        String ch = req.headers().get("X-Tailscale-Challenge");
        if (ch != null && ch.length() <= 64 && ch.chars().allMatch(HttpFront::challengeChar)) {
          r.headers().set("X-Tailscale-Response", "response " + ch);
        }
        r.headers()
            .set(
                HttpHeaderNames.CACHE_CONTROL,
                "no-cache, no-store, must-revalidate, no-transform, max-age=0");
        send(ctx, r);
      }
      case "/metrics" -> {
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress a
            && a.getAddress().isLoopbackAddress()) {
          respond(
              ctx,
              HttpResponseStatus.OK,
              server.metrics().render(),
              "text/plain; version=0.0.4; charset=utf-8");
        } else {
          respond(ctx, HttpResponseStatus.FORBIDDEN, "metrics are served to loopback only\n", null);
        }
      }
      case "/robots.txt" ->
          respond(ctx, HttpResponseStatus.OK, "User-agent: *\nDisallow: /\n", null);
      case "/" -> respond(ctx, HttpResponseStatus.OK, "Weft DERP relay\n", null);
      default -> respond(ctx, HttpResponseStatus.NOT_FOUND, "not found\n", null);
    }
  }

  static boolean challengeChar(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '-'
        || c == '_'
        || c == ':';
  }

  private void upgrade(ChannelHandlerContext ctx, HttpRequest req) {
    String up = req.headers().get(HttpHeaderNames.UPGRADE, "").toLowerCase(Locale.ROOT);
    if (!up.equals("derp") && !up.equals("websocket")) {
      respond(ctx, HttpResponseStatus.UPGRADE_REQUIRED, "DERP requires connection upgrade\n", null);
      return;
    }
    boolean idealMismatch = req.headers().contains("Ideal-Node");
    ClientConn conn = new ClientConn(server, ctx.channel(), idealMismatch);
    ChannelPipeline p = ctx.pipeline();
    String proto = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, "");
    if (up.equals("websocket") && proto.contains("derp")) {
      upgradeWebSocket(ctx, req, conn);
      return;
    }
    boolean fastStart = "1".equals(req.headers().get("Derp-Fast-Start"));
    ByteBuf hello = ctx.alloc().buffer(256);
    if (!fastStart) {
      hello.writeCharSequence(
          "HTTP/1.1 101 Switching Protocols\r\n"
              + "Upgrade: DERP\r\n"
              + "Connection: Upgrade\r\n"
              + "Derp-Version: "
              + FrameType.PROTOCOL_VERSION
              + "\r\n"
              + "Derp-Public-Key: "
              + server.publicKey().toHex()
              + "\r\n\r\n",
          StandardCharsets.US_ASCII);
    }
    ByteBuf key = conn.serverKeyFrame();
    hello.writeBytes(key);
    key.release();
    // Written below the HTTP codec (its encoder takes only HTTP objects), then the codec goes
    // and whatever the client sent after its request reaches the DERP handler.
    p.context(CODEC).writeAndFlush(hello);
    p.replace(this, "derp", conn);
    p.remove(CODEC);
  }

  private void upgradeWebSocket(ChannelHandlerContext ctx, HttpRequest req, ClientConn conn) {
    String scheme = server.isTls() ? "wss" : "ws";
    String host = req.headers().get(HttpHeaderNames.HOST, "localhost");
    WebSocketServerHandshakerFactory f =
        new WebSocketServerHandshakerFactory(
            scheme + "://" + host + "/derp", "derp", false, FrameType.CLIENT_MAX_FRAME + 64);
    DefaultFullHttpRequest full =
        new DefaultFullHttpRequest(
            req.protocolVersion(),
            req.method(),
            req.uri(),
            Unpooled.EMPTY_BUFFER,
            req.headers(),
            EmptyHttpHeaders.INSTANCE);
    WebSocketServerHandshaker hs = f.newHandshaker(full);
    if (hs == null) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
      return;
    }
    ChannelPipeline p = ctx.pipeline();
    p.replace(this, "ws", new WebSocketBridge());
    p.addLast("derp", conn);
    hs.handshake(ctx.channel(), full)
        .addListener(
            (ChannelFutureListener)
                fu -> {
                  if (!fu.isSuccess()) {
                    fu.channel().close();
                    return;
                  }
                  server.metrics().inc(Counter.WEBSOCKET_ACCEPTS);
                  fu.channel().writeAndFlush(conn.serverKeyFrame());
                });
  }

  private static FullHttpResponse response(HttpResponseStatus status, String body) {
    ByteBuf b = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, b);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, b.readableBytes());
    return r;
  }

  private static void respond(
      ChannelHandlerContext ctx, HttpResponseStatus s, String body, String type) {
    FullHttpResponse r = response(s, body);
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, type == null ? "text/plain; charset=utf-8" : type);
    send(ctx, r);
  }

  private static void send(ChannelHandlerContext ctx, FullHttpResponse r) {
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  static HttpServerCodec codec() {
    return new HttpServerCodec(4096, 8192, 8192);
  }
}
