package io.weft.wg.noise;

import static io.weft.wg.wire.Messages.INITIATION_SIZE;
import static io.weft.wg.wire.Messages.INIT_EPHEMERAL;
import static io.weft.wg.wire.Messages.INIT_MAC1;
import static io.weft.wg.wire.Messages.INIT_SENDER;
import static io.weft.wg.wire.Messages.INIT_STATIC;
import static io.weft.wg.wire.Messages.INIT_TIMESTAMP;
import static io.weft.wg.wire.Messages.RESPONSE_SIZE;
import static io.weft.wg.wire.Messages.RESP_EMPTY;
import static io.weft.wg.wire.Messages.RESP_EPHEMERAL;
import static io.weft.wg.wire.Messages.RESP_MAC1;
import static io.weft.wg.wire.Messages.RESP_RECEIVER;
import static io.weft.wg.wire.Messages.RESP_SENDER;

import io.weft.wg.crypto.Blake2s;
import io.weft.wg.crypto.ChaCha20Poly1305;
import io.weft.wg.crypto.ConstantTime;
import io.weft.wg.crypto.Kdf;
import io.weft.wg.crypto.X25519;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import io.weft.wg.tai64n.Tai64n;
import io.weft.wg.time.NanoClock;
import io.weft.wg.wire.Messages;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s exactly as WireGuard uses it (paper §5.4.2 initiation,
 * §5.4.3 response, §5.4.5 transport keys). Creates and consumes the two handshake messages; the MAC
 * fields are left to {@link CookieGenerator}/{@link CookieChecker}, the indices to the caller.
 * Thread-safe: each call takes the handshake's lock.
 */
public final class Noise {
  /** The Noise protocol name, hashed into the initial chaining key. */
  public static final String CONSTRUCTION = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";

  /** WireGuard's prologue identifier. */
  public static final String IDENTIFIER = "WireGuard v1 zx2c4 Jason@zx2c4.com";

  static final byte[] INITIAL_CHAIN_KEY = SymmetricState.initialHash(CONSTRUCTION);
  static final byte[] INITIAL_HASH =
      Blake2s.hash(INITIAL_CHAIN_KEY, IDENTIFIER.getBytes(StandardCharsets.US_ASCII));
  private static final byte[] ZERO_NONCE = new byte[12];

  /**
   * REKEY_TIMEOUT (paper §6.1): how long our initiation waits for its response; the device retries
   * after it (plus jitter), and a response arriving later is refused.
   */
  public static final long REKEY_TIMEOUT_NANOS = 5_000_000_000L;

  /** Minimum interval between two consumed initiations of one peer (wireguard-go: 1 s / 50). */
  public static final long HANDSHAKE_INITIATION_RATE_NANOS = 20_000_000L;

  private final NanoClock clock;
  private final SecureRandom random;

  public Noise(NanoClock clock, SecureRandom random) {
    this.clock = clock;
    this.random = random;
  }

  private static void mixHash(byte[] h, byte[] data, int off, int len) {
    SymmetricState.mixHash(h, data, off, len);
  }

  private static void mixKey(Kdf kdf, byte[] ck, byte[] data, int off, int len) {
    SymmetricState.mixKey(kdf, ck, data, off, len, null);
  }

