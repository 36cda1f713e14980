package io.weft.tun.offload;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class InetChecksumTest {
  @Test
  void rfc1071Example() {
    // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (after folding).
    byte[] b = {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7};
    assertThat(InetChecksum.fold(InetChecksum.sum(MemorySegment.ofArray(b), 0, 8, 0)))
        .isEqualTo(0xddf2);
    assertThat(InetChecksum.checksum(InetChecksum.sum(MemorySegment.ofArray(b), 0, 8, 0)))
        .isEqualTo(0x220d);
  }

  @Test
  void oddTrailingByteIsTheHighHalfOfAWord() {
    byte[] b = {0x12, 0x34, 0x56};
    assertThat(InetChecksum.fold(InetChecksum.sum(MemorySegment.ofArray(b), 0, 3, 0)))
        .isEqualTo(0x1234 + 0x5600);
  }

  @Test
  void matchesTheWordAtATimeReference() {
    Property.forAll(Gens.byteArrays(0, 3000), Gens.ints(0, 7), Gens.ints(0, 0xffff))
        .tries(1000)
        .check(
            (data, skip, seed) -> {
              int off = Math.min(skip, data.length);
              int len = data.length - off;
              long fast = InetChecksum.sum(MemorySegment.ofArray(data), off, len, seed);
              assertThat(InetChecksum.fold(fast))
                  .isEqualTo(TcpSegments.referenceSum(data, off, len, seed));
            });
  }

  @Test
  void sumsOfEvenPiecesAdd() {
    Property.forAll(Gens.byteArrays(0, 2000), Gens.ints(0, 1000))
        .tries(1000)
        .check(
            (data, cut) -> {
              int c = Math.min(cut, data.length) & ~1;
              MemorySegment m = MemorySegment.ofArray(data);
              long pieces = InetChecksum.sum(m, c, data.length - c, InetChecksum.sum(m, 0, c, 0));
              assertThat(InetChecksum.fold(pieces))
                  .isEqualTo(InetChecksum.fold(InetChecksum.sum(m, 0, data.length, 0)));
            });
  }
}
