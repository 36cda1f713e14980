package io.weft.control.noise;

import io.weft.wg.crypto.ChaCha20Poly1305;
import io.weft.wg.crypto.Kdf;
import io.weft.wg.crypto.X25519;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import io.weft.wg.noise.SymmetricState;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * One {@code Noise_IK_25519_ChaChaPoly_BLAKE2s} handshake (Noise rev. 34 §5.2 SymmetricState, §5.3
 * HandshakeState, §7.5 IK):
 *
 * <pre>
 *   IK:
 *     &lt;- s
 *     ...
 *     -&gt; e, es, s, ss
 *     &lt;- e, ee, se
 * </pre>
 *
 * Single use and not thread-safe. Failures throw {@link HandshakeException} and leave the object
 * unusable.
 */
public final class NoiseIk {
  /** The Noise protocol name, hashed into the initial chaining key (it is longer than HASHLEN). */
  public static final String PROTOCOL_NAME = "Noise_IK_25519_ChaChaPoly_BLAKE2s";

  /** Size of the initiation without payload: e (32) + encrypted s (32 + 16) + payload tag (16). */
  public static final int INITIATION_OVERHEAD = 32 + 48 + 16;

  /** Size of the response without payload: e (32) + payload tag (16). */
  public static final int RESPONSE_OVERHEAD = 32 + 16;

  private final boolean initiator;
  private final NoisePrivateKey s;
  private final byte[] e;
  private final byte[] ePub;
  private NoisePublicKey rs;
  private byte[] re;

  private final byte[] ck;
  private final byte[] h;
  private final byte[] k = new byte[32];
  private boolean hasKey;
  private long n;
  private final Kdf kdf = new Kdf();
  private int step;

  private NoiseIk(
      boolean initiator,
      NoisePrivateKey s,
      NoisePublicKey rs,
      byte[] prologue,
      SecureRandom random) {
    this.initiator = initiator;
    this.s = s;
    this.rs = rs;
    this.e = X25519.generatePrivateKey(random);
    this.ePub = X25519.publicKey(e);
    this.h = SymmetricState.initialHash(PROTOCOL_NAME);
    this.ck = h.clone();
    mixHash(prologue);
    // Pre-message "<- s": both sides hash the responder's static key.
    mixHash(initiator ? rs.toBytes() : s.publicKey().toBytes());
  }

  /** The node's side: it knows the server's static key {@code serverKey}. */
  public static NoiseIk initiator(
      NoisePrivateKey machineKey, NoisePublicKey serverKey, byte[] prologue, SecureRandom random) {
    return new NoiseIk(true, machineKey, serverKey, prologue, random);
  }

  /** The server's side. */
  public static NoiseIk responder(NoisePrivateKey serverKey, byte[] prologue, SecureRandom random) {
    return new NoiseIk(false, serverKey, null, prologue, random);
  }

  /** {@code -> e, es, s, ss} and the encrypted {@code payload}. */
  public byte[] writeInitiation(byte[] payload) {
    expect(true, 0);
    byte[] out = new byte[INITIATION_OVERHEAD + payload.length];
    System.arraycopy(ePub, 0, out, 0, 32);
    mixHash(ePub);
    mixKey(dh(e, rs.toBytes()));
    byte[] sPub = s.publicKey().toBytes();
    encryptAndHash(sPub, out, 32);
    mixKey(dh(s.rawForCrypto(), rs.toBytes()));
    encryptAndHash(payload, out, 32 + 48);
    step = 1;
    return out;
  }

  /**
   * Reads an initiation; afterwards {@link #remoteStatic()} is the authenticated machine key.
   *
   * @return the decrypted payload
   */
  public byte[] readInitiation(byte[] msg) throws HandshakeException {
    expect(false, 0);
    if (msg.length < INITIATION_OVERHEAD) {
      throw new HandshakeException("initiation too short");
    }
    re = Arrays.copyOfRange(msg, 0, 32);
    mixHash(re);
    mixKey(dh(s.rawForCrypto(), re));
    byte[] rsBytes = decryptAndHash(msg, 32, 48);
    rs = NoisePublicKey.of(rsBytes);
    mixKey(dh(s.rawForCrypto(), rsBytes));
    byte[] payload = decryptAndHash(msg, 80, msg.length - 80);
    step = 1;
    return payload;
  }

