package io.weft.derp.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameTest {
  private static final byte[] KEY = new byte[32];
  private static final byte[] KEY2 = new byte[32];

  static {
    for (int i = 0; i < 32; i++) {
      KEY[i] = (byte) (i + 1);
      KEY2[i] = (byte) (0xa0 + i);
    }
  }

  private static List<byte[]> decodeAll(FrameDecoder d, byte[] stream, Random chunking) {
    List<byte[]> out = new ArrayList<>();
    int pos = 0;
    while (pos < stream.length) {
      int n =
          chunking == null
              ? stream.length
              : 1 + chunking.nextInt(Math.min(64, stream.length - pos));
      n = Math.min(n, stream.length - pos);
      d.feed(
          stream,
          pos,
          n,
          f -> {
            byte[] b = new byte[1 + f.length()];
            b[0] = (byte) f.type();
            System.arraycopy(f.buffer(), f.offset(), b, 1, f.length());
            out.add(b);
            return true;
          });
      pos += n;
    }
    return out;
  }

  @Test
  void serverKeyShouldCarryTheMagicAndKey() {
    byte[] b = new byte[64];
    int n = Frames.serverKey(b, 0, KEY);
    assertThat(HexFormat.of().formatHex(b, 0, 13)).isEqualTo("01000000284445525" + "0f09f9491");
    Frame f = new Frame().wrap(b[0], b, 5, n - 5);
    assertThat(f.checkLength()).isTrue();
    assertThat(Arrays.copyOfRange(b, f.keyOffset(), f.keyOffset() + 32)).isEqualTo(KEY);
    b[5] = 0;
    assertThat(f.checkLength()).as("bad magic").isFalse();
  }

  @Test
  void peerPresentShouldBe51BytesWithPortAndFlags() {
    byte[] b = new byte[64];
    byte[] ip = new byte[16];
    ip[10] = (byte) 0xff;
    ip[11] = (byte) 0xff;
    ip[12] = 127;
    ip[15] = 1;
    int n = Frames.peerPresent(b, 0, KEY, 0, ip, 41641, FrameType.PEER_PRESENT_IS_REGULAR);
    assertThat(n).isEqualTo(5 + 51);
    Frame f = new Frame().wrap(FrameType.PEER_PRESENT, b, 5, 51);
    assertThat(f.checkLength()).isTrue();
    assertThat(f.port()).isEqualTo(41641);
    assertThat(f.presentFlags()).isEqualTo(1);
    // old servers send only the key
    assertThat(new Frame().wrap(FrameType.PEER_PRESENT, b, 5, 32).presentFlags()).isZero();
  }

  @Test
  void everyFrameShouldRoundTripThroughTheDecoderInAnyChunking() {
    byte[] s = new byte[4096];
    int p = 0;
    p += Frames.serverKey(s, p, KEY);
    p += Frames.clientInfo(s, p, KEY, new byte[24 + 16 + 5]);
    p += Frames.serverInfo(s, p, new byte[24 + 16 + 3]);
    p += Frames.packet(s, p, FrameType.SEND_PACKET, KEY2, 0, new byte[] {1, 2, 3}, 0, 3);
    p += Frames.packet(s, p, FrameType.RECV_PACKET, KEY, 0, new byte[0], 0, 0);
    p += Frames.forwardPacket(s, p, KEY, 0, KEY2, 0, new byte[] {9}, 0, 1);
    p += Frames.empty(s, p, FrameType.KEEP_ALIVE);
    p += Frames.notePreferred(s, p, true);
    p += Frames.peerGone(s, p, KEY, 0, FrameType.PEER_GONE_NOT_HERE);
    p += Frames.peerPresent(s, p, KEY, 0, new byte[16], 7, 2);
    p += Frames.empty(s, p, FrameType.WATCH_CONNS);
    p += Frames.closePeer(s, p, KEY2, 0);
    p += Frames.ping(s, p, FrameType.PING, 0x0102030405060708L);
    p += Frames.ping(s, p, FrameType.PONG, -1L);
    p += Frames.health(s, p, "duplicate");
    p += Frames.restarting(s, p, 1500, 30000);
    byte[] stream = Arrays.copyOf(s, p);
    long seed = new SecureRandom().nextLong();
    for (int round = 0; round < 50; round++) {
      FrameDecoder d = new FrameDecoder(FrameDecoder.CLIENT);
      List<byte[]> got = decodeAll(d, stream, new Random(seed + round));
      assertThat(got).as("seed %d", seed).hasSize(16);
      Frame f = new Frame();
      for (byte[] g : got) {
        assertThat(f.wrap(g[0] & 0xff, g, 1, g.length - 1).checkLength())
            .as("seed %d type %s", seed, FrameType.name(g[0]))
            .isTrue();
      }
      assertThat(f.wrap(got.get(12)[0], got.get(12), 1, 8).pingData())
          .isEqualTo(0x0102030405060708L);
      assertThat(f.wrap(got.get(8)[0], got.get(8), 1, 33).peerGoneReason()).isEqualTo(1);
      Frame r = f.wrap(got.get(15)[0], got.get(15), 1, 8);
      assertThat(r.reconnectInMs()).isEqualTo(1500);
      assertThat(r.tryForMs()).isEqualTo(30000);
      assertThat(f.wrap(got.get(14)[0], got.get(14), 1, got.get(14).length - 1).healthText())
          .isEqualTo("duplicate");
    }
  }

  @Test
  void serverShouldSkipUnknownTypesWithoutBufferingThem() {
    FrameDecoder d = new FrameDecoder(FrameDecoder.SERVER);
    byte[] s = new byte[5 + 100_000 + 64];
    Frames.header(s, 0, 0x7f, 100_000);
    int p = 5 + 100_000;
    p += Frames.empty(s, p, FrameType.WATCH_CONNS);
    List<byte[]> got = decodeAll(d, Arrays.copyOf(s, p), new Random(1));
    assertThat(got).hasSize(1);
    assertThat(d.unknownSkipped()).isEqualTo(1);
    assertThat(d.bufferCapacity()).isLessThanOrEqualTo(2048);
  }

  @Test
  void oversizedLengthsShouldEndDecodingWithoutAllocating() {
    FrameDecoder d = new FrameDecoder(FrameDecoder.SERVER);
    byte[] s = new byte[5];
    Frames.header(s, 0, FrameType.SEND_PACKET, 0x7fffffff);
    assertThat(d.feed(s, 0, 5, f -> true)).isEqualTo(FrameDecoder.TOO_LARGE);
    assertThat(d.malformed()).isEqualTo(1);
    assertThat(d.bufferCapacity()).isLessThanOrEqualTo(2048);
    FrameDecoder c = new FrameDecoder(FrameDecoder.CLIENT);
    Frames.header(s, 0, FrameType.RECV_PACKET, (1 << 20) + 1);
    assertThat(c.feed(s, 0, 5, f -> true)).isEqualTo(FrameDecoder.TOO_LARGE);
  }

  @Test
  void randomGarbageShouldNeverThrow() {
    long seed = new SecureRandom().nextLong();
    Random r = new Random(seed);
    Frame f2 = new Frame();
    for (int i = 0; i < 2000; i++) {
      byte[] g = new byte[r.nextInt(300)];
      r.nextBytes(g);
      if (g.length > 5 && r.nextBoolean()) {
        g[0] = (byte) (1 + r.nextInt(0x15));
        Frames.header(g, 0, g[0], r.nextInt(g.length));
      }
      for (FrameDecoder.Limits lim : List.of(FrameDecoder.CLIENT, FrameDecoder.SERVER)) {
        FrameDecoder d = new FrameDecoder(lim);
        try {
          d.feed(
              g,
              0,
              g.length,
              f -> {
                if (f.checkLength()) {
                  // every accessor of a checked frame stays in bounds
                  f.keyOffset();
                  f.packetOffset();
                  f.peerGoneReason();
                  f.port();
                  f.presentFlags();
                  if (f.type() == FrameType.PING || f.type() == FrameType.PONG) {
                    f.pingData();
                  }
                  if (f.type() == FrameType.RESTARTING) {
                    f.tryForMs();
                  }
                  if (f.type() == FrameType.NOTE_PREFERRED) {
                    f.preferred();
                  }
                  f2.wrap(f.type(), f.buffer(), f.offset(), f.length());
                }
                return true;
              });
        } catch (RuntimeException e) {
          throw new AssertionError("seed " + seed + " case " + i, e);
        }
      }
    }
  }

  @Test
  void clientInfoJsonShouldUseGoFieldNames() {
    byte[] mesh = new byte[32];
    mesh[0] = (byte) 0xab;
    Info.ClientInfo ci = new Info.ClientInfo(mesh, 2, true, false, "weft");
    String json = new String(ci.toJson());
    assertThat(json)
        .isEqualTo(
            "{\"meshKey\":\"ab"
                + "00".repeat(31)
                + "\",\"version\":2,\"CanAckPings\":true,\"AppName\":\"weft\"}");
    Info.ClientInfo back = Info.ClientInfo.parse(ci.toJson());
    assertThat(back.meshKey()).isEqualTo(mesh);
    assertThat(back.version()).isEqualTo(2);
    assertThat(Info.ClientInfo.parse("[1]".getBytes())).isNull();
    assertThat(Info.ClientInfo.parse("{\"meshKey\":\"zz\"}".getBytes())).isNull();
    assertThat(new String(new Info.ServerInfo(2, 0, 0).toJson())).isEqualTo("{\"version\":2}");
  }
}
