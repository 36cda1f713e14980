package io.weft.wg.allowedips;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrefixContainsTest {
  @ParameterizedTest(name = "{0} in {1}: {2}")
  @CsvSource({
    "100.64.0.1, 100.64.0.0/10, true",
    "100.127.255.255, 100.64.0.0/10, true",
    "100.128.0.0, 100.64.0.0/10, false",
    "100.63.255.255, 100.64.0.0/10, false",
    "10.0.0.1, 0.0.0.0/0, true",
    "10.0.0.1, 10.0.0.1/32, true",
    "10.0.0.2, 10.0.0.1/32, false",
    "fd7a:115c:a1e0::1, fd7a:115c:a1e0::/48, true",
    "fd7a:115c:a1e1::1, fd7a:115c:a1e0::/48, false",
    "2001:db8::1, 2001:db8::/33, true",
    "2001:db8:8000::1, 2001:db8::/33, false",
    "10.0.0.1, ::/0, false",
    "::1, 0.0.0.0/0, false",
  })
  void shouldContainExactlyTheAddressesUnderItsBits(String address, String prefix, boolean in) {
    final byte[] ip = InetAddress.ofLiteral(address).getAddress();
    assertThat(Prefix.parse(prefix).contains(ip)).isEqualTo(in);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "100.64.0.1, 100.64.0.1",
    "fd7a:115c:a1e0:0:0:0:0:1, fd7a:115c:a1e0::1",
    "2001:db8:0:0:1:0:0:0, 2001:db8:0:0:1::",
    "0:0:0:0:0:0:0:0, ::",
  })
  void shouldPrintAddressesAsRfc5952Says(String address, String text) {
    assertThat(Prefix.addressText(InetAddress.ofLiteral(address).getAddress())).isEqualTo(text);
  }
}
