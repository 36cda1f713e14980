package io.weft.wg.tai64n;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Tai64nTest {

  private static final HexFormat HEX = HexFormat.of();
  private static final long SECOND = 1_000_000_000L;

  private static byte[] stamp(final long epochNanos) {
    final byte[] out = new byte[Tai64n.LENGTH];
    Tai64n.write(epochNanos, out, 0);
    return out;
  }

  @Test
  void shouldLabelTheUnixEpochTwoToTheSixtyTwoPlusTen() {
    assertThat(HEX.formatHex(stamp(0))).isEqualTo("400000000000000a" + "00000000");
  }

  @Test
  void shouldWriteSecondsAndWhitenedNanosBigEndian() {
    // 2023-11-14T22:13:20.123456789Z: 1,700,000,000 s = 0x6553f100; 123,456,789 ns = 0x075bcd15.
    assertThat(HEX.formatHex(stamp(1_700_000_000L * SECOND + 123_456_789)))
        .isEqualTo("400000006553f10a" + "07000000");
  }

  @Test
  void shouldFloorTimesBeforeTheEpoch() {
    // One nanosecond before the epoch is second -1, nanosecond 999,999,999 (0x3b9ac9ff).
    assertThat(HEX.formatHex(stamp(-1))).isEqualTo("4000000000000009" + "3b000000");
  }

  @Test
  void shouldHideTimeWithinAWhiteningGranule() {
    final long start = 1_700_000_000L * SECOND + 5L * Tai64n.WHITENING_NANOS;
    final byte[] first = stamp(start);
    final byte[] sameGranule = stamp(start + Tai64n.WHITENING_NANOS - 1);
    final byte[] nextGranule = stamp(start + Tai64n.WHITENING_NANOS);

    assertThat(sameGranule).isEqualTo(first);
    assertThat(Tai64n.isAfter(sameGranule, 0, first, 0)).isFalse();
    assertThat(Tai64n.isAfter(nextGranule, 0, first, 0)).isTrue();
  }

  @Test
  void shouldOrderTheLastGranuleOfASecondBeforeTheNextSecond() {
    final long lastGranule = 41 * SECOND + (SECOND - 1);
    assertThat(Tai64n.isAfter(stamp(42 * SECOND), 0, stamp(lastGranule), 0)).isTrue();
  }

  @Test
  void shouldNotCallAnEqualTimestampNewer() {
    final byte[] a = stamp(7 * SECOND);
    assertThat(Tai64n.isAfter(a, 0, a.clone(), 0)).isFalse();
  }

  @Test
  void shouldCompareBytesUnsigned() {
    final byte[] high = HEX.parseHex("4000000000000080" + "00000000");
    final byte[] low = HEX.parseHex("400000000000007f" + "ff000000");
    assertThat(Tai64n.isAfter(high, 0, low, 0)).isTrue();
    assertThat(Tai64n.isAfter(low, 0, high, 0)).isFalse();
  }

  @Test
  void shouldReadAndWriteAtOffsetsWithoutTouchingNeighbours() {
    final byte[] packet = new byte[4 + Tai64n.LENGTH + 4];
    Arrays.fill(packet, (byte) 0x55);
    Tai64n.write(0, packet, 4);
    assertThat(HEX.formatHex(packet))
        .isEqualTo("55555555" + "400000000000000a" + "00000000" + "55555555");

    final byte[] later = new byte[3 + Tai64n.LENGTH];
    Tai64n.write(SECOND, later, 3);
    assertThat(Tai64n.isAfter(later, 3, packet, 4)).isTrue();
    assertThat(Tai64n.isAfter(packet, 4, later, 3)).isFalse();
  }

  @Test
  void shouldRejectABufferTooShort() {
    assertThatThrownBy(() -> Tai64n.write(0, new byte[12], 1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Tai64n.isAfter(new byte[12], 0, new byte[11], 0))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  /** Newer means a later whitened instant, across the whole range a long of nanoseconds spans. */
  @Test
  void shouldOrderTimestampsAsTheirWhitenedInstants() {
    Property.forAll(Gens.longs(), Gens.longs(-SECOND * 4, SECOND * 4))
        .tries(2_000)
        .check(Tai64nTest::ordersAsWhitenedInstants);
  }

  private static void ordersAsWhitenedInstants(final long x, final long delta) {
    final long y = x + delta;
    if ((delta > 0 && y < x) || (delta < 0 && y > x)) {
      return; // overflowed past the range of a long
    }
    assertThat(Tai64n.isAfter(stamp(y), 0, stamp(x), 0)).isEqualTo(compareWhitened(y, x) > 0);
    assertThat(Tai64n.isAfter(stamp(x), 0, stamp(y), 0)).isEqualTo(compareWhitened(x, y) > 0);
  }

  // Orders two instants by (seconds, whitened nanoseconds), the reference for the byte order.
  private static int compareWhitened(final long a, final long b) {
    final int bySeconds = Long.compare(Math.floorDiv(a, SECOND), Math.floorDiv(b, SECOND));
    if (bySeconds != 0) {
      return bySeconds;
    }
    final long mask = -Tai64n.WHITENING_NANOS;
    return Long.compare(Math.floorMod(a, SECOND) & mask, Math.floorMod(b, SECOND) & mask);
  }
}
