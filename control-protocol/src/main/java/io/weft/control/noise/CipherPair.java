package io.weft.control.noise;

import io.weft.wg.crypto.ChaCha20Poly1305;

/**
 * The two transport CipherStates of one session (Noise §5.1): each a key and a 64-bit counter
 * nonce. Not thread-safe per direction; the two directions may be used by two threads.
 */
public final class CipherPair {
  private final ChaCha20Poly1305 send;
  private final ChaCha20Poly1305 receive;
  private long sendNonce;
  private long receiveNonce;

  CipherPair(byte[] sendKey, byte[] receiveKey) {
    this.send = new ChaCha20Poly1305(sendKey);
    this.receive = new ChaCha20Poly1305(receiveKey);
  }

  /** Seals {@code buf[off, off+len)} in place (room for the 16-byte tag after it). */
  public int seal(byte[] buf, int off, int len) {
    if (sendNonce == -1L) {
      throw new IllegalStateException("nonce space exhausted");
    }
    return send.seal(sendNonce++, null, buf, off, len);
  }

  /** Opens in place; returns the plaintext length or -1 when the record does not authenticate. */
  public int open(byte[] buf, int off, int len) {
    if (receiveNonce == -1L) {
      return -1;
    }
    int n = receive.open(receiveNonce, null, buf, off, len);
    if (n >= 0) {
      receiveNonce++;
    }
    return n;
  }

  /** Zeroes both keys. */
  public void destroy() {
    send.destroy();
    receive.destroy();
  }

  @Override
  public String toString() {
    return "CipherPair[keys hidden]";
  }
}
