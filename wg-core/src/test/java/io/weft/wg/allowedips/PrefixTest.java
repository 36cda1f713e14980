package io.weft.wg.allowedips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.testing.property.Gen;
import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PrefixTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "10.0.0.0/24, 10.0.0.0/24",
    "10.0.0.1/24, 10.0.0.0/24",
    "192.168.1.77/31, 192.168.1.76/31",
    "0.0.0.0/0, 0.0.0.0/0",
    "255.255.255.255/32, 255.255.255.255/32",
    "8.8.8.8/0, 0.0.0.0/0",
    "fd00::/64, fd00::/64",
    "FD00:0:0:0::1/128, fd00::1/128",
    "::/0, ::/0",
    "::1/128, ::1/128",
    "2001:0db8:0000:0000:0000:ff00:0042:8329/128, 2001:db8::ff00:42:8329/128",
    "2001:db8:0:0:1:0:0:1/128, 2001:db8::1:0:0:1/128",
    "2001:0:0:1:0:0:0:1/128, 2001:0:0:1::1/128",
    "1:0:2:3:4:5:6:7/128, 1:0:2:3:4:5:6:7/128",
    "1:2:3:4:5:6:7:8/128, 1:2:3:4:5:6:7:8/128",
    "2001:db8:ffff::/33, 2001:db8:8000::/33",
    "::ffff:192.0.2.1/128, ::ffff:192.0.2.1/128",
    "::ffff:c000:201/128, ::ffff:192.0.2.1/128",
    "64:ff9b::192.0.2.33/128, 64:ff9b::c000:221/128",
    "1:2:3:4:5:6:1.2.3.4/128, 1:2:3:4:5:6:102:304/128",
    "fe80::1:2/10, fe80::/10",
  })
  void shouldParseAndPrintCanonically(final String text, final String canonical) {
    final Prefix prefix = Prefix.parse(text);
    assertThat(prefix).hasToString(canonical);
    assertThat(Prefix.parse(canonical)).isEqualTo(prefix);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {
        "",
        "10.0.0.0",
        "10.0.0.0/",
        "10.0.0.0/33",
        "10.0.0.0/-1",
        "10.0.0.0/+8",
        "10.0.0.0/08",
        "10.0.0.0/1000",
        "10.0.0.0/24/1",
        "10.0.0/8",
        "10.0.0.0.0/8",
        "10.0.0.256/8",
        "010.0.0.0/8",
        "10..0.0/8",
        "10.0.0./8",
        ".10.0.0/8",
        "a.b.c.d/8",
        "0x0a.0.0.0/8",
        " 10.0.0.0/24",
        "10.0.0.0/24 ",
        "\u0661.0.0.0/8",
        "localhost/32",
        "fd00::/129",
        "fd00:::1/64",
        "fd00::1::2/64",
        "1:2:3:4:5:6:7:8:9/128",
        "1:2:3:4:5:6:7/128",
        "1:2:3:4:5:6:7::8/128",
        "12345::/16",
        "fd00::g/64",
        "fe80::1%eth0/64",
        ":1::/64",
        "1::2:/64",
        ":/0",
        "1.2.3.4::/64",
        "::1.2.3/128",
        "1:2:3:4:5:6:7:1.2.3.4/128",
        "::1.2.3.4:5/128",
        "[::1]/128",
      })
  void shouldRejectMalformedText(final String text) {
    assertThatThrownBy(() -> Prefix.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not an IP prefix: \"" + text + "\": ");
  }

  @Test
  void shouldSayWhatIsWrong() {
    assertThatThrownBy(() -> Prefix.parse("10.0.0.0/33")).hasMessageEndingWith("exceeds 32");
    assertThatThrownBy(() -> Prefix.parse("10.0.0.300/8")).hasMessageEndingWith("exceeds 255");
    assertThatThrownBy(() -> Prefix.parse("10.0.0.0")).hasMessageEndingWith("missing /length");
    assertThatThrownBy(() -> Prefix.parse("1::2::3/64")).hasMessageContaining("'::'");
  }

  @Test
  void shouldClearHostBitsAndKeepItsOwnCopy() {
    final byte[] address = {10, 1, 2, 3};
    final Prefix prefix = new Prefix(address, 12);
    address[0] = 99;
    assertThat(prefix.address()).containsExactly(10, 0, 0, 0);
    prefix.address()[0] = 42;
    assertThat(prefix).hasToString("10.0.0.0/12");
  }

  @Test
  void shouldRejectBadComponents() {
    assertThatThrownBy(() -> new Prefix(new byte[5], 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4 or 16 bytes");
    assertThatThrownBy(() -> new Prefix(new byte[4], 33))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Prefix(new byte[16], -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Prefix(null, 0)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void shouldBeEqualByValue() {
    assertThat(Prefix.parse("10.0.0.7/8"))
        .isEqualTo(Prefix.parse("10.9.9.9/8"))
        .hasSameHashCodeAs(Prefix.parse("10.9.9.9/8"))
        .isNotEqualTo(Prefix.parse("10.0.0.0/9"));
    assertThat(Prefix.parse("::/0")).isNotEqualTo(Prefix.parse("0.0.0.0/0"));
  }

  @Test
  void shouldOrderIpv4FirstThenByAddressThenByLength() {
    final List<Prefix> sorted =
        List.of(
            Prefix.parse("10.0.0.0/8"),
            Prefix.parse("10.0.0.0/24"),
            Prefix.parse("10.0.1.0/24"),
            Prefix.parse("192.168.0.0/16"),
            Prefix.parse("::/0"),
            Prefix.parse("fd00::/8"),
            Prefix.parse("fd00::/64"));
    final List<Prefix> shuffled = new ArrayList<>(sorted);
    Collections.reverse(shuffled);
    Collections.sort(shuffled);
    assertThat(shuffled).containsExactlyElementsOf(sorted);
  }

  static Gen<Prefix> prefixes() {
    final Gen<Prefix> v4 =
        Gens.byteArrays(4).flatMap(a -> Gens.ints(0, 32).map(b -> new Prefix(a, b)));
    // Zero-heavy IPv6 addresses, so that runs of zero groups and '::' come up.
    final Gen<Prefix> v6 =
        Gens.byteArrays(
                Gens.of((byte) 0, (byte) 0, (byte) 0, (byte) 1, (byte) 0xff, (byte) 0x20), 16, 16)
            .flatMap(a -> Gens.ints(0, 128).map(b -> new Prefix(a, b)));
    return Gens.oneOf(v4, v6);
  }

  @Test
  void shouldParseWhatItPrints() {
    Property.forAll(prefixes())
        .tries(2_000)
        .check(prefix -> assertThat(Prefix.parse(prefix.toString())).isEqualTo(prefix));
  }
}
