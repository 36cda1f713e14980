package io.weft.magicsock.stun;

import io.weft.derp.stun.Stun;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Binding transactions in flight, matched to responses by transaction id. Responses with an unknown
 * id, or that do not parse, are counted and dropped.
 */
public final class StunClient {
  /** Sends one datagram (the socket this client rides on). */
  @FunctionalInterface
  public interface Sender {
    void send(byte[] datagram, InetSocketAddress to) throws IOException;
  }

  private final Sender sender;
  private final ConcurrentHashMap<String, CompletableFuture<InetSocketAddress>> pending =
      new ConcurrentHashMap<>();

  /** Datagrams offered that were not a Binding response to a pending transaction. */
  public final LongAdder dropped = new LongAdder();

  public StunClient(Sender sender) {
    this.sender = sender;
  }

  /**
   * Sends a Binding request to {@code server}; the future completes with the mapped address when
   * the response is {@linkplain #offer offered}. The caller bounds the wait (and may {@link
   * #forget} it).
   */
  public CompletableFuture<InetSocketAddress> request(InetSocketAddress server) throws IOException {
    byte[] tx = Stun.newTxId();
    String id = HexFormat.of().formatHex(tx);
    CompletableFuture<InetSocketAddress> f = new CompletableFuture<>();
    pending.put(id, f);
    f.whenComplete((v, e) -> pending.remove(id, f));
    try {
      sender.send(Stun.bindingRequest(tx), server);
    } catch (IOException e) {
      pending.remove(id);
      throw e;
    }
    return f;
  }

  /** Transactions still waiting. */
  public int pending() {
    return pending.size();
  }

  /** Gives up on {@code f} (a timeout). */
  public void forget(CompletableFuture<InetSocketAddress> f) {
    f.cancel(false);
  }

  /**
   * A datagram from the socket that looks like STUN; true when it answered a pending transaction.
   * Never throws.
   */
  public boolean offer(byte[] b, int off, int len) {
    Stun.Response r = Stun.parseBindingResponse(b, off, len);
    if (r == null) {
      dropped.increment();
      return false;
    }
    CompletableFuture<InetSocketAddress> f = pending.remove(HexFormat.of().formatHex(r.txId()));
    if (f == null) {
      dropped.increment();
      return false;
    }
    f.complete(r.mapped());
    return true;
  }

  /**
   * One Binding transaction on {@code channel} (bound, non-connected): the mapped address, or null
   * when no matching response arrives within {@code timeout}. Other datagrams are ignored.
   */
  public static InetSocketAddress query(
      DatagramChannel channel, InetSocketAddress server, Duration timeout) throws IOException {
    boolean blocking = channel.isBlocking();
    channel.configureBlocking(false);
    try (Selector sel = Selector.open()) {
      channel.register(sel, SelectionKey.OP_READ);
      StunClient c = new StunClient((d, to) -> channel.send(ByteBuffer.wrap(d), to));
      CompletableFuture<InetSocketAddress> f = c.request(server);
      long deadline = System.nanoTime() + timeout.toNanos();
      ByteBuffer buf = ByteBuffer.allocate(Stun.MAX_LENGTH);
      while (!f.isDone()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        sel.select(Math.max(1, left / 1_000_000));
        sel.selectedKeys().clear();
        buf.clear();
        while (channel.receive(buf) != null) {
          c.offer(buf.array(), 0, buf.position());
          buf.clear();
        }
      }
      return f.join();
    } finally {
      // the selector is closed by now, so the channel is registered nowhere
      channel.configureBlocking(blocking);
    }
  }
}
