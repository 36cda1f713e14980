package io.weft.wg.device;

/**
 * A peer's keypair rotation (paper §5.4.6; wireguard-go {@code BeginSymmetricSession} and {@code
 * ReceivedWithKeypair}): previous, current and next, and their zeroing.
 */
final class Keypairs {
  private Keypairs() {}

  /**
   * Installs a freshly derived keypair (wireguard-go BeginSymmetricSession's rotation). Ours as
   * initiator is confirmed by the response and becomes current at once; an unconfirmed {@code next}
   * (the peer's crossing initiation) then moves to previous, where it still opens what the peer
   * sends under it, and the old current is dropped. Ours as responder waits in next until the first
   * packet under it confirms it ({@link #receivedWith}).
   */
  static void install(Peer p, Keypair kp) {
    p.keypairLock.lock();
    try {
      Keypair prev = p.previous;
      Keypair nxt = p.next;
      Keypair cur = p.current;
      if (kp.initiator) {
        if (nxt != null) {
          p.next = null;
          p.previous = nxt;
          p.device.deleteKeypair(cur);
        } else {
          p.previous = cur;
        }
        p.device.deleteKeypair(prev);
        p.current = kp;
      } else {
        p.next = kp;
        p.device.deleteKeypair(nxt);
        p.previous = null;
        p.device.deleteKeypair(prev);
      }
    } finally {
      p.keypairLock.unlock();
    }
  }

  /** The responder's confirmation: the first packet under {@code next} makes it current. */
  static boolean receivedWith(Peer p, Keypair kp) {
    if (p.next != kp) {
      return false;
    }
    p.keypairLock.lock();
    try {
      if (p.next != kp) {
        return false;
      }
      Keypair old = p.previous;
      p.previous = p.current;
      p.device.deleteKeypair(old);
      p.current = kp;
      p.next = null;
      return true;
    } finally {
      p.keypairLock.unlock();
    }
  }

  /** Zeroes every keypair and the handshake (REJECT_AFTER_TIME × 3 passed, or removal). */
  static void zeroAll(Peer p) {
    p.keypairLock.lock();
    try {
      p.device.deleteKeypair(p.previous);
      p.device.deleteKeypair(p.current);
      p.device.deleteKeypair(p.next);
      p.previous = null;
      p.current = null;
      p.next = null;
    } finally {
      p.keypairLock.unlock();
    }
    p.handshake.lock.lock();
    try {
      p.device.indexTable.remove(p.handshake.initiationIndex());
      p.handshake.clear();
    } finally {
      p.handshake.lock.unlock();
    }
  }

  /** Whether the current keypair is older than REKEY_AFTER_TIME, for the last-minute rekey. */
  static boolean currentOlderThan(Peer p, long ageNanos, long now) {
    Keypair kp = p.current;
    return kp != null && now - kp.createdNanos > ageNanos;
  }
}
