package io.weft.magicsock.disco;

import io.weft.derp.wire.NaclBox;
import io.weft.wg.key.DiscoPublicKey;
import io.weft.wg.key.NoisePublicKey;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A flyweight over one disco packet in a byte array: {@code magic(6) || sender disco key(32) ||
 * nonce(24) || box(message)}. {@link #wrap} never throws; {@link #open} returns null when the box
 * does not verify. Reused per receive loop: {@code wrap} rebinds it to the next datagram.
 */
public final class DiscoPacket {
  /** {@code TS💬} in UTF-8. */
  public static final byte[] MAGIC = {
    0x54, 0x53, (byte) 0xf0, (byte) 0x9f, (byte) 0x92, (byte) 0xac
  };

  public static final int KEY_OFFSET = MAGIC.length;
  public static final int NONCE_OFFSET = KEY_OFFSET + 32;
  public static final int BOX_OFFSET = NONCE_OFFSET + NaclBox.NONCE_LENGTH;

  /** The shortest datagram that can carry a disco packet header. */
  public static final int HEADER_LENGTH = BOX_OFFSET;

  private static final SecureRandom RANDOM = new SecureRandom();

  private byte[] buf;
  private int off;
  private int len;

  /**
   * Whether {@code b[off, off+len)} starts with the magic and is long enough for the header: the
   * demultiplexer's test (it does not open the box).
   */
  public static boolean looksLike(byte[] b, int off, int len) {
    if (len < HEADER_LENGTH || off < 0 || off + len > b.length) {
      return false;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (b[off + i] != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Binds this flyweight to {@code b[off, off+len)}; false (and nothing bound) when it is not a
   * disco packet.
   */
  public boolean wrap(byte[] b, int off, int len) {
    if (!looksLike(b, off, len)) {
      this.buf = null;
      return false;
    }
    this.buf = b;
    this.off = off;
    this.len = len;
    return true;
  }

  /** The sender's disco key. */
  public DiscoPublicKey sender() {
    return new DiscoPublicKey(
        NoisePublicKey.of(Arrays.copyOfRange(buf, off + KEY_OFFSET, off + NONCE_OFFSET)));
  }

  /** Whether the sender key equals {@code key} (no allocation). */
  public boolean senderIs(byte[] key) {
    return Arrays.equals(buf, off + KEY_OFFSET, off + NONCE_OFFSET, key, 0, 32);
  }

  /**
   * The message, opened with the precomputed box key {@code boxKey}; null when it does not open.
   */
  public byte[] open(byte[] boxKey) {
    byte[] nonce = Arrays.copyOfRange(buf, off + NONCE_OFFSET, off + BOX_OFFSET);
    return NaclBox.open(boxKey, nonce, buf, off + BOX_OFFSET, len - BOX_OFFSET);
  }

  /**
   * The message, opened and parsed; null (and counted in {@code counters}) when the box does not
   * open or the message does not parse.
   */
  public DiscoMessage openMessage(byte[] boxKey, DiscoCounters counters) {
    byte[] plain = open(boxKey);
    if (plain == null) {
      counters.badBox.increment();
      return null;
    }
    DiscoMessage m = DiscoMessage.parse(plain);
    if (m == null) {
      counters.badMessage.increment();
    }
    return m;
  }

  /** A packet from {@code sender} carrying {@code message}, sealed with {@code boxKey}. */
  public static byte[] seal(byte[] boxKey, DiscoPublicKey sender, byte[] message) {
    byte[] nonce = new byte[NaclBox.NONCE_LENGTH];
    RANDOM.nextBytes(nonce);
    return seal(boxKey, sender, nonce, message);
  }

  /** As {@link #seal(byte[], DiscoPublicKey, byte[])} with a given nonce (tests). */
  public static byte[] seal(byte[] boxKey, DiscoPublicKey sender, byte[] nonce, byte[] message) {
    byte[] box = NaclBox.seal(boxKey, nonce, message);
    byte[] out = new byte[BOX_OFFSET + box.length];
    System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
    sender.key().copyTo(out, KEY_OFFSET);
    System.arraycopy(nonce, 0, out, NONCE_OFFSET, nonce.length);
    System.arraycopy(box, 0, out, BOX_OFFSET, box.length);
    return out;
  }
}
