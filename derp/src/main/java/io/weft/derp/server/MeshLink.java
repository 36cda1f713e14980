package io.weft.derp.server;

import io.weft.derp.NodeKey;
import io.weft.derp.client.Backoff;
import io.weft.derp.client.DerpClient;
import io.weft.wg.key.NoisePrivateKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One relay's link to another relay of its region (cmd/derper/mesh.go, derphttp/mesh_client.go): a
 * DERP client with the mesh key that sends WatchConns, registers itself as the forwarder for every
 * key the peer reports present, drops them on PeerGone or when the link breaks, and carries
 * ForwardPacket frames through a bounded queue (so no I/O thread blocks on the peer's socket).
 */
public final class MeshLink implements PacketForwarder, AutoCloseable {
  private static final int QUEUE = 4096;

  private final DerpServer server;
  private final URI peer;
  private final NoisePrivateKey key;
  private final byte[] meshKey;
  private final Set<NodeKey> present = ConcurrentHashMap.newKeySet();
  private final ArrayBlockingQueue<byte[]> out = new ArrayBlockingQueue<>(QUEUE);
  private final LongAdder dropped = new LongAdder();
  private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
  private final Thread loop;
  private volatile DerpClient client;
  private volatile boolean closed;

  /**
   * Links {@code server} to the relay at {@code peer} ({@code http(s)://host:port/derp}); the link
   * authenticates with the server's own key, as derper does.
   */
  public MeshLink(DerpServer server, URI peer, NoisePrivateKey serverKey, byte[] meshKey) {
    this.server = server;
    this.peer = peer;
    this.key = serverKey;
    this.meshKey = meshKey.clone();
    this.loop = Thread.ofVirtual().name("derp-mesh-" + peer.getAuthority()).start(this::run);
  }

  /** Keys the peer reported present (and this link forwards to). */
  public Set<NodeKey> presentKeys() {
    return Set.copyOf(present);
  }

  public boolean isUp() {
    DerpClient c = client;
    return c != null && !c.isClosed();
  }

  @Override
  public boolean forward(NodeKey src, NodeKey dst, byte[] p, int off, int len) {
    byte[] f = new byte[64 + len];
    src.copyTo(f, 0);
    dst.copyTo(f, 32);
    System.arraycopy(p, off, f, 64, len);
    if (!out.offer(f)) {
      dropped.increment();
      return false;
    }
    return true;
  }

  private void run() {
    while (!closed) {
      Object ended = new Object();
      DerpClient c;
      try {
        c =
            DerpClient.connect(
                peer,
                key,
                DerpClient.Options.defaults().withMeshKey(meshKey),
                new DerpClient.Listener() {
                  @Override
                  public void onPacket(NodeKey src, byte[] buf, int off, int len) {
                    // a mesh link receives nothing addressed to it
                  }

                  @Override
                  public void onPeerPresent(NodeKey k, InetSocketAddress ep, int flags) {
                    if (!k.equals(server.publicKey())) {
                      present.add(k);
                      server.addPacketForwarder(k, MeshLink.this);
                    }
                  }

                  @Override
                  public void onPeerGone(NodeKey k, int reason) {
                    if (present.remove(k)) {
                      server.removePacketForwarder(k, MeshLink.this);
                    }
                  }

                  @Override
                  public void onClosed(Throwable cause) {
                    synchronized (ended) {
                      ended.notifyAll();
                    }
                  }
                });
        c.watchConns();
      } catch (IOException e) {
        LockSupport.parkNanos(backoff.nextDelayNanos());
        continue;
      }
      client = c;
      backoff.reset();
      while (!c.isClosed() && !closed) {
        try {
          byte[] f = out.poll(200, TimeUnit.MILLISECONDS);
          if (f != null) {
            c.forward(NodeKey.of(f, 0), NodeKey.of(f, 32), f, 64, f.length - 64);
          }
        } catch (IOException e) {
          break;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      client = null;
      c.close();
      for (NodeKey k : present) {
        server.removePacketForwarder(k, this);
      }
      present.clear();
      if (!closed) {
        LockSupport.parkNanos(backoff.nextDelayNanos());
      }
    }
  }

  public long dropped() {
    return dropped.sum();
  }

  @Override
  public void close() {
    closed = true;
    DerpClient c = client;
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
