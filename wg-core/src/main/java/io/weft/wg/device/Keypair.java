package io.weft.wg.device;

import io.weft.wg.crypto.ChaCha20Poly1305;
import io.weft.wg.noise.Session;
import io.weft.wg.replay.ReplayWindow;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One session's transport keys (paper §5.4.6): the send key with its counter, the receive key with
 * its replay window, the indices, and when it was made. The JDK cipher objects are not thread-safe,
 * so sealing and opening each take a lock (uncontended in the common one-thread-per- direction
 * case).
 */
public final class Keypair {
  final ChaCha20Poly1305 send;
  final ChaCha20Poly1305 receive;
  final ReentrantLock sendLock = new ReentrantLock();
  final ReentrantLock receiveLock = new ReentrantLock();
  final AtomicLong sendNonce = new AtomicLong();
  final ReplayWindow replay = new ReplayWindow();
  final long createdNanos;
  final boolean initiator;
  final int localIndex;
  final int remoteIndex;
  final Peer peer;

  /** Raw keys, for the crypto workers' own cipher instances; zeroed by {@link #destroy()}. */
  final byte[] sendKey;

  final byte[] receiveKey;
  volatile boolean destroyed;

  Keypair(Peer peer, Session s, long createdNanos) {
    this.peer = peer;
    this.send = new ChaCha20Poly1305(s.sendKey());
    this.receive = new ChaCha20Poly1305(s.receiveKey());
    this.sendKey = s.sendKey().clone();
    this.receiveKey = s.receiveKey().clone();
    s.destroy();
    this.createdNanos = createdNanos;
    this.initiator = s.initiator();
    this.localIndex = s.localIndex();
    this.remoteIndex = s.remoteIndex();
  }

  /** Whether we initiated the handshake that made this keypair. */
  public boolean initiator() {
    return initiator;
  }

  /** When the keypair was made (monotonic nanos). */
  public long createdNanos() {
    return createdNanos;
  }

  /** Zeroes the keys; later seal/open calls fail closed. */
  void destroy() {
    sendLock.lock();
    try {
      receiveLock.lock();
      try {
        destroyed = true;
        send.destroy();
        receive.destroy();
        java.util.Arrays.fill(sendKey, (byte) 0);
        java.util.Arrays.fill(receiveKey, (byte) 0);
      } finally {
        receiveLock.unlock();
      }
    } finally {
      sendLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "Keypair[local="
        + Integer.toUnsignedString(localIndex)
        + ", initiator="
        + initiator
        + "]";
  }
}
