package io.weft.derp;

import io.weft.derp.client.DerpClient;
import io.weft.wg.key.NoisePrivateKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/** A DERP client that records what it receives, for tests. */
public final class TestClients {
  private TestClients() {}

  public static final SecureRandom RANDOM = new SecureRandom();

  /** A received packet: source and a copy of the bytes. */
  public record Got(NodeKey src, byte[] data) {}

  /** Records every callback. */
  public static class Recorder implements DerpClient.Listener {
    public final ConcurrentLinkedQueue<Got> packets = new ConcurrentLinkedQueue<>();
    public final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    public final AtomicLong received = new AtomicLong();
    public final AtomicLong keepAlives = new AtomicLong();
    public volatile boolean keep = true;
    public volatile boolean closed;

    @Override
    public void onPacket(NodeKey src, byte[] buf, int off, int len) {
      received.incrementAndGet();
      if (keep) {
        packets.add(new Got(src, java.util.Arrays.copyOfRange(buf, off, off + len)));
      }
    }

    @Override
    public void onPeerGone(NodeKey peer, int reason) {
      events.add("gone " + peer + " " + reason);
    }

    @Override
    public void onPeerPresent(NodeKey peer, InetSocketAddress endpoint, int flags) {
      events.add("present " + peer + " " + flags);
    }

    @Override
    public void onPong(long data) {
      events.add("pong " + data);
    }

    @Override
    public void onKeepAlive() {
      keepAlives.incrementAndGet();
    }

    @Override
    public void onClosed(Throwable cause) {
      closed = true;
    }
  }

  public static DerpClient connect(URI url, Recorder r) throws IOException {
    return DerpClient.connect(
        url, NoisePrivateKey.generate(RANDOM), DerpClient.Options.defaults(), r);
  }

  public static DerpClient connect(URI url, NoisePrivateKey k, DerpClient.Options o, Recorder r)
      throws IOException {
    return DerpClient.connect(url, k, o, r);
  }
}
