package io.weft.wg.device;

import io.weft.wg.wire.Messages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * The send flow's thread (wireguard-go {@code RoutineReadFromTUN} and the encryption and sequential
 * send routines in one loop): read a batch from the TUN, route each packet by its destination
 * (cryptokey routing), frame it, seal the batch (in parallel when crypto workers are configured)
 * and send each run for the same peer in one bind call. Packets without a usable session take
 * {@link Peer#send}'s slow path (staging, handshake).
 */
final class SendLoop implements CryptoPool.Task {
  final Device d;
  final int batch;
  final ByteBuffer[] bufs;
  final int[] sizes;
  final ByteBuffer[] ready;
  final Peer[] peersOf;
  final Keypair[] keypairs;
  final boolean[] carries;
  final ByteBuffer[] run;
  final CryptoPool pool;
  final CipherSlots slots;

  SendLoop(Device d) {
    this.d = d;
    batch = Math.max(1, d.tun.batchSize());
    bufs = new ByteBuffer[batch];
    sizes = new int[batch];
    ready = new ByteBuffer[batch];
    peersOf = new Peer[batch];
    keypairs = new Keypair[batch];
    carries = new boolean[batch];
    run = new ByteBuffer[batch];
    pool = new CryptoPool("weft-seal", d.cryptoWorkers());
    slots = new CipherSlots(pool.participants(), true);
    for (int i = 0; i < batch; i++) {
      bufs[i] = ByteBuffer.allocate(Device.BUFFER_SIZE);
    }
  }

  @Override
  public void run(int participant, int item) {
    final ByteBuffer buf = ready[item];
    final Keypair kp = keypairs[item];
    final byte[] b = buf.array();
    final int base = buf.arrayOffset();
    final long counter = Messages.getLongLE(b, base + Messages.TRANSPORT_COUNTER);
    final int plain = buf.limit() - Device.HEADROOM - Messages.TAG_SIZE;
    slots.forKeypair(participant, kp).seal(counter, null, b, base + Device.HEADROOM, plain);
  }

  void loop() {
    try {
      while (!d.closed) {
        int n;
        for (ByteBuffer b : bufs) {
          b.clear(); // the TUN writes at absolute indexes up to the capacity
        }
        try {
          n = d.tun.read(bufs, sizes, Device.HEADROOM);
        } catch (ClosedChannelException e) {
          break;
        } catch (IOException e) {
          if (!d.closed) {
            d.log.log(
                System.Logger.Level.ERROR, "TUN read failed, device stops: {0}", e.getMessage());
            Thread.ofPlatform().daemon().start(d::close);
          }
          break;
        }
        int count = 0;
        for (int i = 0; i < n; i++) {
          final ByteBuffer buf = bufs[i];
          buf.clear();
          final int len = sizes[i];
          final byte[] b = buf.array();
          Peer p = null;
          if (len >= 20 && (b[Device.HEADROOM] >> 4 & 0xf) == 4) {
            p = d.allowedIps.lookup(b, Device.HEADROOM + 16, 4);
          } else if (len >= 40 && (b[Device.HEADROOM] >> 4 & 0xf) == 6) {
            p = d.allowedIps.lookup(b, Device.HEADROOM + 24, 16);
          }
          if (p == null) {
            d.stats.droppedNoPeer.increment();
            continue;
          }
          final Keypair kp = p.current;
          if (p.hasStaged() || p.endpoint() == null || Send.prepareInPlace(p, kp, buf, len) < 0) {
            Send.packet(p, buf, len); // the slow path: stage, flush staged, or start a handshake
            continue;
          }
          ready[count] = buf;
          peersOf[count] = p;
          keypairs[count] = kp;
          carries[count] = len > 0;
          count++;
        }
        pool.forEach(count, this);
        sendRuns(count);
      }
    } finally {
      pool.close();
    }
  }

  /** Sends each run of consecutive datagrams for the same peer and keypair in one call. */
  private void sendRuns(int count) {
    int i = 0;
    while (i < count) {
      final Peer p = peersOf[i];
      final Keypair kp = keypairs[i];
      int k = 0;
      boolean data = false;
      while (i < count && peersOf[i] == p && keypairs[i] == kp) {
        run[k++] = ready[i];
        data |= carries[i];
        peersOf[i] = null;
        keypairs[i] = null;
        i++;
      }
      Send.afterSend(p, kp, data); // before sending, so a quick answer finds the timers armed
      try {
        d.bind.send(run, k, p.endpoint());
      } catch (IOException e) {
        d.log.log(System.Logger.Level.DEBUG, "send to {0} failed: {1}", p, e.getMessage());
      }
    }
  }
}
