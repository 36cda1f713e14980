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
 * §5.4.3 response, §5.4.5 transport keys). Creates and consumes the two handshake messages; the
 * MAC fields are left to {@link CookieGenerator}/{@link CookieChecker}, the indices to the caller.
 * Thread-safe: each call takes the handshake's lock.
 */
public final class Noise {
  /** The Noise protocol name, hashed into the initial chaining key. */
  public static final String CONSTRUCTION = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
  /** WireGuard's prologue identifier. */
  public static final String IDENTIFIER = "WireGuard v1 zx2c4 Jason@zx2c4.com";

  static final byte[] INITIAL_CHAIN_KEY = Blake2s.hash(CONSTRUCTION.getBytes(StandardCharsets.US_ASCII));
  static final byte[] INITIAL_HASH =
      Blake2s.hash(INITIAL_CHAIN_KEY, IDENTIFIER.getBytes(StandardCharsets.US_ASCII));
  private static final byte[] ZERO_NONCE = new byte[12];

  /** Minimum interval between two consumed initiations of one peer (wireguard-go: 1 s / 50). */
  public static final long HANDSHAKE_INITIATION_RATE_NANOS = 20_000_000L;

  private final NanoClock clock;
  private final SecureRandom random;

  public Noise(NanoClock clock, SecureRandom random) {
    this.clock = clock;
    this.random = random;
  }

  private static void mixHash(byte[] h, byte[] data, int off, int len) {
    new Blake2s().update(h, 0, 32).update(data, off, len).doFinal(h, 0);
  }

  private static void mixKey(Kdf kdf, byte[] ck, byte[] data, int off, int len) {
    kdf.derive(ck, data, off, len, ck, null, null);
  }

