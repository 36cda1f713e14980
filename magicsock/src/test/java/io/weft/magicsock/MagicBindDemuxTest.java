package io.weft.magicsock;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.derp.stun.Stun;
import io.weft.magicsock.disco.DiscoPacket;
import io.weft.wg.conn.Bind;
import io.weft.wg.conn.BindFactory;
import io.weft.wg.conn.Binds;
import io.weft.wg.conn.Endpoint;
import io.weft.wg.conn.RelayMap;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.key.DiscoPrivateKey;
import io.weft.wg.key.NoisePrivateKey;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The socket demultiplexer with the plain and the platform (batched on Linux) UDP bind inside:
 * disco and STUN datagrams between WireGuard ones are consumed, and the WireGuard ones reach the
 * caller intact and in order, even when a batch has holes to close.
 */
@Timeout(20)
class MagicBindDemuxTest {
  @ParameterizedTest
  @ValueSource(strings = {"plain", "platform"})
  void onlyWireGuardReachesTheDevice(String inner) throws Exception {
    Supplier<Bind> udp = inner.equals("plain") ? UdpBind::new : Binds::defaultBind;
    SecureRandom r = new SecureRandom();
    NoisePrivateKey n = NoisePrivateKey.generate(r);
    DiscoPrivateKey d = DiscoPrivateKey.generate(r);
    MagicBind bind =
        (MagicBind)
            MagicBind.factory(
                    MagicBind.Options.defaults()
                        .withTickInterval(null)
                        .withUdp(udp)
                        .withInterfaceEndpoints(false))
                .create(
                    new BindFactory.NodeKeys(n, n.publicKey(), d, d.publicKey()),
                    RelayMap.EMPTY,
                    BindFactory.EndpointListener.NONE);
    try (bind;
        DatagramChannel ch = DatagramChannel.open()) {
      bind.open(0);
      InetSocketAddress to = new InetSocketAddress("127.0.0.1", bind.port());
      List<byte[]> wireGuard = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        byte[] wg = new byte[32 + i];
        wg[0] = 4; // transport data: 4, then three zero bytes
        wg[4] = (byte) i;
        wireGuard.add(wg);
        // disco and STUN first, so all are handled by the time the last WireGuard one is out
        byte[] disco = new byte[80];
        System.arraycopy(DiscoPacket.MAGIC, 0, disco, 0, 6);
        ch.send(ByteBuffer.wrap(disco), to);
        byte[] stun = Stun.bindingResponse(Stun.newTxId(), to);
        ch.send(ByteBuffer.wrap(stun), to);
        ch.send(ByteBuffer.wrap(wg), to);
      }
      int batch = bind.batchSize();
      if (inner.equals("platform") && io.weft.wg.conn.linux.LinuxBatchUdpBind.isSupported()) {
        assertThat(batch).as("the batched Linux bind inside").isGreaterThan(1);
      }
      ByteBuffer[] bufs = new ByteBuffer[batch];
      for (int i = 0; i < batch; i++) {
        bufs[i] = ByteBuffer.allocateDirect(2048);
      }
      int[] sizes = new int[batch];
      Endpoint[] sources = new Endpoint[batch];
      List<byte[]> got = new ArrayList<>();
      while (got.size() < wireGuard.size()) {
        int k = bind.receive(bufs, sizes, sources);
        assertThat(k).isBetween(1, batch);
        for (int i = 0; i < k; i++) {
          byte[] b = new byte[sizes[i]];
          bufs[i].get(0, b);
          got.add(b);
          assertThat(sources[i].destination().getPort())
              .isEqualTo(((InetSocketAddress) ch.getLocalAddress()).getPort());
        }
      }
      assertThat(got).containsExactlyElementsOf(wireGuard);
      assertThat(bind.stats().disco.unknownSender.sum()).isEqualTo(20);
      assertThat(bind.stats().receivedUdp.sum()).isEqualTo(20);
    }
  }
}
