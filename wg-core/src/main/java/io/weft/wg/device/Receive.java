package io.weft.wg.device;

import static io.weft.wg.device.Constants.KEEPALIVE_TIMEOUT_NANOS;
import static io.weft.wg.device.Constants.REJECT_AFTER_MESSAGES;
import static io.weft.wg.device.Constants.REJECT_AFTER_TIME_NANOS;
import static io.weft.wg.device.Constants.REKEY_TIMEOUT_NANOS;

import io.weft.wg.conn.Endpoint;
import io.weft.wg.wire.Messages;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The receive flow for transport messages (paper §5.4.6; wireguard-go {@code receive.go}): look up
 * the keypair by receiver index, open in place, check the replay window, roam the endpoint, confirm
 * a responder's new session, check the inner source address against the peer's allowed IPs
 * (cryptokey routing), and hand the packet to the TUN. Every failure is a counted drop, never an
 * exception.
 */
final class Receive {
  private Receive() {}

  /**
   * Handles the transport message in {@code buf[0, len)} from {@code source} on the calling thread:
   * {@link #prepare}, open with the keypair's own cipher, {@link #finish}.
   *
   * @return the length of the inner IP packet now at {@code buf[HEADROOM, HEADROOM+n)} that is to
   *     be written to the TUN, or 0 when there is nothing to write (keepalive or drop)
   */
  static int transport(Device d, ByteBuffer buf, int len, Endpoint source) {
    final Keypair kp = prepare(d, buf, len);
    if (kp == null) {
      return 0;
    }
    final int n;
    kp.receiveLock.lock();
    try {
      n = kp.destroyed ? -1 : open(kp.receive, buf, len);
    } finally {
      kp.receiveLock.unlock();
    }
    return finish(d, buf, len, source, kp, n);
  }

  /** Finds the keypair a transport message is for; null (a counted drop) when none is usable. */
  static Keypair prepare(Device d, ByteBuffer buf, int len) {
    final byte[] b = buf.array();
    final IndexTable.Entry e =
        d.indexTable.lookup(Messages.getIntLE(b, buf.arrayOffset() + Messages.TRANSPORT_RECEIVER));
    final Keypair kp = e == null ? null : e.keypair;
    if (kp == null) {
      d.stats.droppedUnknownIndex.increment();
      return null;
    }
    if (kp.destroyed || d.clock.nanoTime() - kp.createdNanos >= REJECT_AFTER_TIME_NANOS) {
      d.stats.droppedExpired.increment();
      return null;
    }
    return kp;
  }

  /** Opens the message in place with {@code aead}; the plaintext length, or -1. Any thread. */
  static int open(io.weft.wg.crypto.ChaCha20Poly1305 aead, ByteBuffer buf, int len) {
    final byte[] b = buf.array();
    final int base = buf.arrayOffset();
    final long counter = Messages.getLongLE(b, base + Messages.TRANSPORT_COUNTER);
    return aead.open(
        counter, null, b, base + Messages.TRANSPORT_CONTENT, len - Messages.TRANSPORT_CONTENT);
  }

  /**
   * The ordered part after opening ({@code n} = plaintext length or -1): replay window, roaming,
   * session confirmation, timers, and the cryptokey-routing check of the inner source address.
   *
   * @return the inner IP packet's length to write to the TUN, or 0
   */
  static int finish(Device d, ByteBuffer buf, int len, Endpoint source, Keypair kp, int n) {
    if (n < 0) {
      d.stats.droppedBadMac.increment();
      return 0;
    }
    final byte[] b = buf.array();
    final int base = buf.arrayOffset();
    final long counter = Messages.getLongLE(b, base + Messages.TRANSPORT_COUNTER);
    kp.receiveLock.lock();
    try {
      if (!kp.replay.validateCounter(counter, REJECT_AFTER_MESSAGES)) {
        d.stats.droppedReplay.increment();
        return 0;
      }
    } finally {
      kp.receiveLock.unlock();
    }
    final Peer peer = kp.peer;
    final long now = d.clock.nanoTime();
    final Endpoint current = peer.endpoint();
    if (d.roaming && source != current && !source.sameIdentity(current)) {
      peer.setEndpoint(source); // roaming: a new identity, not merely another endpoint object
    }
    if (Keypairs.receivedWith(peer, kp)) {
      Timers.handshakeComplete(peer);
      Send.staged(peer);
    }
    keepKeyFreshReceiving(peer, now);
    Timers.anyAuthenticatedPacketTraversal(peer);
    Timers.anyAuthenticatedPacketReceived(peer);
    peer.rxBytes.addAndGet(len);
    if (n == 0) {
      return 0; // keepalive
    }
    Timers.dataReceived(peer);
    final int off = base + Device.HEADROOM;
    final int ipLen = innerLength(b, off, n);
    if (ipLen <= 0) {
      d.stats.droppedBadInner.increment();
      return 0;
    }
    final int version = (b[off] >> 4) & 0xf;
    final Peer allowed =
        version == 4 ? d.allowedIps.lookup(b, off + 12, 4) : d.allowedIps.lookup(b, off + 8, 16);
    if (allowed != peer) {
      d.stats.droppedNotAllowed.increment();
      return 0;
    }
    return ipLen;
  }

  /** The IP packet's own length (padding excluded), or 0 when the header is not valid. */
  static int innerLength(byte[] b, int off, int n) {
    if (n < 1) {
      return 0;
    }
    int version = (b[off] >> 4) & 0xf;
    if (version == 4) {
      if (n < 20) {
        return 0;
      }
      int total = ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
      return total >= 20 && total <= n ? total : 0;
    }
    if (version == 6) {
      if (n < 40) {
        return 0;
      }
      int total = 40 + (((b[off + 4] & 0xff) << 8) | (b[off + 5] & 0xff));
      return total <= n ? total : 0;
    }
    return 0;
  }

  /** An initiator whose key nears REJECT_AFTER_TIME starts one last handshake (wireguard-go). */
  private static void keepKeyFreshReceiving(Peer peer, long now) {
    Keypair kp = peer.current;
    if (kp == null || !kp.initiator) {
      return;
    }
    if (now - kp.createdNanos
            > REJECT_AFTER_TIME_NANOS - KEEPALIVE_TIMEOUT_NANOS - REKEY_TIMEOUT_NANOS
        && Timers.takeLastMinuteHandshake(peer)) {
      Send.handshakeInitiation(peer, false);
    }
  }

  /** Writes decrypted packets to the TUN in one call; a failure is counted, never thrown. */
  static void toTun(Device d, ByteBuffer[] bufs, int count) {
    final boolean shared = d.sharedTunWrites;
    if (shared) {
      d.tunWriteLock.lock(); // several receive loops (one per bind source) share the TUN
    }
    try {
      int written = d.tun.write(bufs, count, Device.HEADROOM);
      if (written < count) {
        d.stats.tunWriteErrors.add(count - written);
      }
    } catch (IOException ex) {
      d.stats.tunWriteErrors.add(count);
    } finally {
      if (shared) {
        d.tunWriteLock.unlock();
      }
    }
  }
}
