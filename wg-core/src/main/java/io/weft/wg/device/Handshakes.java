package io.weft.wg.device;

import io.weft.wg.conn.Endpoint;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import io.weft.wg.noise.Handshake;
import io.weft.wg.noise.Session;
import io.weft.wg.wire.Messages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The handshake flow (paper §5.3 and §5.4; wireguard-go {@code RoutineHandshake}): every message
 * needs a valid mac1; under load a message without a valid mac2 is answered with a cookie reply and
 * dropped, and the rest are rate-limited per source address (per source identity on a path without
 * one, {@link Endpoint#identity()}); then initiations are answered and responses complete our
 * handshakes.
 */
final class Handshakes {
  private Handshakes() {}

  /** A handshake message waiting in the queue: a copy of its bytes and where it came from. */
  record Message(byte[] bytes, Endpoint source) {}

  static void process(Device d, Message m) {
    final byte[] msg = m.bytes();
    final int type = Messages.classify(msg, 0, msg.length);
    if (type == Messages.TYPE_COOKIE_REPLY) {
      IndexTable.Entry e = d.indexTable.lookup(Messages.getIntLE(msg, Messages.COOKIE_RECEIVER));
      if (e != null && !e.peer.cookieGenerator.consumeReply(msg, 0)) {
        d.stats.handshakeRejected.increment();
      }
      return;
    }
    if (!d.cookieChecker.checkMac1(msg, 0, msg.length)) {
      d.stats.handshakeBadMac1.increment();
      return;
    }
    final long now = d.clock.nanoTime();
    if (d.underLoad(now)) {
      final Endpoint source = m.source();
      final byte[] srcBytes = source.identity();
      if (!d.cookieChecker.checkMac2(msg, 0, msg.length, srcBytes)) {
        int sender =
            Messages.getIntLE(
                msg,
                type == Messages.TYPE_INITIATION ? Messages.INIT_SENDER : Messages.RESP_SENDER);
        byte[] reply = new byte[Messages.COOKIE_REPLY_SIZE];
        d.cookieChecker.createReply(msg, 0, msg.length, sender, srcBytes, reply, 0);
        try {
          d.sendDatagram(ByteBuffer.wrap(reply), m.source());
          d.stats.cookieRepliesSent.increment();
        } catch (IOException e) {
          d.log.log(System.Logger.Level.DEBUG, "cookie reply failed: {0}", e.getMessage());
        }
        return;
      }
      final byte[] ip = source.sourceAddress();
      final boolean allowed =
          ip != null
              ? d.rateLimiter.allow(ip, 0, ip.length, now)
              : d.rateLimiter.allowIdentity(srcBytes, now);
      if (!allowed) {
        d.stats.handshakeRateLimited.increment();
        return;
      }
    }
    if (type == Messages.TYPE_INITIATION) {
      initiation(d, msg, m.source());
    } else {
      response(d, msg, m.source());
    }
  }

  private static void initiation(Device d, byte[] msg, Endpoint source) {
    NoisePrivateKey priv = d.privateKey();
    NoisePublicKey pub = d.publicKey();
    if (priv == null) {
      return;
    }
    Handshake hs =
        d.noise.consumeInitiation(
            priv,
            pub,
            msg,
            0,
            k -> {
              Peer p = d.peers.get(k);
              return p == null ? null : p.handshake;
            });
    if (hs == null) {
      d.stats.handshakeRejected.increment();
      return;
    }
    Peer peer = d.peers.get(hs.remoteStatic());
    if (peer == null) {
      return;
    }
    if (d.roaming || peer.endpoint() == null) {
      peer.setEndpoint(source);
    }
    peer.rxBytes.addAndGet(msg.length);
    Timers.anyAuthenticatedPacketTraversal(peer);
    Timers.anyAuthenticatedPacketReceived(peer);

    // Our own pending initiation, if any, keeps its index: its response may still arrive
    // (crossing).
    byte[] resp = new byte[Messages.RESPONSE_SIZE];
    int index = d.indexTable.newIndexForHandshake(peer);
    if (!d.noise.createResponse(hs, index, resp, 0)) {
      d.indexTable.remove(index);
      return;
    }
    peer.cookieGenerator.addMacs(resp, 0, resp.length);
    Session s = d.noise.beginSession(hs);
    if (s == null) {
      d.indexTable.remove(index);
      return;
    }
    Keypair kp = new Keypair(peer, s, d.clock.nanoTime());
    d.indexTable.setKeypair(index, kp);
    Keypairs.install(peer, kp);
    Timers.sessionDerived(peer);
    Timers.anyAuthenticatedPacketTraversal(peer);
    Timers.anyAuthenticatedPacketSent(peer);
    peer.txBytes.addAndGet(resp.length);
    try {
      d.sendDatagram(ByteBuffer.wrap(resp), peer.endpoint());
    } catch (IOException e) {
      d.log.log(
          System.Logger.Level.DEBUG, "handshake response to {0} failed: {1}", peer, e.getMessage());
    }
  }

  private static void response(Device d, byte[] msg, Endpoint source) {
    IndexTable.Entry e = d.indexTable.lookup(Messages.getIntLE(msg, Messages.RESP_RECEIVER));
    if (e == null || e.keypair != null) {
      d.stats.handshakeRejected.increment();
      return;
    }
    Peer peer = e.peer;
    if (!d.noise.consumeResponse(d.privateKey(), peer.handshake, msg, 0)) {
      d.stats.handshakeRejected.increment();
      return;
    }
    if (d.roaming) {
      peer.setEndpoint(source);
    }
    Timers.anyAuthenticatedPacketTraversal(peer);
    Timers.anyAuthenticatedPacketReceived(peer);
    Session s = d.noise.beginSession(peer.handshake);
    if (s == null) {
      return;
    }
    Keypair kp = new Keypair(peer, s, d.clock.nanoTime());
    d.indexTable.setKeypair(kp.localIndex, kp);
    Keypairs.install(peer, kp);
    d.stats.handshakesCompleted.increment();
    Timers.sessionDerived(peer);
    Timers.handshakeComplete(peer);
    peer.rxBytes.addAndGet(msg.length);
    Send.keepalive(peer);
  }

  /** Queues a copy of a handshake message for the handshake thread; counts a full queue. */
  static void enqueue(Device d, ByteBuffer buf, int len, Endpoint source) {
    byte[] copy = Arrays.copyOf(buf.array(), len);
    if (!d.handshakeQueue.offer(new Handshakes.Message(copy, source))) {
      d.stats.droppedHandshakeQueueFull.increment();
    }
    if (d.handshakeQueue.size() >= Constants.UNDER_LOAD_QUEUE_LENGTH) {
      d.underLoadUntilNanos = d.clock.nanoTime() + Constants.UNDER_LOAD_AFTER_NANOS;
    }
  }

  /** The handshake thread: takes queued messages until the device closes. */
  static void loop(Device d) {
    while (!d.closed) {
      Handshakes.Message m;
      try {
        m = d.handshakeQueue.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        break;
      }
      if (m != null) {
        try {
          process(d, m);
        } catch (RuntimeException e) {
          d.log.log(System.Logger.Level.WARNING, "handshake processing failed", e);
        }
      }
    }
  }
}