  /**
   * Writes a handshake initiation (all but the MACs) to {@code out[off, off+148)} and makes it our
   * pending initiation ({@code INITIATION_CREATED}), replacing any earlier one; the responder's
   * state is not touched.
   *
   * @return false when it cannot be made (no private key, or a DH result is zero)
   */
  public boolean createInitiation(
      NoisePrivateKey localPrivate, Handshake hs, int senderIndex, byte[] out, int off) {
    Kdf kdf = new Kdf();
    byte[] key = new byte[32];
    byte[] ss = new byte[32];
    hs.lock.lock();
    try {
      final Handshake.Initiation in = hs.initiation;
      in.zero();
      in.localIndex = 0; // the caller freed the replaced initiation's index already
      if (ConstantTime.isZero(hs.precomputedStaticStatic, 0, 32)) {
        return false;
      }
      System.arraycopy(INITIAL_HASH, 0, in.hash, 0, 32);
      System.arraycopy(INITIAL_CHAIN_KEY, 0, in.chainKey, 0, 32);
      byte[] eph = X25519.generatePrivateKey(random);
      System.arraycopy(eph, 0, in.ephemeral, 0, 32);
      Arrays.fill(eph, (byte) 0);
      byte[] remote = hs.remoteStatic.toBytes();
      mixHash(in.hash, remote, 0, 32);

      Messages.putType(out, off, Messages.TYPE_INITIATION);
      Messages.putIntLE(out, off + INIT_SENDER, senderIndex);
      X25519.publicKey(in.ephemeral, 0, out, off + INIT_EPHEMERAL);
      mixKey(kdf, in.chainKey, out, off + INIT_EPHEMERAL, 32);
      mixHash(in.hash, out, off + INIT_EPHEMERAL, 32);

      if (!X25519.sharedSecret(in.ephemeral, 0, remote, 0, ss, 0)) {
        in.zero();
        return false;
      }
      SymmetricState.mixKey(kdf, in.chainKey, ss, 0, 32, key);
      localPrivate.publicKey().copyTo(out, off + INIT_STATIC);
      ChaCha20Poly1305.sealOnce(
          key, ZERO_NONCE, in.hash, out, off + INIT_STATIC, 32, out, off + INIT_STATIC);
      mixHash(in.hash, out, off + INIT_STATIC, 48);

      SymmetricState.mixKey(kdf, in.chainKey, hs.precomputedStaticStatic, 0, 32, key);
      Tai64n.write(clock.epochNanos(), out, off + INIT_TIMESTAMP);
      ChaCha20Poly1305.sealOnce(
          key, ZERO_NONCE, in.hash, out, off + INIT_TIMESTAMP, 12, out, off + INIT_TIMESTAMP);
      mixHash(in.hash, out, off + INIT_TIMESTAMP, 28);

      Arrays.fill(out, off + INIT_MAC1, off + INITIATION_SIZE, (byte) 0);
      in.localIndex = senderIndex;
      in.createdNanos = clock.nanoTime();
      in.state = Handshake.State.INITIATION_CREATED;
      return true;
    } finally {
      hs.lock.unlock();
      Arrays.fill(key, (byte) 0);
      Arrays.fill(ss, (byte) 0);
    }
  }

  /**
   * Consumes a handshake initiation addressed to {@code localPrivate}. The sender is looked up by
   * its decrypted static key; replays (a timestamp not newer than the last) and floods (two within
   * 20 ms) are refused.
   *
   * @return the handshake now in {@code INITIATION_CONSUMED}, or null when refused
   */
  public Handshake consumeInitiation(
      NoisePrivateKey localPrivate,
      NoisePublicKey localPublic,
      byte[] msg,
      int off,
      Function<NoisePublicKey, Handshake> lookup) {
    if (localPrivate == null || localPrivate.isZero()) {
      return null;
    }
    Kdf kdf = new Kdf();
    byte[] hash = INITIAL_HASH.clone();
    byte[] ck = INITIAL_CHAIN_KEY.clone();
    byte[] key = new byte[32];
    byte[] ss = new byte[32];
    byte[] plain = new byte[32];
    try {
      byte[] local = localPublic.toBytes();
      mixHash(hash, local, 0, 32);
      mixHash(hash, msg, off + INIT_EPHEMERAL, 32);
      mixKey(kdf, ck, msg, off + INIT_EPHEMERAL, 32);

      if (!X25519.sharedSecret(localPrivate.rawForCrypto(), 0, msg, off + INIT_EPHEMERAL, ss, 0)) {
        return null;
      }
      SymmetricState.mixKey(kdf, ck, ss, 0, 32, key);
      if (ChaCha20Poly1305.openOnce(key, ZERO_NONCE, hash, msg, off + INIT_STATIC, 48, plain, 0)
          != 32) {
        return null;
      }
      mixHash(hash, msg, off + INIT_STATIC, 48);
      Handshake hs = lookup.apply(NoisePublicKey.of(plain));
      if (hs == null) {
        return null;
      }
      hs.lock.lock();
      try {
        if (ConstantTime.isZero(hs.precomputedStaticStatic, 0, 32)) {
          return null;
        }
        SymmetricState.mixKey(kdf, ck, hs.precomputedStaticStatic, 0, 32, key);
        byte[] ts = new byte[12];
        if (ChaCha20Poly1305.openOnce(key, ZERO_NONCE, hash, msg, off + INIT_TIMESTAMP, 28, ts, 0)
            != 12) {
          return null;
        }
        mixHash(hash, msg, off + INIT_TIMESTAMP, 28);
        boolean replay = !Tai64n.isAfter(ts, 0, hs.lastTimestamp, 0);
        long now = clock.nanoTime();
        boolean flood =
            hs.consumedAny
                && now - hs.lastInitiationConsumedNanos <= HANDSHAKE_INITIATION_RATE_NANOS;
        if (replay || flood) {
          return null;
        }
        System.arraycopy(hash, 0, hs.hash, 0, 32);
        System.arraycopy(ck, 0, hs.chainKey, 0, 32);
        hs.remoteIndex = Messages.getIntLE(msg, off + INIT_SENDER);
        System.arraycopy(msg, off + INIT_EPHEMERAL, hs.remoteEphemeral, 0, 32);
        System.arraycopy(ts, 0, hs.lastTimestamp, 0, 12);
        hs.lastInitiationConsumedNanos = now;
        hs.consumedAny = true;
        hs.state = Handshake.State.INITIATION_CONSUMED;
        return hs;
      } finally {
        hs.lock.unlock();
      }
    } finally {
      Arrays.fill(hash, (byte) 0);
      Arrays.fill(ck, (byte) 0);
      Arrays.fill(key, (byte) 0);
      Arrays.fill(ss, (byte) 0);
    }
  }

