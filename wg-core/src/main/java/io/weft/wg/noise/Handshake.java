package io.weft.wg.noise;

import io.weft.wg.crypto.X25519;
import io.weft.wg.key.NoisePresharedKey;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One peer's Noise_IKpsk2 handshake state (paper §5.4.2–§5.4.4) in two independent parts: our
 * pending {@link Initiation} (we are the initiator), and the responder's state for an initiation we
 * consumed (running hash and chaining key, our ephemeral, the peer's ephemeral and index); plus the
 * replay and flood guards (greatest TAI64N timestamp seen, time of the last consumed initiation).
 * Keeping the two roles apart lets handshakes that cross complete at once (see the package
 * documentation). Guarded by {@link #lock}.
 */
public final class Handshake {
  /** States of the handshake, as wireguard-go names them. */
  public enum State {
    ZEROED,
    INITIATION_CREATED,
    INITIATION_CONSUMED,
    RESPONSE_CREATED,
    RESPONSE_CONSUMED
  }

  /**
   * Our pending initiation: what consuming its response needs (paper §5.4.2–§5.4.3). One-shot:
   * zeroed when the response is consumed and the session derived, when it expires, and when a new
   * initiation replaces it.
   */
  static final class Initiation {
    /**
     * {@link State#ZEROED}, {@link State#INITIATION_CREATED} or {@link State#RESPONSE_CONSUMED}.
     */
    State state = State.ZEROED;

    final byte[] hash = new byte[32];
    final byte[] chainKey = new byte[32];
    final byte[] ephemeral = new byte[32];

    /** Our sender index in the initiation; kept after expiry until the device frees it. */
    int localIndex;

    /** The responder's sender index, once its response is consumed. */
    int remoteIndex;

    long createdNanos;

    /** Zeroes the secrets and the state; {@code localIndex} stays for the caller to free. */
    void zero() {
      Arrays.fill(hash, (byte) 0);
      Arrays.fill(chainKey, (byte) 0);
      Arrays.fill(ephemeral, (byte) 0);
      remoteIndex = 0;
      state = State.ZEROED;
    }
  }

  /** Held while reading or changing any field. */
  public final ReentrantLock lock = new ReentrantLock();

  final NoisePublicKey remoteStatic;
  final byte[] precomputedStaticStatic = new byte[32];
  NoisePresharedKey presharedKey = NoisePresharedKey.zero();

  final Initiation initiation = new Initiation();

  // The responder's state: ZEROED, INITIATION_CONSUMED or RESPONSE_CREATED.
  State state = State.ZEROED;
  final byte[] hash = new byte[32];
  final byte[] chainKey = new byte[32];
  final byte[] localEphemeral = new byte[32];
  final byte[] remoteEphemeral = new byte[32];
  int localIndex;
  int remoteIndex;
  final byte[] lastTimestamp = new byte[12];
  long lastInitiationConsumedNanos;
  boolean consumedAny;

  /**
   * Handshake state towards {@code remoteStatic}, precomputing the static-static DH with our {@code
   * localPrivate} (null while the device has no private key).
   */
  public Handshake(NoisePublicKey remoteStatic, NoisePrivateKey localPrivate) {
    this.remoteStatic = remoteStatic;
    setLocalPrivateKey(localPrivate);
  }

  /** The peer's static public key. */
  public NoisePublicKey remoteStatic() {
    return remoteStatic;
  }

  /** Recomputes the static-static DH after our private key changed (zero when unusable). */
  public void setLocalPrivateKey(NoisePrivateKey localPrivate) {
    lock.lock();
    try {
      if (localPrivate == null
          || localPrivate.isZero()
          || !X25519.sharedSecret(
              localPrivate.rawForCrypto(),
              0,
              remoteStatic.toBytes(),
              0,
              precomputedStaticStatic,
              0)) {
        Arrays.fill(precomputedStaticStatic, (byte) 0);
      }
      clear();
    } finally {
      lock.unlock();
    }
  }

  /** Sets the pre-shared key (all zero for none). */
  public void setPresharedKey(NoisePresharedKey psk) {
    lock.lock();
    try {
      presharedKey = psk == null ? NoisePresharedKey.zero() : psk;
    } finally {
      lock.unlock();
    }
  }

  /** The pre-shared key in use. */
  public NoisePresharedKey presharedKey() {
    return presharedKey;
  }

  /**
   * The responder's state while an initiation is being answered, otherwise our pending initiation's
   * ({@link State#INITIATION_CREATED} until its response arrives or it expires).
   */
  public State state() {
    return state != State.ZEROED ? state : initiation.state;
  }

  /**
   * Our sender index of the last initiation we created, whose index-table entry the caller owns: 0
   * once a session took it over or after {@link #clear}; still set after the initiation expired,
   * until the next initiation replaces it.
   */
  public int initiationIndex() {
    return initiation.localIndex;
  }

  /** Zeroes both roles' ephemeral secrets and transcripts and returns to {@link State#ZEROED}. */
  public void clear() {
    initiation.zero();
    initiation.localIndex = 0;
    clearResponder();
    Arrays.fill(remoteEphemeral, (byte) 0);
  }

  void clearResponder() {
    Arrays.fill(localEphemeral, (byte) 0);
    Arrays.fill(chainKey, (byte) 0);
    Arrays.fill(hash, (byte) 0);
    localIndex = 0;
    state = State.ZEROED;
  }

  @Override
  public String toString() {
    return "Handshake[" + remoteStatic + ", " + state() + "]";
  }
}