  /** {@code <- e, ee, se} and the encrypted {@code payload}; then {@link #split()}. */
  public byte[] writeResponse(byte[] payload) {
    expect(false, 1);
    byte[] out = new byte[RESPONSE_OVERHEAD + payload.length];
    System.arraycopy(ePub, 0, out, 0, 32);
    mixHash(ePub);
    mixKey(dh(e, re));
    mixKey(dh(e, rs.toBytes()));
    encryptAndHash(payload, out, 32);
    step = 2;
    return out;
  }

  /** Reads the response; then {@link #split()}. Returns the decrypted payload. */
  public byte[] readResponse(byte[] msg) throws HandshakeException {
    expect(true, 1);
    if (msg.length < RESPONSE_OVERHEAD) {
      throw new HandshakeException("response too short");
    }
    re = Arrays.copyOfRange(msg, 0, 32);
    mixHash(re);
    mixKey(dh(e, re));
    mixKey(dh(s.rawForCrypto(), re));
    byte[] payload = decryptAndHash(msg, 32, msg.length - 32);
    step = 2;
    return payload;
  }

  /** The remote party's static key (the server's, or after an initiation the node's). */
  public NoisePublicKey remoteStatic() {
    return rs;
  }

  /** The handshake hash, which names this session (channel binding, §11.2). */
  public byte[] handshakeHash() {
    return h.clone();
  }

  /** Split (§5.2): the two transport keys, as (send, receive) for this side. Wipes the state. */
  public CipherPair split() {
    if (step != 2) {
      throw new IllegalStateException("handshake not complete");
    }
    byte[] k1 = new byte[32];
    byte[] k2 = new byte[32];
    SymmetricState.split(kdf, ck, k1, k2);
    Arrays.fill(ck, (byte) 0);
    Arrays.fill(k, (byte) 0);
    Arrays.fill(e, (byte) 0);
    step = 3;
    CipherPair pair = initiator ? new CipherPair(k1, k2) : new CipherPair(k2, k1);
    Arrays.fill(k1, (byte) 0);
    Arrays.fill(k2, (byte) 0);
    return pair;
  }

  private void expect(boolean asInitiator, int atStep) {
    if (initiator != asInitiator || step != atStep) {
      throw new IllegalStateException("handshake message out of order");
    }
  }

  private void mixHash(byte[] data) {
    SymmetricState.mixHash(h, data, 0, data.length);
  }

  private void mixHash(byte[] data, int off, int len) {
    SymmetricState.mixHash(h, data, off, len);
  }

  private void mixKey(byte[] ikm) {
    SymmetricState.mixKey(kdf, ck, ikm, 0, ikm.length, k);
    Arrays.fill(ikm, (byte) 0);
    hasKey = true;
    n = 0;
  }

  private void encryptAndHash(byte[] plain, byte[] out, int off) {
    System.arraycopy(plain, 0, out, off, plain.length);
    ChaCha20Poly1305 aead = new ChaCha20Poly1305(k);
    int len = aead.seal(n++, h, out, off, plain.length);
    aead.destroy();
    mixHash(out, off, len);
  }

  private byte[] decryptAndHash(byte[] msg, int off, int len) throws HandshakeException {
    if (!hasKey) {
      throw new IllegalStateException("no key");
    }
    byte[] buf = Arrays.copyOfRange(msg, off, off + len);
    ChaCha20Poly1305 aead = new ChaCha20Poly1305(k);
    int plain = aead.open(n++, h, buf, 0, len);
    aead.destroy();
    if (plain < 0) {
      throw new HandshakeException("handshake message does not authenticate");
    }
    mixHash(msg, off, len);
    return Arrays.copyOf(buf, plain);
  }

  private static byte[] dh(byte[] priv, byte[] pub) {
    byte[] out = new byte[32];
    if (!X25519.sharedSecret(priv, 0, pub, 0, out, 0)) {
      throw new HandshakeException("low-order public key");
    }
    return out;
  }
}
