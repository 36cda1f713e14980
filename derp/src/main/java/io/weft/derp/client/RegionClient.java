package io.weft.derp.client;

import io.weft.derp.NodeKey;
import io.weft.wg.key.NoisePrivateKey;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A connection to a region of relays that stays up: connects to the first reachable URL of the
 * region, reconnects with {@link Backoff} when the connection ends, and moves to the next relay of
 * the region on each failure (derphttp's connect-to-region behaviour). Sends while no connection is
 * up are dropped and counted, as magicsock's are.
 */
public final class RegionClient implements AutoCloseable {
  private final List<URI> relays;
  private final NoisePrivateKey key;
  private final DerpClient.Options options;
  private final DerpClient.Listener listener;
  private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
  private final Thread loop;
  private final AtomicInteger connects = new AtomicInteger();
  private volatile DerpClient current;
  private volatile boolean closed;
  private volatile long droppedWhileDown;
  private int next;

  public RegionClient(
      List<URI> relays,
      NoisePrivateKey key,
      DerpClient.Options options,
      DerpClient.Listener listener) {
    if (relays.isEmpty()) {
      throw new IllegalArgumentException("a region needs at least one relay");
    }
    this.relays = List.copyOf(relays);
    this.key = key;
    this.options = options;
    this.listener = listener;
    this.loop =
        Thread.ofVirtual()
            .name("derp-region-" + NodeKey.of(key.publicKey()).shortString())
            .start(this::run);
  }

  private void run() {
    while (!closed) {
      URI u = relays.get(next % relays.size());
      Object ended = new Object();
      DerpClient c;
      try {
        c =
            DerpClient.connect(
                u,
                key,
                options,
                new DerpClient.Listener() {
                  @Override
                  public void onPacket(NodeKey src, byte[] buf, int off, int len) {
                    listener.onPacket(src, buf, off, len);
                  }

                  @Override
                  public void onPeerGone(NodeKey peer, int reason) {
                    listener.onPeerGone(peer, reason);
                  }

                  @Override
                  public void onPeerPresent(
                      NodeKey peer, java.net.InetSocketAddress ep, int flags) {
                    listener.onPeerPresent(peer, ep, flags);
                  }

                  @Override
                  public void onPong(long data) {
                    listener.onPong(data);
                  }

                  @Override
                  public void onKeepAlive() {
                    listener.onKeepAlive();
                  }

                  @Override
                  public void onHealth(String problem) {
                    listener.onHealth(problem);
                  }

                  @Override
                  public void onRestarting(long reconnectInMs, long tryForMs) {
                    listener.onRestarting(reconnectInMs, tryForMs);
                  }

                  @Override
                  public void onClosed(Throwable cause) {
                    synchronized (ended) {
                      ended.notifyAll();
                    }
                  }
                });
      } catch (IOException e) {
        next++;
        LockSupport.parkNanos(backoff.nextDelayNanos());
        continue;
      }
      current = c;
      connects.incrementAndGet();
      backoff.reset();
      synchronized (ended) {
        while (!c.isClosed() && !closed) {
          try {
            ended.wait(1000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
      }
      current = null;
      c.close();
      next++;
      if (!closed) {
        LockSupport.parkNanos(backoff.nextDelayNanos());
      }
    }
  }

  /** The connection now up, or null. */
  public DerpClient current() {
    return current;
  }

  /** Connections made so far (1 after the first connect). */
  public int connects() {
    return connects.get();
  }

  /** Sends through the current relay; returns false (and counts) when none is up. */
  public boolean send(NodeKey dst, byte[] p, int off, int len) {
    DerpClient c = current;
    if (c == null) {
      droppedWhileDown++;
      return false;
    }
    try {
      c.send(dst, p, off, len);
      return true;
    } catch (IOException e) {
      droppedWhileDown++;
      return false;
    }
  }

  public long droppedWhileDown() {
    return droppedWhileDown;
  }

  @Override
  public void close() {
    closed = true;
    DerpClient c = current;
    if (c != null) {
      c.close();
    }
    loop.interrupt();
    try {
      loop.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
