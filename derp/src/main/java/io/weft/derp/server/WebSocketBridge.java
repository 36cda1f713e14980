package io.weft.derp.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.List;

/**
 * DERP over WebSocket (derpserver/websocket.go): binary messages carry the DERP byte stream
 * unchanged, so inbound message payloads go to the DERP handler as bytes and each outbound write
 * becomes one binary message. Text messages close the connection.
 */
final class WebSocketBridge extends MessageToMessageCodec<WebSocketFrame, ByteBuf> {
  @Override
  protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
    out.add(new BinaryWebSocketFrame(msg.retain()));
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, WebSocketFrame msg, List<Object> out) {
    if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
      out.add(msg.content().retain());
    } else if (msg instanceof PingWebSocketFrame) {
      ctx.writeAndFlush(new PongWebSocketFrame(msg.content().retain()));
    } else if (msg instanceof PongWebSocketFrame) {
      // nothing to do
    } else if (msg instanceof CloseWebSocketFrame) {
      ctx.close();
    } else {
      ctx.close();
    }
  }
}
