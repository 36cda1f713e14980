package io.weft.magicsock.disco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.derp.wire.NaclBox;
import io.weft.wg.key.DiscoPrivateKey;
import io.weft.wg.key.DiscoPublicKey;
import io.weft.wg.key.NoisePublicKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Disco messages and packets against byte layouts written out by hand from disco.go's spec. */
class DiscoWireTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final SecureRandom RANDOM = new SecureRandom();

  private static byte[] hex(String s) {
    return HEX.parseHex(s.replace(" ", ""));
  }

  @Test
  void pingWithNodeKeyAndPaddingMatchesTheSpecLayout() {
    byte[] tx = hex("000102030405060708090a0b");
    byte[] key = new byte[32];
    for (int i = 0; i < 32; i++) {
      key[i] = (byte) (0xa0 + i);
    }
    // type 01, version 00, tx id 12, node key 32, 3 bytes of zero padding
    byte[] wire = new byte[2 + 12 + 32 + 3];
    wire[0] = 0x01;
    System.arraycopy(tx, 0, wire, 2, 12);
    System.arraycopy(key, 0, wire, 14, 32);
    DiscoMessage.Ping ping = new DiscoMessage.Ping(tx, NoisePublicKey.of(key), 3);
    assertArrayEquals(wire, ping.encode());
    assertEquals(ping, DiscoMessage.parse(wire));
  }

  @Test
  void pingFromAnOldClientHasNoNodeKey() {
    byte[] wire = hex("0100 000102030405060708090a0b");
    DiscoMessage.Ping p = assertInstanceOf(DiscoMessage.Ping.class, DiscoMessage.parse(wire));
    assertNull(p.nodeKey());
    assertEquals(0, p.padding());
  }

  @Test
  void pongCarriesTheSourceAsAV4MappedAddressAndBigEndianPort() throws Exception {
    byte[] wire = hex("0200 0c0b0a090807060504030201 00000000000000000000ffff c0000207 1f90");
    DiscoMessage.Pong p = assertInstanceOf(DiscoMessage.Pong.class, DiscoMessage.parse(wire));
    assertEquals(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 8080), p.source());
    assertArrayEquals(wire, p.encode());
  }

  @Test
  void pongWithIpv6Source() throws Exception {
    InetSocketAddress src = new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 41641);
    byte[] wire = hex("0200 000000000000000000000001 20010db8000000000000000000000001 a2a9");
    assertArrayEquals(wire, new DiscoMessage.Pong(hex("000000000000000000000001"), src).encode());
    assertEquals(src, ((DiscoMessage.Pong) DiscoMessage.parse(wire)).source());
  }

  @Test
  void callMeMaybeListsEndpointsAndRejectsRaggedLengths() throws Exception {
    byte[] wire =
        hex(
            "0300 00000000000000000000ffff0a000001 0050"
                + " 20010db8000000000000000000000002 01bb");
    DiscoMessage.CallMeMaybe c =
        assertInstanceOf(DiscoMessage.CallMeMaybe.class, DiscoMessage.parse(wire));
    assertEquals(
        List.of(
            new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 80),
            new InetSocketAddress(InetAddress.getByName("2001:db8::2"), 443)),
        c.endpoints());
    assertArrayEquals(wire, c.encode());
    byte[] ragged = java.util.Arrays.copyOf(wire, wire.length - 1);
    assertEquals(List.of(), ((DiscoMessage.CallMeMaybe) DiscoMessage.parse(ragged)).endpoints());
    byte[] v1 = wire.clone();
    v1[1] = 1;
    assertEquals(List.of(), ((DiscoMessage.CallMeMaybe) DiscoMessage.parse(v1)).endpoints());
  }

  @Test
  void unknownTypesAndShortBodiesAreNull() {
    assertNull(DiscoMessage.parse(hex("")));
    assertNull(DiscoMessage.parse(hex("01")));
    assertNull(DiscoMessage.parse(hex("0100 0001")));
    assertNull(DiscoMessage.parse(hex("0200 000102030405060708090a0b 00")));
    assertNull(DiscoMessage.parse(hex("0400")));
  }

  @Test
  void packetLayoutIsMagicKeyNonceBoxAndOpensWithThePeersKey() {
    DiscoPrivateKey a = DiscoPrivateKey.generate(RANDOM);
    DiscoPrivateKey b = DiscoPrivateKey.generate(RANDOM);
    DiscoPublicKey aPub = a.publicKey();
    byte[] kab = NaclBox.beforeNm(a.key().rawForCrypto(), b.publicKey().key().toBytes());
    byte[] kba = NaclBox.beforeNm(b.key().rawForCrypto(), aPub.key().toBytes());
    byte[] nonce = new byte[24];
    nonce[23] = 9;
    byte[] msg = new DiscoMessage.Ping(new byte[12], null, 0).encode();
    byte[] pkt = DiscoPacket.seal(kab, aPub, nonce, msg);

    assertArrayEquals(hex("5453f09f92ac"), java.util.Arrays.copyOf(pkt, 6));
    assertArrayEquals(aPub.key().toBytes(), java.util.Arrays.copyOfRange(pkt, 6, 38));
    assertArrayEquals(nonce, java.util.Arrays.copyOfRange(pkt, 38, 62));
    assertArrayEquals(
        NaclBox.seal(kab, nonce, msg), java.util.Arrays.copyOfRange(pkt, 62, pkt.length));
    assertEquals(62 + 16 + msg.length, pkt.length);

    DiscoPacket f = new DiscoPacket();
    assertTrue(f.wrap(pkt, 0, pkt.length));
    assertEquals(aPub, f.sender());
    assertTrue(f.senderIs(aPub.key().toBytes()));
    DiscoCounters c = new DiscoCounters();
    assertEquals(DiscoMessage.parse(msg), f.openMessage(kba, c));
    // the wrong key: counted, not thrown
    byte[] wrong =
        NaclBox.beforeNm(
            b.key().rawForCrypto(), DiscoPrivateKey.generate(RANDOM).publicKey().key().toBytes());
    assertNull(f.openMessage(wrong, c));
    assertEquals(1, c.badBox.sum());
  }

  /** Seeded fuzz: random and mutated datagrams never throw; mutations never open. */
  @Test
  void garbageNeverThrowsAndIsCounted() {
    long seed = Long.getLong("weft.seed", System.nanoTime());
    SplittableRandom r = new SplittableRandom(seed);
    DiscoPrivateKey a = DiscoPrivateKey.generate(RANDOM);
    DiscoPrivateKey b = DiscoPrivateKey.generate(RANDOM);
    byte[] kab = NaclBox.beforeNm(a.key().rawForCrypto(), b.publicKey().key().toBytes());
    byte[] good =
        DiscoPacket.seal(
            kab,
            a.publicKey(),
            new DiscoMessage.Pong(new byte[12], new InetSocketAddress("127.0.0.1", 1)).encode());
    DiscoPacket f = new DiscoPacket();
    DiscoCounters c = new DiscoCounters();
    try {
      for (int i = 0; i < 3000; i++) {
        byte[] d;
        if (r.nextBoolean()) {
          d = new byte[r.nextInt(200)];
          r.nextBytes(d);
          if (r.nextBoolean() && d.length >= 6) {
            System.arraycopy(DiscoPacket.MAGIC, 0, d, 0, 6);
          }
          DiscoMessage.parse(d);
        } else {
          d = good.clone();
          int at = 6 + 32 + r.nextInt(d.length - 38);
          d[at] ^= (byte) (1 + r.nextInt(255));
          if (r.nextInt(4) == 0) {
            d = java.util.Arrays.copyOf(d, r.nextInt(d.length));
          }
        }
        if (f.wrap(d, 0, d.length)) {
          assertNull(f.openMessage(kab, c), "a mutated or random box opened");
        }
      }
    } catch (Throwable t) {
      throw new AssertionError("seed " + seed + " (replay with -Dweft.seed=" + seed + ")", t);
    }
    assertTrue(c.badBox.sum() > 0);
    assertFalse(DiscoPacket.looksLike(good, 0, 61));
  }
}
