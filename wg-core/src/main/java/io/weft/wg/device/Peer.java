package io.weft.wg.device;

import static io.weft.wg.device.Constants.REJECT_AFTER_MESSAGES;
import static io.weft.wg.device.Constants.REJECT_AFTER_TIME_NANOS;
import static io.weft.wg.device.Constants.REKEY_AFTER_MESSAGES;

import io.weft.wg.conn.Endpoint;
import io.weft.wg.key.NoisePresharedKey;
import io.weft.wg.key.NoisePublicKey;
import io.weft.wg.noise.CookieGenerator;
import io.weft.wg.noise.Handshake;
import io.weft.wg.wire.Messages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A peer (paper §4, cryptokey routing): its static key, endpoint, handshake, the three keypairs
 * (previous, current, next; paper §5.4.6 and wireguard-go {@code BeginSymmetricSession}), the
 * packets staged while a handshake completes, counters and timers. The send flow lives here; the
 * receive flow in {@link Receive}, the timers in {@link Timers}.
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

  private final ArrayDeque<byte[]> staged = new ArrayDeque<>();
  private final ReentrantLock stagedLock = new ReentrantLock();
  private final ReentrantLock flushLock = new ReentrantLock();

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

  // ---- Send flow -------------------------------------------------------------------------

  /**
   * Encrypts and sends the IP packet at {@code buf[Device.HEADROOM, Device.HEADROOM+len)}, or
   * stages a copy and starts a handshake when there is no usable session. The buffer has room for
   * the header before and padding and tag after.
   */
  void send(ByteBuffer buf, int len) {
    if (!stagedIsEmpty()) {
      stage(buf, len);
      sendStaged();
      return;
    }
    if (!trySeal(buf, len)) {
      stage(buf, len);
      sendHandshakeInitiation(false);
    }
  }

  /** Seals and sends one packet with the current keypair; false if there is none usable. */
  private boolean trySeal(ByteBuffer buf, int len) {
    final Keypair kp = current;
    final Endpoint ep = endpoint;
    if (ep == null || sealInPlace(kp, buf, len) < 0) {
      return false;
    }
    // Timers first: an answer racing back must find them armed, so it can disarm them.
    afterSend(kp, len > 0);
    try {
      device.sendDatagram(buf, ep);
    } catch (IOException e) {
      device.log.log(System.Logger.Level.DEBUG, "send to {0} failed: {1}", this, e.getMessage());
      // the packet is lost like any UDP datagram; the session is fine
    }
    return true;
  }

  /**
   * Pads, seals and frames one packet in place under {@code kp}, leaving the datagram between the
   * buffer's position 0 and its limit, and counts it. Does not send.
   *
   * @return the datagram size, or -1 when {@code kp} is not usable (none, expired, exhausted)
   */
  int sealInPlace(final Keypair kp, final ByteBuffer buf, final int len) {
    final int size = prepareInPlace(kp, buf, len);
    if (size < 0) {
      return -1;
    }
    final byte[] b = buf.array();
    final int base = buf.arrayOffset();
    final long nonce = Messages.getLongLE(b, base + Messages.TRANSPORT_COUNTER);
    kp.sendLock.lock();
    try {
      if (kp.destroyed) {
        return -1;
      }
      kp.send.seal(nonce, null, b, base + Device.HEADROOM, size - Device.HEADROOM - Messages.TAG_SIZE);
    } finally {
      kp.sendLock.unlock();
    }
    return size;
  }

  /**
   * Everything of {@link #sealInPlace} but the encryption: takes a counter, pads, writes the
   * header and frames the datagram; the caller seals {@code [HEADROOM, limit - 16)} in place with
   * the counter from the header, on whichever thread.
   *
   * @return the datagram size, or -1 when {@code kp} is not usable
   */
  int prepareInPlace(final Keypair kp, final ByteBuffer buf, final int len) {
    final long now = device.clock.nanoTime();
    if (kp == null || kp.destroyed || now - kp.createdNanos >= REJECT_AFTER_TIME_NANOS) {
      return -1;
    }
    final long nonce = kp.sendNonce.getAndIncrement();
    if (Long.compareUnsigned(nonce, REJECT_AFTER_MESSAGES) >= 0) {
      kp.sendNonce.set(REJECT_AFTER_MESSAGES);
      return -1;
    }
    final byte[] b = buf.array();
    final int base = buf.arrayOffset();
    final int padded = paddedLength(len, device.mtu());
    for (int i = len; i < padded; i++) {
      b[base + Device.HEADROOM + i] = 0;
    }
    Messages.putType(b, base, Messages.TYPE_TRANSPORT);
    Messages.putIntLE(b, base + Messages.TRANSPORT_RECEIVER, kp.remoteIndex);
    Messages.putLongLE(b, base + Messages.TRANSPORT_COUNTER, nonce);
    final int size = Device.HEADROOM + padded + Messages.TAG_SIZE;
    buf.limit(size).position(0);
    txBytes.addAndGet(size);
    return size;
  }

  /** Timers and rekeying after one or a batch of datagrams went out under {@code kp}. */
  void afterSend(Keypair kp, boolean carriedData) {
    Timers.anyAuthenticatedPacketTraversal(this);
    Timers.anyAuthenticatedPacketSent(this);
    if (carriedData) {
      Timers.dataSent(this);
    }
    keepKeyFreshSending(kp, kp.sendNonce.get() - 1, device.clock.nanoTime());
  }

  /** Whether packets are waiting for a handshake. */
  boolean hasStaged() {
    return !stagedIsEmpty();
  }

  /** Padding of the plaintext to a multiple of 16 without exceeding the MTU (paper §5.4.6). */
  static int paddedLength(int len, int mtu) {
    int last = len;
    if (last > mtu && mtu > 0) {
      last %= mtu;
    }
    int padded = (last + 15) & ~15;
    if (mtu > 0 && padded > mtu) {
      padded = mtu;
    }
    return len + Math.max(0, padded - last);
  }

  private void keepKeyFreshSending(Keypair kp, long nonce, long now) {
    if (Long.compareUnsigned(nonce, REKEY_AFTER_MESSAGES) > 0
        || (kp.initiator && now - kp.createdNanos > device.rekeyAfterTimeNanos())) {
      sendHandshakeInitiation(false);
    }
  }

  private boolean stagedIsEmpty() {
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

  /**
   * Sends the staged packets in order if a session is usable; otherwise starts a handshake. One
   * thread flushes at a time, so no packet goes out twice.
   */
  void sendStaged() {
    flushLock.lock();
    try {
      ByteBuffer buf = null;
      while (true) {
        byte[] p;
        stagedLock.lock();
        try {
          p = staged.pollFirst();
        } finally {
          stagedLock.unlock();
        }
        if (p == null) {
          return;
        }
        if (buf == null) {
          buf = ByteBuffer.allocate(Device.BUFFER_SIZE);
        }
        buf.clear();
        System.arraycopy(p, 0, buf.array(), Device.HEADROOM, p.length);
        if (!trySeal(buf, p.length)) {
          stagedLock.lock();
          try {
            staged.addFirst(p);
          } finally {
            stagedLock.unlock();
          }
          sendHandshakeInitiation(false);
          return;
        }
      }
    } finally {
      flushLock.unlock();
    }
  }

  /** Sends the staged packets, or a keepalive when there are none (wireguard-go SendKeepalive). */
  void sendKeepalive() {
    if (stagedIsEmpty()) {
      ByteBuffer buf = ByteBuffer.allocate(Device.HEADROOM + 16 + Messages.TAG_SIZE);
      if (!trySeal(buf, 0)) {
        stage(buf, 0);
        sendHandshakeInitiation(false);
      }
      return;
    }
    sendStaged();
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

  /** Sends a handshake initiation unless one went out less than REKEY_TIMEOUT ago. */
  void sendHandshakeInitiation(boolean isRetry) {
    if (!isRetry) {
      timers.lock.lock();
      try {
        timers.handshakeAttempts = 0;
      } finally {
        timers.lock.unlock();
      }
    }
    long now = device.clock.nanoTime();
    Endpoint ep = endpoint;
    if (ep == null || device.privateKey() == null) {
      return;
    }
    synchronized (this) {
      if (lastSentHandshakeValid && now - lastSentHandshakeNanos < Constants.REKEY_TIMEOUT_NANOS) {
        return;
      }
      lastSentHandshakeNanos = now;
      lastSentHandshakeValid = true;
    }
    byte[] msg = new byte[Messages.INITIATION_SIZE];
    device.indexTable.remove(handshake.initiationIndex());
    int index = device.indexTable.newIndexForHandshake(this);
    if (!device.noise.createInitiation(device.privateKey(), handshake, index, msg, 0)) {
      device.indexTable.remove(index);
      return;
    }
    cookieGenerator.addMacs(msg, 0, msg.length);
    Timers.anyAuthenticatedPacketTraversal(this);
    Timers.anyAuthenticatedPacketSent(this);
    Timers.handshakeInitiated(this); // armed before anything can observe the send
    txBytes.addAndGet(msg.length);
    try {
      device.sendDatagram(ByteBuffer.wrap(msg), ep);
    } catch (IOException e) {
      device.log.log(System.Logger.Level.DEBUG, "handshake initiation to {0} failed: {1}", this, e.getMessage());
    }
  }

  // ---- Keypair rotation ------------------------------------------------------------------

  /**
   * Installs a freshly derived keypair (wireguard-go BeginSymmetricSession's rotation). Ours as
   * initiator is confirmed by the response and becomes current at once; an unconfirmed {@code
   * next} (the peer's crossing initiation) then moves to previous, where it still opens what the
   * peer sends under it, and the old current is dropped. Ours as responder waits in next until
   * the first packet under it confirms it ({@link #receivedWithKeypair}).
   */
  void installKeypair(Keypair kp) {
    keypairLock.lock();
    try {
      Keypair prev = previous;
      Keypair nxt = next;
      Keypair cur = current;
      if (kp.initiator) {
        if (nxt != null) {
          next = null;
          previous = nxt;
          device.deleteKeypair(cur);
        } else {
          previous = cur;
        }
        device.deleteKeypair(prev);
        current = kp;
      } else {
        next = kp;
        device.deleteKeypair(nxt);
        previous = null;
        device.deleteKeypair(prev);
      }
    } finally {
      keypairLock.unlock();
    }
  }

  /** The responder's confirmation: the first packet under {@code next} makes it current. */
  boolean receivedWithKeypair(Keypair kp) {
    if (next != kp) {
      return false;
    }
    keypairLock.lock();
    try {
      if (next != kp) {
        return false;
      }
      Keypair old = previous;
      previous = current;
      device.deleteKeypair(old);
      current = kp;
      next = null;
      return true;
    } finally {
      keypairLock.unlock();
    }
  }

  /** Zeroes every keypair and the handshake (REJECT_AFTER_TIME × 3 passed, or removal). */
  void zeroKeyMaterial() {
    keypairLock.lock();
    try {
      device.deleteKeypair(previous);
      device.deleteKeypair(current);
      device.deleteKeypair(next);
      previous = null;
      current = null;
      next = null;
    } finally {
      keypairLock.unlock();
    }
    handshake.lock.lock();
    try {
      device.indexTable.remove(handshake.initiationIndex());
      handshake.clear();
    } finally {
      handshake.lock.unlock();
    }
  }

  /** Whether the current keypair is older than REKEY_AFTER_TIME, for the last-minute rekey. */
  boolean currentOlderThan(long ageNanos, long now) {
    Keypair kp = current;
    return kp != null && now - kp.createdNanos > ageNanos;
  }

  @Override
  public String toString() {
    String k = publicKey.toBase64();
    return "peer(" + k.substring(0, 4) + "…" + k.substring(39, 43) + ")";
  }
}
