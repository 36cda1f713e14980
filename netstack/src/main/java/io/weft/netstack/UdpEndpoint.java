package io.weft.netstack;

import io.weft.netstack.udp.UdpSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/** A bound UDP port of a {@link NetStack}. */
public final class UdpEndpoint implements AutoCloseable {
  private final NetStack stack;
  private final UdpSocket socket;

  UdpEndpoint(NetStack stack, UdpSocket socket) {
    this.stack = stack;
    this.socket = socket;
  }

  public int port() {
    return socket.localPort();
  }

  /** Queues one datagram; false when the send buffer is full. */
  public boolean send(ByteBuffer payload, InetSocketAddress to) {
    return stack.sendUdp(socket, payload, to);
  }

  /** Waits for one datagram, copies it into {@code into} (truncating) and returns the sender. */
  public InetSocketAddress receive(ByteBuffer into, Duration timeout) throws IOException {
    return stack.receiveUdp(socket, into, timeout);
  }

  @Override
  public void close() {
    stack.closeUdp(socket);
  }
}
