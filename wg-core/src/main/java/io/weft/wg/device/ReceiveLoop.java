package io.weft.wg.device;

import io.weft.wg.conn.Bind;
import io.weft.wg.conn.Endpoint;
import io.weft.wg.wire.Messages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * The receive flow's thread, one per {@link Bind.Receiver} (wireguard-go runs one {@code
 * RoutineReceiveIncoming} per {@code ReceiveFunc}): receive a batch, classify it, open the
 * transport messages (in parallel when crypto workers are configured) and finish them in order
 * ({@link Receive}), queue handshake messages for {@link Handshakes}, and write the batch of
 * plaintext packets to the TUN in one call.
 */
final class ReceiveLoop implements CryptoPool.Task {
  final Device d;
  final Bind.Receiver receiver;
  final int batch;
  final ByteBuffer[] bufs;
  final int[] sizes;
  final Endpoint[] sources;
  final Keypair[] keypairs;
  final int[] plain;
  final ByteBuffer[] toTun;
  final CryptoPool pool;
  final CipherSlots slots;

  ReceiveLoop(Device d, Bind.Receiver receiver, int workers) {
    this.d = d;
    this.receiver = receiver;
    batch = Math.max(1, d.bind.batchSize());
    bufs = new ByteBuffer[batch];
    sizes = new int[batch];
    sources = new Endpoint[batch];
    keypairs = new Keypair[batch];
    plain = new int[batch];
    toTun = new ByteBuffer[batch];
    this.pool = new CryptoPool("weft-open", workers);
    this.slots = new CipherSlots(pool.participants(), false);
    for (int i = 0; i < batch; i++) {
      bufs[i] = ByteBuffer.allocate(Device.BUFFER_SIZE);
    }
  }

  @Override
  public void run(int participant, int item) {
    final Keypair kp = keypairs[item];
    plain[item] =
        kp == null ? -1 : Receive.open(slots.forKeypair(participant, kp), bufs[item], sizes[item]);
  }

  void loop() {
    try {
      while (!d.closed) {
        int n;
        for (ByteBuffer b : bufs) {
          b.clear();
        }
        try {
          n = receiver.receive(bufs, sizes, sources);
        } catch (ClosedChannelException e) {
          break;
        } catch (IOException e) {
          if (d.closed) {
            break;
          }
          d.log.log(System.Logger.Level.DEBUG, "receive failed: {0}", e.getMessage());
          continue;
        }
        for (int i = 0; i < n; i++) {
          final ByteBuffer buf = bufs[i];
          buf.clear();
          final int len = sizes[i];
          keypairs[i] = null;
          switch (Messages.classify(buf.array(), 0, len)) {
            case Messages.TYPE_TRANSPORT -> keypairs[i] = Receive.prepare(d, buf, len);
            case Messages.TYPE_INITIATION, Messages.TYPE_RESPONSE, Messages.TYPE_COOKIE_REPLY ->
                Handshakes.enqueue(d, buf, len, sources[i]);
            default -> d.stats.droppedInvalid.increment();
          }
        }
        pool.forEach(n, this);
        int writes = 0;
        for (int i = 0; i < n; i++) {
          final Keypair kp = keypairs[i];
          if (kp != null) {
            int ipLen = Receive.finish(d, bufs[i], sizes[i], sources[i], kp, plain[i]);
            if (ipLen > 0) {
              bufs[i].limit(Device.HEADROOM + ipLen).position(0);
              toTun[writes++] = bufs[i];
            }
            keypairs[i] = null;
          }
          sources[i] = null;
        }
        if (writes > 0) {
          Receive.toTun(d, toTun, writes);
        }
      }
    } finally {
      pool.close();
    }
  }
}
