package io.weft.wg.device;

import io.weft.wg.conn.Endpoint;
import io.weft.wg.key.NoisePresharedKey;
import io.weft.wg.key.NoisePublicKey;
import io.weft.wg.noise.CookieGenerator;
import io.weft.wg.noise.Handshake;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A peer (paper §4, cryptokey routing): its static key, endpoint, handshake, the three keypairs
 * (previous, current, next; paper §5.4.6 and wireguard-go {@code BeginSymmetricSession}), the
 * packets staged while a handshake completes, counters and timers: the peer's state. Its flows are
 * in their own files: sending in {@link Send}, receiving in {@link Receive}, keypair rotation in
 * {@link Keypairs}, the timers in {@link Timers}.
 */
public final class Peer {
  final Device device;
  final NoisePublicKey publicKey;
  final Handshake handshake;
  final CookieGenerator cookieGenerator;
  final Timers.State timers = new Timers.State();

  private volatile Endpoint endpoint;
  volatile int persistentKeepaliveSeconds;

  final ReentrantLock keypairLock = new ReentrantLock();
  volatile Keypair current;
  Keypair previous;
  volatile Keypair next;

  final ArrayDeque<byte[]> staged = new ArrayDeque<>();
  final ReentrantLock stagedLock = new ReentrantLock();
  final ReentrantLock flushLock = new ReentrantLock();

  final AtomicLong rxBytes = new AtomicLong();
  final AtomicLong txBytes = new AtomicLong();
  volatile long lastHandshakeEpochNanos;
  volatile long lastSentHandshakeNanos;
  volatile boolean lastSentHandshakeValid;

  Peer(Device device, NoisePublicKey publicKey) {
    this.device = device;
    this.publicKey = publicKey;
    this.handshake = new Handshake(publicKey, device.privateKey());
    this.cookieGenerator = new CookieGenerator(device.clock, publicKey);
  }

  /** The peer's static public key. */
  public NoisePublicKey publicKey() {
    return publicKey;
  }

  /** Where packets for this peer go, or null when unknown. */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** Sets the endpoint (configuration, or roaming to the source of an authenticated packet). */
  public void setEndpoint(Endpoint e) {
    this.endpoint = e;
  }

  /** Sets the pre-shared key. */
  public void setPresharedKey(NoisePresharedKey psk) {
    handshake.setPresharedKey(psk);
  }

  /** The pre-shared key. */
  public NoisePresharedKey presharedKey() {
    return handshake.presharedKey();
  }

  /** Persistent keepalive interval in seconds (0 = off). */
  public int persistentKeepaliveSeconds() {
    return persistentKeepaliveSeconds;
  }

  /** Bytes received from this peer (whole datagrams). */
  public long rxBytes() {
    return rxBytes.get();
  }

  /** Bytes sent to this peer (whole datagrams). */
  public long txBytes() {
    return txBytes.get();
  }

  /** Wall-clock time of the last completed handshake in epoch nanos, 0 if none. */
  public long lastHandshakeEpochNanos() {
    return lastHandshakeEpochNanos;
  }

  /** The current session's keypair, or null. */
  public Keypair currentKeypair() {
    return current;
  }

  // ---- Staging (the send flow is in Send) ------------------------------------------------

  /** Whether packets are waiting for a handshake. */
  boolean hasStaged() {
    return !stagedIsEmpty();
  }

  boolean stagedIsEmpty() {
    stagedLock.lock();
    try {
      return staged.isEmpty();
    } finally {
      stagedLock.unlock();
    }
  }

  void stage(ByteBuffer buf, int len) {
    byte[] copy = new byte[len];
    System.arraycopy(buf.array(), buf.arrayOffset() + Device.HEADROOM, copy, 0, len);
    stagedLock.lock();
    try {
      if (staged.size() >= Constants.MAX_STAGED_PACKETS) {
        staged.pollFirst();
        device.stats.stagedDropped.increment();
      }
      staged.addLast(copy);
    } finally {
      stagedLock.unlock();
    }
  }

  void clearStaged() {
    stagedLock.lock();
    try {
      staged.clear();
    } finally {
      stagedLock.unlock();
    }
  }

  int stagedCount() {
    stagedLock.lock();
    try {
      return staged.size();
    } finally {
      stagedLock.unlock();
    }
  }

  @Override
  public String toString() {
    String k = publicKey.toBase64();
    return "peer(" + k.substring(0, 4) + "…" + k.substring(39, 43) + ")";
  }
}
