package io.weft.netstack.iface;

import io.weft.netstack.tcp.TcpConfig;
import io.weft.netstack.wire.Fixtures;
import io.weft.netstack.wire.IpAddress;
import io.weft.testing.property.Gen;
import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The interface's receive path drops and counts, and never throws, whatever arrives. */
class InterfaceFuzzProperties {
  private final Interface iface = build();

  private static Interface build() {
    Interface i =
        new Interface(
            InterfaceConfig.of(IpAddress.parse("127.0.0.1"), IpAddress.parse("::1")),
            (b, off, len) -> {},
            new SplittableRandom(9));
    i.listen(IpAddress.V6_ANY, 5555, 4, TcpConfig.defaults().withBuffers(64 * 1024, 64 * 1024));
    i.bindUdp(IpAddress.V6_ANY, 5557, 64 * 1024);
    return i;
  }

  static Gen<byte[]> packets() {
    Gen<byte[]> random = Gens.byteArrays(0, 2000);
    Gen<byte[]> mutated =
        Gens.of(
                Fixtures.TCP4_SYN,
                Fixtures.TCP6_SYN,
                Fixtures.UDP4,
                Fixtures.UDP6,
                Fixtures.TCP4_DATA,
                Fixtures.ICMP4_PORT_UNREACHABLE,
                Fixtures.ICMP6_PORT_UNREACHABLE)
            .flatMap(
                hex ->
                    Gens.ints(0, 79)
                        .list(4)
                        .map(
                            flips -> {
                              byte[] p = Fixtures.bytes(hex);
                              for (int f : flips) {
                                if (f < p.length) {
                                  p[f] = (byte) (p[f] + 1 + f);
                                }
                              }
                              return p;
                            }));
    return Gens.oneOf(random, mutated);
  }

  @Test
  void shouldNeverThrowOnArbitraryPackets() {
    Property.forAll(packets())
        .tries(2000)
        .check(
            packet -> {
              iface.receive(0, ByteBuffer.wrap(packet), 0, packet.length);
              iface.poll(0);
            });
  }

  @Test
  void shouldNeverThrowForEveryLengthUpTo2000() {
    SplittableRandom random = new SplittableRandom(2000);
    for (int length = 0; length <= 2000; length++) {
      byte[] p = new byte[length];
      random.nextBytes(p);
      if (length > 0) {
        p[0] = (byte) (length % 2 == 0 ? 0x45 : 0x60);
      }
      iface.receive(0, ByteBuffer.wrap(p), 0, length);
    }
  }
}
