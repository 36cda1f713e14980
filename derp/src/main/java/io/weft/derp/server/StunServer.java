package io.weft.derp.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.weft.derp.server.Metrics.Counter;
import io.weft.derp.stun.Stun;
import java.net.InetSocketAddress;

/**
 * A STUN server for the relay's host (RFC 8489): answers each Binding request with a Binding
 * success response carrying XOR-MAPPED-ADDRESS (§14.2), the only attribute Tailscale's netcheck
 * reads (net/stun/stun.go ParseResponse). Anything else is counted and dropped. The codec is {@link
 * Stun}, shared with magicsock's client.
 */
public final class StunServer implements AutoCloseable {
  private final Channel channel;

  private StunServer(Channel channel) {
    this.channel = channel;
  }

  /** Binds {@code addr} on {@code group}; counts into {@code metrics}. */
  public static StunServer bind(EventLoopGroup group, InetSocketAddress addr, Metrics metrics)
      throws InterruptedException {
    Channel ch =
        new Bootstrap()
            .group(group)
            .channel(NioDatagramChannel.class)
            .handler(
                new SimpleChannelInboundHandler<DatagramPacket>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                    ByteBuf reply = respond(ctx, p.content(), p.sender());
                    if (reply == null) {
                      metrics.inc(Counter.STUN_BAD);
                      return;
                    }
                    metrics.inc(Counter.STUN_REQUESTS);
                    ctx.writeAndFlush(new DatagramPacket(reply, p.sender()));
                  }
                })
            .bind(addr)
            .sync()
            .channel();
    return new StunServer(ch);
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) channel.localAddress();
  }

  /** The response to {@code req} from {@code from}, or null when it is not a Binding request. */
  static ByteBuf respond(ChannelHandlerContext ctx, ByteBuf req, InetSocketAddress from) {
    int n = req.readableBytes();
    if (n < Stun.HEADER || n > Stun.MAX_LENGTH) {
      return null;
    }
    byte[] in = new byte[n];
    req.getBytes(req.readerIndex(), in);
    byte[] txid = Stun.parseBindingRequest(in, 0, n);
    if (txid == null) {
      return null;
    }
    return Unpooled.wrappedBuffer(Stun.bindingResponse(txid, from));
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
  }
}