  /**
   * Writes a handshake response (all but the MACs) to {@code out[off, off+92)} for a consumed
   * initiation and moves the handshake to {@code RESPONSE_CREATED}.
   */
  public boolean createResponse(Handshake hs, int senderIndex, byte[] out, int off) {
    Kdf kdf = new Kdf();
    byte[] ss = new byte[32];
    byte[] tau = new byte[32];
    byte[] key = new byte[32];
    hs.lock.lock();
    try {
      if (hs.state != Handshake.State.INITIATION_CONSUMED) {
        return false;
      }
      Messages.putType(out, off, Messages.TYPE_RESPONSE);
      Messages.putIntLE(out, off + RESP_SENDER, senderIndex);
      Messages.putIntLE(out, off + RESP_RECEIVER, hs.remoteIndex);
      byte[] eph = X25519.generatePrivateKey(random);
      System.arraycopy(eph, 0, hs.localEphemeral, 0, 32);
      Arrays.fill(eph, (byte) 0);
      X25519.publicKey(hs.localEphemeral, 0, out, off + RESP_EPHEMERAL);
      mixHash(hs.hash, out, off + RESP_EPHEMERAL, 32);
      mixKey(kdf, hs.chainKey, out, off + RESP_EPHEMERAL, 32);

      X25519.sharedSecret(hs.localEphemeral, 0, hs.remoteEphemeral, 0, ss, 0);
      mixKey(kdf, hs.chainKey, ss, 0, 32);
      X25519.sharedSecret(hs.localEphemeral, 0, hs.remoteStatic.toBytes(), 0, ss, 0);
      mixKey(kdf, hs.chainKey, ss, 0, 32);

      kdf.derive(hs.chainKey, hs.presharedKey.rawForCrypto(), 0, 32, hs.chainKey, tau, key);
      mixHash(hs.hash, tau, 0, 32);
      ChaCha20Poly1305.sealOnce(
          key, ZERO_NONCE, hs.hash, out, off + RESP_EMPTY, 0, out, off + RESP_EMPTY);
      mixHash(hs.hash, out, off + RESP_EMPTY, 16);

      Arrays.fill(out, off + RESP_MAC1, off + RESPONSE_SIZE, (byte) 0);
      hs.localIndex = senderIndex;
      hs.state = Handshake.State.RESPONSE_CREATED;
      return true;
    } finally {
      hs.lock.unlock();
      Arrays.fill(ss, (byte) 0);
      Arrays.fill(tau, (byte) 0);
      Arrays.fill(key, (byte) 0);
    }
  }

