package io.weft.wg.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.conn.UdpEndpoint;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.testing.MemoryTun;
import io.weft.wg.testing.Packets;
import io.weft.wg.time.ManualClock;
import io.weft.wg.wire.Messages;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Parser fuzzing of everything a datagram reaches: random inputs of every length 0..2000, shaped to
 * look like each message type, never throw and never change the device's state.
 */
class GarbageInputTest {
  final UdpEndpoint src = new UdpEndpoint(new InetSocketAddress("127.0.0.1", 40000));

  Device device() {
    ManualClock clock = new ManualClock();
    Device d = new Device(new MemoryTun(1420), new UdpBind(), clock, System.getLogger("test"));
    SecureRandom r = new SecureRandom();
    d.setPrivateKey(NoisePrivateKey.generate(r));
    Peer p = d.addPeer(NoisePrivateKey.generate(r).publicKey());
    d.addAllowedIp(p, Packets.v4(10, 0, 0, 2), 32);
    return d;
  }

  static String state(Device d) {
    StringBuilder b = new StringBuilder();
    b.append(d.indexTable.size()).append('/');
    for (Peer p : d.peers()) {
      b.append(p.current)
          .append(p.next)
          .append(p.previous)
          .append(p.endpoint())
          .append(p.handshake.state())
          .append(p.rxBytes())
          .append(p.txBytes());
    }
    return b.toString();
  }

  /** Runs one datagram through the same dispatch as the receive thread. */
  static void feed(Device d, byte[] datagram, UdpEndpoint from) {
    ByteBuffer buf = ByteBuffer.allocate(Device.BUFFER_SIZE);
    buf.put(0, datagram);
    int type = Messages.classify(buf.array(), 0, datagram.length);
    switch (type) {
      case Messages.TYPE_TRANSPORT -> Receive.transport(d, buf, datagram.length, from);
      case Messages.TYPE_INITIATION, Messages.TYPE_RESPONSE, Messages.TYPE_COOKIE_REPLY ->
          Handshakes.process(d, new Handshakes.Message(datagram.clone(), from));
      default -> d.stats.droppedInvalid.increment();
    }
  }

  @Test
  void shouldSurviveEveryLengthFrom0To2000() {
    Device d = device();
    String before = state(d);
    Random rnd = new Random(7);
    for (int len = 0; len <= 2000; len++) {
      for (int type = 0; type <= 5; type++) {
        byte[] b = new byte[len];
        rnd.nextBytes(b);
        if (len >= 4) {
          b[0] = (byte) type;
          b[1] = 0;
          b[2] = 0;
          b[3] = 0;
        }
        feed(d, b, src);
      }
    }
    // Exact-size handshake messages with random content too, under load as well.
    for (int size :
        new int[] {Messages.INITIATION_SIZE, Messages.RESPONSE_SIZE, Messages.COOKIE_REPLY_SIZE}) {
      for (int k = 0; k < 300; k++) {
        byte[] b = new byte[size];
        rnd.nextBytes(b);
        b[0] =
            (byte) (size == Messages.INITIATION_SIZE ? 1 : size == Messages.RESPONSE_SIZE ? 2 : 3);
        b[1] = b[2] = b[3] = 0;
        d.setUnderLoadForced(k % 2 == 0);
        feed(d, b, src);
      }
    }
    assertThat(state(d)).isEqualTo(before);
    assertThat(d.stats().droppedInvalid.sum()).isPositive();
    assertThat(d.stats().handshakeBadMac1.sum()).isPositive();
  }

  @Test
  void randomDatagramsNeverThrowNorChangeState() {
    Property.forAll(Gens.byteArrays(0, 2000), Gens.ints(0, 4))
        .tries(300)
        .check(
            (datagram, type) -> {
              Device d = device();
              String before = state(d);
              if (datagram.length >= 4 && type > 0) {
                datagram[0] = (byte) (int) type;
                datagram[1] = datagram[2] = datagram[3] = 0;
              }
              feed(d, datagram, src);
              assertThat(state(d)).isEqualTo(before);
            });
  }

  @Test
  void shouldNotThrowOnShortOrGarbledInnerPackets() {
    for (int n = 0; n < 100; n++) {
      byte[] b = new byte[n];
      new Random(n).nextBytes(b);
      assertThat(Receive.innerLength(b, 0, n)).isBetween(0, n);
    }
  }
}