  /**
   * Writes a handshake initiation (all but the MACs) to {@code out[off, off+148)} and moves the
   * handshake to {@code INITIATION_CREATED}.
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
      if (ConstantTime.isZero(hs.precomputedStaticStatic, 0, 32)) {
        return false;
      }
      System.arraycopy(INITIAL_HASH, 0, hs.hash, 0, 32);
      System.arraycopy(INITIAL_CHAIN_KEY, 0, hs.chainKey, 0, 32);
      byte[] eph = X25519.generatePrivateKey(random);
      System.arraycopy(eph, 0, hs.localEphemeral, 0, 32);
      Arrays.fill(eph, (byte) 0);
      byte[] remote = hs.remoteStatic.toBytes();
      mixHash(hs.hash, remote, 0, 32);

      Messages.putType(out, off, Messages.TYPE_INITIATION);
      Messages.putIntLE(out, off + INIT_SENDER, senderIndex);
      X25519.publicKey(hs.localEphemeral, 0, out, off + INIT_EPHEMERAL);
      mixKey(kdf, hs.chainKey, out, off + INIT_EPHEMERAL, 32);
      mixHash(hs.hash, out, off + INIT_EPHEMERAL, 32);

      if (!X25519.sharedSecret(hs.localEphemeral, 0, remote, 0, ss, 0)) {
        hs.clear();
        return false;
      }
      kdf.derive(hs.chainKey, ss, 0, 32, hs.chainKey, key, null);
      localPrivate.publicKey().copyTo(out, off + INIT_STATIC);
      new ChaCha20Poly1305(key).sealWithNonce(ZERO_NONCE, hs.hash, out, off + INIT_STATIC, 32, out, off + INIT_STATIC);
      mixHash(hs.hash, out, off + INIT_STATIC, 48);

      kdf.derive(hs.chainKey, hs.precomputedStaticStatic, 0, 32, hs.chainKey, key, null);
      Tai64n.write(clock.epochNanos(), out, off + INIT_TIMESTAMP);
      new ChaCha20Poly1305(key).sealWithNonce(ZERO_NONCE, hs.hash, out, off + INIT_TIMESTAMP, 12, out, off + INIT_TIMESTAMP);
      mixHash(hs.hash, out, off + INIT_TIMESTAMP, 28);

      Arrays.fill(out, off + INIT_MAC1, off + INITIATION_SIZE, (byte) 0);
      hs.localIndex = senderIndex;
      hs.state = Handshake.State.INITIATION_CREATED;
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
      kdf.derive(ck, ss, 0, 32, ck, key, null);
      if (new ChaCha20Poly1305(key).openWithNonce(ZERO_NONCE, hash, msg, off + INIT_STATIC, 48, plain, 0) != 32) {
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
        kdf.derive(ck, hs.precomputedStaticStatic, 0, 32, ck, key, null);
        byte[] ts = new byte[12];
        if (new ChaCha20Poly1305(key).openWithNonce(ZERO_NONCE, hash, msg, off + INIT_TIMESTAMP, 28, ts, 0) != 12) {
          return null;
        }
        mixHash(hash, msg, off + INIT_TIMESTAMP, 28);
        boolean replay = !Tai64n.isAfter(ts, 0, hs.lastTimestamp, 0);
        long now = clock.nanoTime();
        boolean flood =
            hs.consumedAny && now - hs.lastInitiationConsumedNanos <= HANDSHAKE_INITIATION_RATE_NANOS;
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
      new ChaCha20Poly1305(key).sealWithNonce(ZERO_NONCE, hs.hash, out, off + RESP_EMPTY, 0, out, off + RESP_EMPTY);
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
   * Consumes a handshake response for the handshake {@code hs} (found by the receiver index) and
   * moves it to {@code RESPONSE_CONSUMED}.
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
      if (hs.state != Handshake.State.INITIATION_CREATED || localPrivate == null) {
        return false;
      }
      System.arraycopy(hs.hash, 0, hash, 0, 32);
      System.arraycopy(hs.chainKey, 0, ck, 0, 32);
      mixHash(hash, msg, off + RESP_EPHEMERAL, 32);
      mixKey(kdf, ck, msg, off + RESP_EPHEMERAL, 32);
      X25519.sharedSecret(hs.localEphemeral, 0, msg, off + RESP_EPHEMERAL, ss, 0);
      mixKey(kdf, ck, ss, 0, 32);
      X25519.sharedSecret(localPrivate.rawForCrypto(), 0, msg, off + RESP_EPHEMERAL, ss, 0);
      mixKey(kdf, ck, ss, 0, 32);
      kdf.derive(ck, hs.presharedKey.rawForCrypto(), 0, 32, ck, tau, key);
      mixHash(hash, tau, 0, 32);
      byte[] empty = new byte[0];
      if (new ChaCha20Poly1305(key).openWithNonce(ZERO_NONCE, hash, msg, off + RESP_EMPTY, 16, empty, 0) != 0) {
        return false;
      }
      mixHash(hash, msg, off + RESP_EMPTY, 16);
      System.arraycopy(hash, 0, hs.hash, 0, 32);
      System.arraycopy(ck, 0, hs.chainKey, 0, 32);
      hs.remoteIndex = Messages.getIntLE(msg, off + RESP_SENDER);
      hs.state = Handshake.State.RESPONSE_CONSUMED;
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
   * Derives the transport keys (paper §5.4.5) once the handshake reached {@code
   * RESPONSE_CONSUMED} (initiator) or {@code RESPONSE_CREATED} (responder), then zeroes the
   * handshake. Returns null in any other state.
   */
  public Session beginSession(Handshake hs) {
    hs.lock.lock();
    try {
      byte[] first = new byte[32];
      byte[] second = new byte[32];
      boolean initiator;
      if (hs.state == Handshake.State.RESPONSE_CONSUMED) {
        initiator = true;
      } else if (hs.state == Handshake.State.RESPONSE_CREATED) {
        initiator = false;
      } else {
        return null;
      }
      new Kdf().derive(hs.chainKey, new byte[0], 0, 0, first, second, null);
      Session s =
          initiator
              ? new Session(first, second, true, hs.localIndex, hs.remoteIndex)
              : new Session(second, first, false, hs.localIndex, hs.remoteIndex);
      Arrays.fill(hs.chainKey, (byte) 0);
      Arrays.fill(hs.hash, (byte) 0);
      Arrays.fill(hs.localEphemeral, (byte) 0);
      hs.localIndex = 0;
      hs.state = Handshake.State.ZEROED;
      return s;
    } finally {
      hs.lock.unlock();
    }
  }
}
