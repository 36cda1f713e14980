package io.weft.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.property.Gen;
import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The SOCKS5 handshake parser against fixed messages, truncations and seeded garbage. */
class Socks5Test {
  static byte[] bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return out;
  }

  @Nested
  class Greeting {
    @Test
    void shouldFrameTheMethodsOffered() {
      Socks5 p = new Socks5();
      byte[] g = bytes(5, 2, 0, 2);
      assertThat(p.greeting(g, g.length)).isEqualTo(4);
      assertThat(p.offers(g, Socks5.METHOD_NO_AUTH)).isTrue();
      assertThat(p.offers(g, Socks5.METHOD_USER_PASS)).isTrue();
      assertThat(p.offers(g, 1)).isFalse();
    }

    @Test
    void shouldRejectAnotherVersionAndAnEmptyMethodList() {
      Socks5 p = new Socks5();
      assertThat(p.greeting(bytes(4, 1, 0), 3)).isEqualTo(Socks5.INVALID);
      assertThat(p.greeting(bytes(5, 0), 2)).isEqualTo(Socks5.INVALID);
    }
  }

  @Nested
  class Request {
    @Test
    void shouldParseEachAddressType() throws Exception {
      Socks5 p = new Socks5();
      byte[] v4 = bytes(5, 1, 0, 1, 100, 64, 0, 1, 0x1F, 0x90);
      assertThat(p.request(v4, v4.length)).isEqualTo(10);
      assertThat(p.reply).isEqualTo(Socks5.REP_SUCCEEDED);
      assertThat(p.address).isEqualTo(InetAddress.ofLiteral("100.64.0.1"));
      assertThat(p.port).isEqualTo(8080);

      byte[] v6 = new byte[22];
      v6[0] = 5;
      v6[1] = 3;
      v6[3] = 4;
      System.arraycopy(InetAddress.ofLiteral("fd7a:115c:a1e0::1").getAddress(), 0, v6, 4, 16);
      v6[21] = 53;
      assertThat(p.request(v6, v6.length)).isEqualTo(22);
      assertThat(p.command).isEqualTo(Socks5.CMD_UDP_ASSOCIATE);
      assertThat(p.address).isEqualTo(InetAddress.ofLiteral("fd7a:115c:a1e0::1"));

      byte[] name = bytes(5, 1, 0, 3, 5, 'a', 'l', 'p', 'h', 'a', 0, 80);
      assertThat(p.request(name, name.length)).isEqualTo(12);
      assertThat(p.host).isEqualTo("alpha");
      assertThat(p.address).isNull();
      assertThat(p.port).isEqualTo(80);
    }

    @Test
    void shouldAnswerUnsupportedCommandsAddressTypesAndBadNames() {
      Socks5 p = new Socks5();
      assertThat(p.request(bytes(5, 2, 0, 1, 1, 2, 3, 4, 0, 1), 10)).isEqualTo(10);
      assertThat(p.reply).isEqualTo(Socks5.REP_COMMAND_NOT_SUPPORTED);
      assertThat(p.request(bytes(5, 1, 0, 7, 1), 5)).isPositive();
      assertThat(p.reply).isEqualTo(Socks5.REP_ADDRESS_TYPE_NOT_SUPPORTED);
      assertThat(p.request(bytes(5, 1, 0, 3, 2, 'a', 0, 0, 80), 9)).isEqualTo(9);
      assertThat(p.reply).isEqualTo(Socks5.REP_HOST_UNREACHABLE);
    }

    @Test
    void shouldNeedMoreForEveryProperPrefix() {
      byte[] name = bytes(5, 1, 0, 3, 5, 'a', 'l', 'p', 'h', 'a', 0, 80);
      for (int n = 0; n < name.length; n++) {
        assertThat(new Socks5().request(name, n)).as("prefix %d", n).isEqualTo(Socks5.NEED_MORE);
      }
    }
  }

  @Nested
  class UserPass {
    @Test
    void shouldParseNameAndPassword() {
      Socks5 p = new Socks5();
      byte[] m = bytes(1, 1, 'u', 2, 'p', 'w');
      assertThat(p.userPass(m, m.length)).isEqualTo(6);
      assertThat(p.username).isEqualTo("u");
      assertThat(p.password).isEqualTo(bytes('p', 'w'));
      for (int n = 0; n < m.length; n++) {
        assertThat(new Socks5().userPass(m, n)).isEqualTo(Socks5.NEED_MORE);
      }
      assertThat(p.userPass(bytes(1, 0, 1, 'x'), 4)).isEqualTo(Socks5.INVALID);
    }
  }

  @Nested
  class UdpHeader {
    @Test
    void shouldRefuseFragmentsAndReservedBytes() {
      Socks5 p = new Socks5();
      byte[] d = bytes(0, 0, 0, 1, 100, 64, 0, 1, 0, 9, 'h', 'i');
      assertThat(p.udpHeader(d, 0, d.length)).isEqualTo(10);
      d[2] = 1;
      assertThat(p.udpHeader(d, 0, d.length)).isEqualTo(Socks5.INVALID);
      d[2] = 0;
      d[0] = 1;
      assertThat(p.udpHeader(d, 0, d.length)).isEqualTo(Socks5.INVALID);
    }
  }

  /** Garbage biased towards plausible messages: the right version and small lengths are common. */
  static final Gen<byte[]> GARBAGE =
      Gens.byteArrays(0, 300)
          .flatMap(
              raw ->
                  src -> {
                    byte[] b = raw.clone();
                    long bias = src.choose(3);
                    if (b.length > 0 && bias > 0) {
                      b[0] = (byte) (bias == 1 ? 5 : 1);
                    }
                    if (b.length > 1 && bias == 2) {
                      b[1] = (byte) (b[1] & 0x07);
                    }
                    if (b.length > 3 && bias > 0) {
                      b[3] = (byte) (b[3] & 0x07);
                    }
                    if (b.length > 4 && bias > 0) {
                      b[4] = (byte) (b[4] & 0x1F);
                    }
                    return b;
                  });

  @Test
  void shouldNeverThrowOnGarbageAndFrameWithinTheInput() {
    Property.forAll(GARBAGE)
        .tries(5000)
        .check(
            b -> {
              Socks5 p = new Socks5();
              for (int r :
                  new int[] {
                    p.greeting(b, b.length), p.userPass(b, b.length), p.request(b, b.length)
                  }) {
                assertThat(r == Socks5.NEED_MORE || r == Socks5.INVALID || (r > 0 && r <= b.length))
                    .as("result %d for %s", r, Arrays.toString(b))
                    .isTrue();
              }
              int u = p.udpHeader(b, 0, b.length);
              assertThat(u == Socks5.INVALID || (u > 0 && u <= b.length)).isTrue();
            });
  }
}
