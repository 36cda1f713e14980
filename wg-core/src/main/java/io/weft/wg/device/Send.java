package io.weft.wg.device;

import static io.weft.wg.device.Constants.REJECT_AFTER_MESSAGES;
import static io.weft.wg.device.Constants.REJECT_AFTER_TIME_NANOS;
import static io.weft.wg.device.Constants.REKEY_AFTER_MESSAGES;

import io.weft.wg.conn.Endpoint;
import io.weft.wg.wire.Messages;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The per-peer send flow (paper §5.4.6; wireguard-go {@code send.go}): sealing and framing a packet
 * in place, padding, the send counters and timers, rekeying on the send side, flushing packets
 * staged while a handshake completes, keepalives, and handshake initiations. The thread that drives
 * it is {@link SendLoop}; the peer's state is in {@link Peer}.
 */
final class Send {
  private Send() {}

  /**
   * Encrypts and sends the IP packet at {@code buf[Device.HEADROOM, Device.HEADROOM+len)}, or
   * stages a copy and starts a handshake when there is no usable session. The buffer has room for
   * the header before and padding and tag after.
   */
  static void packet(Peer p, ByteBuffer buf, int len) {
    if (!p.stagedIsEmpty()) {
      p.stage(buf, len);
      staged(p);
      return;
    }
    if (!trySeal(p, buf, len)) {
      p.stage(buf, len);
      handshakeInitiation(p, false);
    }
  }

  /** Seals and sends one packet with the current keypair; false if there is none usable. */
  private static boolean trySeal(Peer p, ByteBuffer buf, int len) {
    final Keypair kp = p.current;
    final Endpoint ep = p.endpoint();
    if (ep == null || sealInPlace(p, kp, buf, len) < 0) {
      return false;
    }
    // Timers first: an answer racing back must find them armed, so it can disarm them.
    afterSend(p, kp, len > 0);
    try {
      p.device.sendDatagram(buf, ep);
    } catch (IOException e) {
      p.device.log.log(System.Logger.Level.DEBUG, "send to {0} failed: {1}", p, e.getMessage());
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
  static int sealInPlace(final Peer p, final Keypair kp, final ByteBuffer buf, final int len) {
    final int size = prepareInPlace(p, kp, buf, len);
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
      kp.send.seal(
          nonce, null, b, base + Device.HEADROOM, size - Device.HEADROOM - Messages.TAG_SIZE);
    } finally {
      kp.sendLock.unlock();
    }
    return size;
  }

  /**
   * Everything of {@link #sealInPlace} but the encryption: takes a counter, pads, writes the header
   * and frames the datagram; the caller seals {@code [HEADROOM, limit - 16)} in place with the
   * counter from the header, on whichever thread.
   *
   * @return the datagram size, or -1 when {@code kp} is not usable
   */
  static int prepareInPlace(final Peer p, final Keypair kp, final ByteBuffer buf, final int len) {
    final long now = p.device.clock.nanoTime();
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
    final int padded = paddedLength(len, p.device.mtu());
    for (int i = len; i < padded; i++) {
      b[base + Device.HEADROOM + i] = 0;
    }
    Messages.putType(b, base, Messages.TYPE_TRANSPORT);
    Messages.putIntLE(b, base + Messages.TRANSPORT_RECEIVER, kp.remoteIndex);
    Messages.putLongLE(b, base + Messages.TRANSPORT_COUNTER, nonce);
    final int size = Device.HEADROOM + padded + Messages.TAG_SIZE;
    buf.limit(size).position(0);
    p.txBytes.addAndGet(size);
    return size;
  }

  /** Timers and rekeying after one or a batch of datagrams went out under {@code kp}. */
  static void afterSend(Peer p, Keypair kp, boolean carriedData) {
    Timers.anyAuthenticatedPacketTraversal(p);
    Timers.anyAuthenticatedPacketSent(p);
    if (carriedData) {
      Timers.dataSent(p);
    }
    keepKeyFreshSending(p, kp, kp.sendNonce.get() - 1, p.device.clock.nanoTime());
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

  private static void keepKeyFreshSending(Peer p, Keypair kp, long nonce, long now) {
    if (Long.compareUnsigned(nonce, REKEY_AFTER_MESSAGES) > 0
        || (kp.initiator && now - kp.createdNanos > p.device.rekeyAfterTimeNanos())) {
      handshakeInitiation(p, false);
    }
  }

  /**
   * Sends the staged packets in order if a session is usable; otherwise starts a handshake. One
   * thread flushes at a time, so no packet goes out twice.
   */
  static void staged(Peer p) {
    p.flushLock.lock();
    try {
      ByteBuffer buf = null;
      while (true) {
        byte[] packet;
        p.stagedLock.lock();
        try {
          packet = p.staged.pollFirst();
        } finally {
          p.stagedLock.unlock();
        }
        if (packet == null) {
          return;
        }
        if (buf == null) {
          buf = ByteBuffer.allocate(Device.BUFFER_SIZE);
        }
        buf.clear();
        System.arraycopy(packet, 0, buf.array(), Device.HEADROOM, packet.length);
        if (!trySeal(p, buf, packet.length)) {
          p.stagedLock.lock();
          try {
            p.staged.addFirst(packet);
          } finally {
            p.stagedLock.unlock();
          }
          handshakeInitiation(p, false);
          return;
        }
      }
    } finally {
      p.flushLock.unlock();
    }
  }

  /** Sends the staged packets, or a keepalive when there are none (wireguard-go SendKeepalive). */
  static void keepalive(Peer p) {
    if (p.stagedIsEmpty()) {
      ByteBuffer buf = ByteBuffer.allocate(Device.HEADROOM + 16 + Messages.TAG_SIZE);
      if (!trySeal(p, buf, 0)) {
        p.stage(buf, 0);
        handshakeInitiation(p, false);
      }
      return;
    }
    staged(p);
  }

  /** Sends a handshake initiation unless one went out less than REKEY_TIMEOUT ago. */
  static void handshakeInitiation(Peer p, boolean isRetry) {
    if (!isRetry) {
      p.timers.lock.lock();
      try {
        p.timers.handshakeAttempts = 0;
      } finally {
        p.timers.lock.unlock();
      }
    }
    long now = p.device.clock.nanoTime();
    Endpoint ep = p.endpoint();
    if (ep == null || p.device.privateKey() == null) {
      return;
    }
    synchronized (p) {
      if (p.lastSentHandshakeValid
          && now - p.lastSentHandshakeNanos < Constants.REKEY_TIMEOUT_NANOS) {
        return;
      }
      p.lastSentHandshakeNanos = now;
      p.lastSentHandshakeValid = true;
    }
    byte[] msg = new byte[Messages.INITIATION_SIZE];
    p.device.indexTable.remove(p.handshake.initiationIndex());
    int index = p.device.indexTable.newIndexForHandshake(p);
    if (!p.device.noise.createInitiation(p.device.privateKey(), p.handshake, index, msg, 0)) {
      p.device.indexTable.remove(index);
      return;
    }
    p.cookieGenerator.addMacs(msg, 0, msg.length);
    Timers.anyAuthenticatedPacketTraversal(p);
    Timers.anyAuthenticatedPacketSent(p);
    Timers.handshakeInitiated(p); // armed before anything can observe the send
    p.txBytes.addAndGet(msg.length);
    try {
      p.device.sendDatagram(ByteBuffer.wrap(msg), ep);
    } catch (IOException e) {
      p.device.log.log(
          System.Logger.Level.DEBUG,
          "p.handshake initiation to {0} failed: {1}",
          p,
          e.getMessage());
    }
  }
}
