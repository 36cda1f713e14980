package io.weft.wg.noise;

import io.weft.wg.crypto.Blake2s;
import io.weft.wg.crypto.ConstantTime;
import io.weft.wg.crypto.XChaCha20Poly1305;
import io.weft.wg.key.NoisePublicKey;
import io.weft.wg.time.NanoClock;
import io.weft.wg.wire.Messages;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The receiving side of WireGuard's DoS defence (paper §5.3 and §5.4.7): checks mac1 of every
 * handshake message against our public key, and — under load — mac2 against a cookie derived from
 * the sender's address and a secret rotated every {@link #COOKIE_REFRESH_NANOS}; makes the cookie
 * reply that tells a sender its cookie. MACs are compared in constant time. Thread-safe.
 */
public final class CookieChecker {
  /** The cookie secret changes this often (paper: {@code Cookie-Refresh-Time}, 120 s). */
  public static final long COOKIE_REFRESH_NANOS = 120_000_000_000L;

  static final byte[] LABEL_MAC1 = "mac1----".getBytes(StandardCharsets.US_ASCII);
  static final byte[] LABEL_COOKIE = "cookie--".getBytes(StandardCharsets.US_ASCII);

  private final NanoClock clock;
  private final SecureRandom random;
  private final byte[] mac1Key = new byte[32];
  private final byte[] cookieKey = new byte[32];
  private final byte[] secret = new byte[32];
  private final io.weft.wg.crypto.ChaCha20Poly1305 replyAead =
      new io.weft.wg.crypto.ChaCha20Poly1305(new byte[32]);
  private final byte[] mac = new byte[16];
  private final Blake2s blake = new Blake2s();
  private long secretSetNanos;
  private boolean secretSet;

  public CookieChecker(NanoClock clock, SecureRandom random) {
    this.clock = clock;
    this.random = random;
  }

  /** Sets our public key: the keys of mac1 and of the cookie encryption derive from it. */
  public synchronized void init(NoisePublicKey localPublic) {
    byte[] pk = localPublic == null ? new byte[32] : localPublic.toBytes();
    new Blake2s().update(LABEL_MAC1).update(pk).doFinal(mac1Key, 0);
    new Blake2s().update(LABEL_COOKIE).update(pk).doFinal(cookieKey, 0);
    secretSet = false;
  }

  /** Whether mac1 of the handshake message {@code msg[off, off+len)} is valid. */
  public synchronized boolean checkMac1(byte[] msg, int off, int len) {
    int mac1 = off + len - 2 * Messages.MAC_SIZE;
    blake.initKeyed(16, mac1Key, 0, 32).update(msg, off, mac1 - off).doFinal(mac, 0);
    return ConstantTime.equals(mac, 0, msg, mac1, 16);
  }

  /**
   * Whether mac2 of the message is valid for the sender named {@code source} (its endpoint's
   * identity: address bytes and port for UDP). False when no cookie secret is current.
   */
  public synchronized boolean checkMac2(byte[] msg, int off, int len, byte[] source) {
    if (!secretSet || clock.nanoTime() - secretSetNanos > COOKIE_REFRESH_NANOS) {
      return false;
    }
    byte[] cookie = cookieFor(source);
    int mac2 = off + len - Messages.MAC_SIZE;
    byte[] expected = new byte[16];
    new Blake2s().initKeyed(16, cookie, 0, 16).update(msg, off, mac2 - off).doFinal(expected, 0);
    return ConstantTime.equals(expected, 0, msg, mac2, 16);
  }

  /**
   * Writes a 64-byte cookie reply to {@code out} at {@code outOff} for the handshake message {@code
   * msg} whose sender index is {@code receiver}, sent from {@code source}.
   */
  public synchronized void createReply(
      byte[] msg, int off, int len, int receiver, byte[] source, byte[] out, int outOff) {
    long now = clock.nanoTime();
    if (!secretSet || now - secretSetNanos > COOKIE_REFRESH_NANOS) {
      random.nextBytes(secret);
      secretSetNanos = now;
      secretSet = true;
    }
    byte[] cookie = cookieFor(source);
    Messages.putType(out, outOff, Messages.TYPE_COOKIE_REPLY);
    Messages.putIntLE(out, outOff + Messages.COOKIE_RECEIVER, receiver);
    byte[] nonce = new byte[XChaCha20Poly1305.NONCE_LENGTH];
    random.nextBytes(nonce);
    System.arraycopy(nonce, 0, out, outOff + Messages.COOKIE_NONCE, nonce.length);
    byte[] mac1 =
        Arrays.copyOfRange(msg, off + len - 2 * Messages.MAC_SIZE, off + len - Messages.MAC_SIZE);
    XChaCha20Poly1305.seal(
        replyAead, cookieKey, nonce, mac1, cookie, 0, 16, out, outOff + Messages.COOKIE_ENCRYPTED);
    Arrays.fill(cookie, (byte) 0);
  }

  private byte[] cookieFor(byte[] source) {
    byte[] cookie = new byte[16];
    new Blake2s().initKeyed(16, secret, 0, 32).update(source).doFinal(cookie, 0);
    return cookie;
  }
}
