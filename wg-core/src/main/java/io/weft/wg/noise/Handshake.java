package io.weft.wg.noise;

import io.weft.wg.crypto.X25519;
import io.weft.wg.key.NoisePresharedKey;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One peer's Noise_IKpsk2 handshake state (paper §5.4.2–§5.4.4): the running hash and chaining
 * key, our ephemeral key, the peer's ephemeral, the indices, and the replay and flood guards
 * (greatest TAI64N timestamp seen, time of the last consumed initiation). Guarded by {@link
 * #lock}.
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

  /** Held while reading or changing any field. */
  public final ReentrantLock lock = new ReentrantLock();

  final NoisePublicKey remoteStatic;
  final byte[] precomputedStaticStatic = new byte[32];
  NoisePresharedKey presharedKey = NoisePresharedKey.zero();

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
   * Handshake state towards {@code remoteStatic}, precomputing the static-static DH with our
   * {@code localPrivate} (null while the device has no private key).
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
              localPrivate.rawForCrypto(), 0, remoteStatic.toBytes(), 0, precomputedStaticStatic, 0)) {
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

  /** The current state. */
  public State state() {
    return state;
  }

  /** The local index of the handshake in progress (0 when none). */
  public int localIndex() {
    return localIndex;
  }

  /** Zeroes the ephemeral secrets and transcript and returns to {@link State#ZEROED}. */
  public void clear() {
    Arrays.fill(localEphemeral, (byte) 0);
    Arrays.fill(remoteEphemeral, (byte) 0);
    Arrays.fill(chainKey, (byte) 0);
    Arrays.fill(hash, (byte) 0);
    localIndex = 0;
    state = State.ZEROED;
  }

  @Override
  public String toString() {
    return "Handshake[" + remoteStatic + ", " + state + "]";
  }
}
