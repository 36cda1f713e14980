package io.weft.wg.noise;

import io.weft.wg.crypto.Blake2s;
import io.weft.wg.crypto.XChaCha20Poly1305;
import io.weft.wg.key.NoisePublicKey;
import io.weft.wg.time.NanoClock;
import io.weft.wg.wire.Messages;

/**
 * The sending side of WireGuard's DoS defence (paper §5.4.4 and §5.4.7), one per peer: writes mac1
 * (keyed by the peer's public key) and, while we hold a fresh cookie from that peer, mac2 into our
 * handshake messages; consumes the peer's cookie replies. Thread-safe.
 */
public final class CookieGenerator {
  private final NanoClock clock;
  private final byte[] mac1Key = new byte[32];
  private final byte[] cookieKey = new byte[32];
  private final byte[] cookie = new byte[16];
  private long cookieSetNanos;
  private boolean hasCookie;
  private final byte[] lastMac1 = new byte[16];
  private boolean hasLastMac1;

  /** A generator for messages to {@code remote}. */
  public CookieGenerator(NanoClock clock, NoisePublicKey remote) {
    this.clock = clock;
    byte[] pk = remote.toBytes();
    new Blake2s().update(CookieChecker.LABEL_MAC1).update(pk).doFinal(mac1Key, 0);
    new Blake2s().update(CookieChecker.LABEL_COOKIE).update(pk).doFinal(cookieKey, 0);
  }

  /** Fills mac1 and mac2 of the handshake message {@code msg[off, off+len)}. */
  public synchronized void addMacs(byte[] msg, int off, int len) {
    int mac1 = off + len - 2 * Messages.MAC_SIZE;
    int mac2 = off + len - Messages.MAC_SIZE;
    new Blake2s().initKeyed(16, mac1Key, 0, 32).update(msg, off, mac1 - off).doFinal(msg, mac1);
    System.arraycopy(msg, mac1, lastMac1, 0, 16);
    hasLastMac1 = true;
    if (hasCookie && clock.nanoTime() - cookieSetNanos <= CookieChecker.COOKIE_REFRESH_NANOS) {
      new Blake2s().initKeyed(16, cookie, 0, 16).update(msg, off, mac2 - off).doFinal(msg, mac2);
    } else {
      java.util.Arrays.fill(msg, mac2, mac2 + 16, (byte) 0);
    }
  }

  /** Whether we hold a cookie from the peer that is still fresh. */
  public synchronized boolean hasFreshCookie() {
    return hasCookie && clock.nanoTime() - cookieSetNanos <= CookieChecker.COOKIE_REFRESH_NANOS;
  }

  /** Consumes a cookie reply answering our last message; false if it does not decrypt. */
  public synchronized boolean consumeReply(byte[] msg, int off) {
    if (!hasLastMac1) {
      return false;
    }
    byte[] nonce =
        java.util.Arrays.copyOfRange(
            msg, off + Messages.COOKIE_NONCE, off + Messages.COOKIE_ENCRYPTED);
    byte[] out = new byte[16];
    int n =
        XChaCha20Poly1305.open(
            cookieKey, nonce, lastMac1, msg, off + Messages.COOKIE_ENCRYPTED, 32, out, 0);
    if (n != 16) {
      return false;
    }
    System.arraycopy(out, 0, cookie, 0, 16);
    cookieSetNanos = clock.nanoTime();
    hasCookie = true;
    return true;
  }
}
