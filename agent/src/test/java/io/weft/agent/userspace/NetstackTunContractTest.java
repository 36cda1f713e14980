package io.weft.agent.userspace;

import io.weft.netstack.NetStackConfig;
import io.weft.netstack.UdpEndpoint;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.wire.IpAddress;
import io.weft.testing.Await;
import io.weft.wg.testing.BlockingReader;
import io.weft.wg.testing.IpPackets;
import io.weft.wg.testing.TunContract;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * {@link NetstackTun} keeps the {@link TunContract}; its peer is a UDP socket of the stack itself
 * (what the stack sends, the device reads; what the device writes, the socket receives).
 */
class NetstackTunContractTest extends TunContract {
  private static final byte[] LOCAL = {100, 64, 0, 1};
  private static final byte[] REMOTE = {100, 64, 0, 9};
  private static final int LOCAL_PORT = 5002;
  private static final int REMOTE_PORT = 5001;

  private NetstackTun tun;
  private UdpEndpoint socket;

  @BeforeEach
  void open() throws IOException {
    tun =
        new NetstackTun(
            "contract",
            NetStackConfig.of(
                InterfaceConfig.of(IpAddress.parse("100.64.0.1"), IpAddress.parse("fd7a::1"))),
            NetstackTun.DEFAULT_QUEUE);
    socket = tun.stack().openUdp(LOCAL_PORT);
  }

  @AfterEach
  void close() {
    socket.close();
    tun.close();
  }

  @Override
  protected Tun device() {
    return tun;
  }

  @Override
  protected void awaitBlocked(BlockingReader reader) {
    Await.untilParked(reader.thread(), TIMEOUT);
  }

  @Override
  protected Peer peer() {
    return new Peer() {
      @Override
      public void send(int first, int count) {
        final int before = tun.queued();
        final InetSocketAddress to = new InetSocketAddress("100.64.0.9", REMOTE_PORT);
        for (int i = 0; i < count; i++) {
          if (!socket.send(ByteBuffer.allocate(4).putInt(0, first + i), to)) {
            throw new AssertionError("the stack's send buffer is full at datagram " + i);
          }
        }
        Await.until(
            count + " datagrams queued at the device",
            TIMEOUT,
            () -> tun.queued() >= before + count);
      }

      @Override
      public byte[] packetCarrying(int seq) {
        return IpPackets.udp4(REMOTE, REMOTE_PORT, LOCAL, LOCAL_PORT, seq);
      }

      @Override
      public List<Integer> receive(int count, Duration timeout) throws IOException {
        final List<Integer> out = new ArrayList<>();
        final ByteBuffer into = ByteBuffer.allocate(64);
        while (out.size() < count) {
          into.clear();
          if (socket.receive(into, timeout) == null) {
            throw new AssertionError("no datagram within " + timeout + " after " + out);
          }
          out.add(into.getInt(0));
        }
        return out;
      }
    };
  }
}
