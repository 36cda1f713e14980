package io.weft.derp.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.weft.derp.server.Metrics.Counter;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * A STUN server for the relay's host (RFC 8489): answers each Binding request with a Binding
 * success response carrying XOR-MAPPED-ADDRESS (§14.2), the only attribute Tailscale's netcheck
 * reads (net/stun/stun.go ParseResponse). Anything else is counted and dropped.
 */
public final class StunServer implements AutoCloseable {
  static final int MAGIC_COOKIE = 0x2112A442;
  static final int BINDING_REQUEST = 0x0001;
  static final int BINDING_SUCCESS = 0x0101;
  static final int XOR_MAPPED_ADDRESS = 0x0020;
  static final int HEADER = 20;

  private final Channel channel;

  private StunServer(Channel channel) {
    this.channel = channel;
  }

  /** Binds {@code addr} on {@code group}; counts into {@code metrics}. */
  public static StunServer bind(EventLoopGroup group, InetSocketAddress addr, Metrics metrics)
      throws InterruptedException {
    Channel ch = new Bootstrap().group(group).channel(NioDatagramChannel.class)
        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
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
        }).bind(addr).sync().channel();
    return new StunServer(ch);
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) channel.localAddress();
  }

  /** The response to {@code req} from {@code from}, or null when it is not a Binding request. */
  static ByteBuf respond(ChannelHandlerContext ctx, ByteBuf req, InetSocketAddress from) {
    int n = req.readableBytes();
    int r = req.readerIndex();
    if (n < HEADER || n > 1500) {
      return null;
    }
    int type = req.getUnsignedShort(r);
    int len = req.getUnsignedShort(r + 2);
    if (type != BINDING_REQUEST || req.getInt(r + 4) != MAGIC_COOKIE || len + HEADER != n
        || (len & 3) != 0) {
      return null;
    }
    byte[] txid = new byte[12];
    req.getBytes(r + 8, txid);
    byte[] ip = from.getAddress().getAddress();
    boolean v4 = from.getAddress() instanceof Inet4Address;
    int attrLen = 4 + ip.length;
    ByteBuf b = ctx.alloc().buffer(HEADER + 4 + attrLen);
    b.writeShort(BINDING_SUCCESS).writeShort(4 + attrLen).writeInt(MAGIC_COOKIE).writeBytes(txid);
    b.writeShort(XOR_MAPPED_ADDRESS).writeShort(attrLen);
    b.writeByte(0).writeByte(v4 ? 1 : 2).writeShort(from.getPort() ^ (MAGIC_COOKIE >>> 16));
    byte[] mask = new byte[16];
    mask[0] = 0x21;
    mask[1] = 0x12;
    mask[2] = (byte) 0xA4;
    mask[3] = 0x42;
    System.arraycopy(txid, 0, mask, 4, 12);
    for (int i = 0; i < ip.length; i++) {
      b.writeByte(ip[i] ^ mask[i]);
    }
    return b;
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
  }
}
