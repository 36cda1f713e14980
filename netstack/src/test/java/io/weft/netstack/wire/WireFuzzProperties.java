package io.weft.netstack.wire;

import io.weft.testing.property.Gen;
import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every flyweight's validate-then-read path must survive arbitrary bytes of any length. */
class WireFuzzProperties {

  static Gen<byte[]> packets() {
    Gen<byte[]> random = Gens.byteArrays(0, 2000);
    Gen<byte[]> mutated =
        Gens.of(
                Fixtures.TCP4_SYN,
                Fixtures.TCP6_SYN,
                Fixtures.UDP4,
                Fixtures.UDP6,
                Fixtures.ICMP4_ECHO,
                Fixtures.ICMP6_ECHO,
                Fixtures.TCP4_DATA)
            .flatMap(
                hex ->
                    Gens.ints(0, 80)
                        .list(6)
                        .flatMap(
                            flips ->
                                Gens.ints(0, 2000)
                                    .map(cut -> mutate(Fixtures.bytes(hex), flips, cut))));
    return Gens.oneOf(random, mutated);
  }

  private static byte[] mutate(byte[] p, List<Integer> flips, int cut) {
    for (int f : flips) {
      if (f < p.length) {
        p[f] ^= (byte) (f * 31 + 7);
      }
    }
    return Arrays.copyOf(p, Math.min(cut, p.length));
  }

  @Test
  void shouldNeverThrowWhileValidatingAndReading() {
    Property.forAll(packets())
        .tries(3000)
        .check(bytes -> WireWalker.walk(ByteBuffer.wrap(bytes), 0, bytes.length));
  }

  @Test
  void shouldNeverThrowAtAnyOffsetInALargerBuffer() {
    Property.forAll(Gens.byteArrays(0, 2000), Gens.ints(0, 64))
        .tries(300)
        .check(
            (bytes, offset) -> {
              ByteBuffer b = ByteBuffer.allocate(bytes.length + offset + 64);
              b.put(offset, bytes);
              WireWalker.walk(b, offset, bytes.length);
            });
  }

  @Test
  void shouldNeverThrowForEveryLengthUpTo2000() {
    Random random = new Random(2000);
    for (int length = 0; length <= 2000; length++) {
      for (int firstByte : new int[] {0x45, 0x46, 0x60, random.nextInt(256)}) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        if (length > 0) {
          bytes[0] = (byte) firstByte;
        }
        WireWalker.walk(ByteBuffer.wrap(bytes), 0, length);
      }
    }
  }
}
