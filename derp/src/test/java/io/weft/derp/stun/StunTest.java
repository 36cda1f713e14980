package io.weft.derp.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The STUN codec against messages written out byte by byte from RFC 8489 §5, §14.1, §14.2. */
class StunTest {
  private static final byte[] TX = hex("b7e7a701bc34d686fa87dfae");

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  @Test
  void requestIsAHeaderWithTypeOneAndTheCookie() {
    byte[] req = Stun.bindingRequest(TX);
    assertArrayEquals(hex("0001 0000 2112a442 b7e7a701bc34d686fa87dfae"), req);
    assertArrayEquals(TX, Stun.parseBindingRequest(req, 0, req.length));
    assertTrue(Stun.looksLike(req, 0, req.length));
  }

  @Test
  void xorMappedAddressV4() throws Exception {
    // 192.0.2.1:32853 XOR cookie: port 0x8055^0x2112 = 0xa147, addr c0000201^2112a442 = e112a643
    byte[] resp = hex("0101 000c 2112a442 b7e7a701bc34d686fa87dfae 0020 0008 0001 a147 e112a643");
    Stun.Response r = Stun.parseBindingResponse(resp, 0, resp.length);
    assertArrayEquals(TX, r.txId());
    assertEquals(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853), r.mapped());
    assertArrayEquals(
        resp,
        Stun.bindingResponse(TX, new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853)));
  }

  @Test
  void xorMappedAddressV6RoundTrips() throws Exception {
    InetSocketAddress a =
        new InetSocketAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853);
    byte[] resp = Stun.bindingResponse(TX, a);
    assertEquals(20 + 4 + 20, resp.length);
    assertEquals(a, Stun.parseBindingResponse(resp, 0, resp.length).mapped());
  }

  @Test
  void mappedAddressIsTheFallbackAndXorWins() throws Exception {
    byte[] onlyPlain =
        hex("0101 000c 2112a442 b7e7a701bc34d686fa87dfae 0001 0008 0001 0050 0a000001");
    assertEquals(
        new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 80),
        Stun.parseBindingResponse(onlyPlain, 0, onlyPlain.length).mapped());
    // an unknown attribute with padding (SOFTWARE, 3 bytes), MAPPED then XOR-MAPPED (0x8020)
    byte[] both =
        hex(
            "0101 0020 2112a442 b7e7a701bc34d686fa87dfae"
                + " 8022 0003 616263 00"
                + " 0001 0008 0001 0050 0a000001"
                + " 8020 0008 0001 a147 e112a643");
    assertEquals(
        new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853),
        Stun.parseBindingResponse(both, 0, both.length).mapped());
  }

  @Test
  void malformedMessagesAreNull() {
    assertNull(Stun.parseBindingResponse(hex("0101 0000 2112a442"), 0, 8));
    // no address at all
    byte[] none = hex("0101 0000 2112a442 b7e7a701bc34d686fa87dfae");
    assertNull(Stun.parseBindingResponse(none, 0, none.length));
    // attribute longer than the message
    byte[] longAttr = hex("0101 0008 2112a442 b7e7a701bc34d686fa87dfae 0020 0010 0001 a147");
    assertNull(Stun.parseBindingResponse(longAttr, 0, longAttr.length));
    // unknown family
    byte[] fam = hex("0101 000c 2112a442 b7e7a701bc34d686fa87dfae 0020 0008 0003 a147 e112a643");
    assertNull(Stun.parseBindingResponse(fam, 0, fam.length));
    // a request is not a response and vice versa; a wrong length field is not a request
    byte[] req = Stun.bindingRequest(TX);
    assertNull(Stun.parseBindingResponse(req, 0, req.length));
    byte[] badLen = req.clone();
    badLen[3] = 4;
    assertNull(Stun.parseBindingRequest(badLen, 0, badLen.length));
    byte[] wg = hex("01000000 2112a442 0000000000000000 00000000");
    assertFalse(Stun.looksLike(hex("01000000"), 0, 4));
    assertTrue(Stun.looksLike(wg, 0, wg.length)); // only byte 1 tells it from a WireGuard init
  }

  @Test
  void randomAndMutatedDatagramsNeverThrow() throws Exception {
    long seed = Long.getLong("weft.seed", System.nanoTime());
    SplittableRandom r = new SplittableRandom(seed);
    byte[] good = Stun.bindingResponse(TX, new InetSocketAddress("127.0.0.1", 3478));
    try {
      for (int i = 0; i < 5000; i++) {
        byte[] d;
        if (r.nextBoolean()) {
          d = new byte[r.nextInt(120)];
          r.nextBytes(d);
        } else {
          d = good.clone();
          d[r.nextInt(d.length)] = (byte) r.nextInt(256);
          if (r.nextInt(3) == 0) {
            d = java.util.Arrays.copyOf(d, r.nextInt(d.length + 8));
          }
        }
        Stun.parseBindingResponse(d, 0, d.length);
        Stun.parseBindingRequest(d, 0, d.length);
        Stun.looksLike(d, 0, d.length);
      }
    } catch (RuntimeException e) {
      throw new AssertionError("seed " + seed + " (replay with -Dweft.seed=" + seed + ")", e);
    }
  }
}
