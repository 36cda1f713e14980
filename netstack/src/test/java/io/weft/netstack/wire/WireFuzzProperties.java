package io.weft.netstack.wire;

import java.nio.ByteBuffer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Every flyweight's validate-then-read path must survive arbitrary bytes of any length. */
class WireFuzzProperties {

    @Provide
    Arbitrary<byte[]> packets() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(2000);
        Arbitrary<byte[]> mutated = Arbitraries.of(Fixtures.TCP4_SYN, Fixtures.TCP6_SYN, Fixtures.UDP4,
                        Fixtures.UDP6, Fixtures.ICMP4_ECHO, Fixtures.ICMP6_ECHO, Fixtures.TCP4_DATA)
                .flatMap(hex -> Arbitraries.integers().between(0, 80).list().ofMaxSize(6).flatMap(flips ->
                        Arbitraries.integers().between(0, 2000).map(cut -> mutate(Fixtures.bytes(hex), flips, cut))));
        return Arbitraries.oneOf(random, mutated);
    }

    private static byte[] mutate(byte[] p, java.util.List<Integer> flips, int cut) {
        for (int f : flips) {
            if (f < p.length) {
                p[f] ^= (byte) (f * 31 + 7);
            }
        }
        return java.util.Arrays.copyOf(p, Math.min(cut, p.length));
    }

    @Property(tries = 3000)
    void shouldNeverThrowWhileValidatingAndReading(@ForAll("packets") byte[] bytes) {
        WireWalker.walk(ByteBuffer.wrap(bytes), 0, bytes.length);
    }

    @Property(tries = 300)
    void shouldNeverThrowAtAnyOffsetInALargerBuffer(@ForAll @Size(max = 2000) byte[] bytes,
            @ForAll @IntRange(max = 64) int offset) {
        ByteBuffer b = ByteBuffer.allocate(bytes.length + offset + 64);
        b.put(offset, bytes);
        WireWalker.walk(b, offset, bytes.length);
    }

    @net.jqwik.api.Example
    void shouldNeverThrowForEveryLengthUpTo2000() {
        java.util.Random random = new java.util.Random(2000);
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