  /**
   * Consumes a handshake response to our pending initiation: its receiver index must be that
   * initiation's sender index and it must arrive within {@link #REKEY_TIMEOUT_NANOS} of creating
   * it. Whether we consumed the peer's own initiation meanwhile (crossing handshakes) does not
   * matter. On success our initiation moves to {@code RESPONSE_CONSUMED}; an expired one is zeroed;
   * a response that fails authentication leaves it pending.
   */
  public boolean consumeResponse(NoisePrivateKey localPrivate, Handshake hs, byte[] msg, int off) {
    Kdf kdf = new Kdf();
    byte[] hash = new byte[32];
    byte[] ck = new byte[32];
    byte[] ss = new byte[32];
    byte[] tau = new byte[32];
    byte[] key = new byte[32];
    hs.lock.lock();
    try {
      final Handshake.Initiation in = hs.initiation;
      if (in.state != Handshake.State.INITIATION_CREATED || localPrivate == null) {
        return false;
      }
      if (clock.nanoTime() - in.createdNanos >= REKEY_TIMEOUT_NANOS) {
        in.zero();
        return false;
      }
      if (Messages.getIntLE(msg, off + RESP_RECEIVER) != in.localIndex) {
        return false;
      }
      System.arraycopy(in.hash, 0, hash, 0, 32);
      System.arraycopy(in.chainKey, 0, ck, 0, 32);
      mixHash(hash, msg, off + RESP_EPHEMERAL, 32);
      mixKey(kdf, ck, msg, off + RESP_EPHEMERAL, 32);
      X25519.sharedSecret(in.ephemeral, 0, msg, off + RESP_EPHEMERAL, ss, 0);
      mixKey(kdf, ck, ss, 0, 32);
      X25519.sharedSecret(localPrivate.rawForCrypto(), 0, msg, off + RESP_EPHEMERAL, ss, 0);
      mixKey(kdf, ck, ss, 0, 32);
      kdf.derive(ck, hs.presharedKey.rawForCrypto(), 0, 32, ck, tau, key);
      mixHash(hash, tau, 0, 32);
      byte[] empty = new byte[0];
      if (ChaCha20Poly1305.openOnce(key, ZERO_NONCE, hash, msg, off + RESP_EMPTY, 16, empty, 0)
          != 0) {
        return false;
      }
      mixHash(hash, msg, off + RESP_EMPTY, 16);
      System.arraycopy(hash, 0, in.hash, 0, 32);
      System.arraycopy(ck, 0, in.chainKey, 0, 32);
      Arrays.fill(in.ephemeral, (byte) 0); // not needed any more
      in.remoteIndex = Messages.getIntLE(msg, off + RESP_SENDER);
      in.state = Handshake.State.RESPONSE_CONSUMED;
      return true;
    } finally {
      hs.lock.unlock();
      Arrays.fill(hash, (byte) 0);
      Arrays.fill(ck, (byte) 0);
      Arrays.fill(ss, (byte) 0);
      Arrays.fill(tau, (byte) 0);
      Arrays.fill(key, (byte) 0);
    }
  }

  /**
   * Derives the transport keys (paper §5.4.5) of the handshake just completed, on the thread that
   * completed it: our initiation once its response was consumed ({@code RESPONSE_CONSUMED}), else
   * an initiation we answered ({@code RESPONSE_CREATED}); then zeroes that role's state (its index
   * now belongs to the session). Returns null when neither is complete.
   */
  public Session beginSession(Handshake hs) {
    hs.lock.lock();
    try {
      final byte[] first = new byte[32];
      final byte[] second = new byte[32];
      final Handshake.Initiation in = hs.initiation;
      if (in.state == Handshake.State.RESPONSE_CONSUMED) {
        SymmetricState.split(new Kdf(), in.chainKey, first, second);
        Session s = new Session(first, second, true, in.localIndex, in.remoteIndex);
        in.zero();
        in.localIndex = 0;
        return s;
      }
      if (hs.state == Handshake.State.RESPONSE_CREATED) {
        SymmetricState.split(new Kdf(), hs.chainKey, first, second);
        Session s = new Session(second, first, false, hs.localIndex, hs.remoteIndex);
        hs.clearResponder();
        return s;
      }
      return null;
    } finally {
      hs.lock.unlock();
    }
  }
}
