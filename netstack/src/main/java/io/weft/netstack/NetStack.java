package io.weft.netstack;

import io.weft.netstack.icmp.PingSocket;
import io.weft.netstack.iface.Interface;
import io.weft.netstack.iface.InterfaceStats;
import io.weft.netstack.phy.PacketQueue;
import io.weft.netstack.phy.PacketSink;
import io.weft.netstack.tcp.TcpListener;
import io.weft.netstack.tcp.TcpSocket;
import io.weft.netstack.tcp.TcpState;
import io.weft.netstack.udp.UdpSocket;
import io.weft.netstack.wire.IpAddress;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The socket API of the userspace stack. IP packets come in through {@link #deliver} (or a {@link
 * PacketQueue} given at construction) and leave through a {@link PacketSink}; a driver thread runs
 * the {@code poll(nowNanos)}-driven core. Blocking calls wait on a {@link
 * java.util.concurrent.locks.Condition} of the stack's one lock, so they suit virtual threads; the
 * non-blocking calls never wait.
 *
 * <p>One lock guards the interface and every socket: the driver holds it while it processes a batch
 * of packets and timers, callers hold it for the duration of one buffer copy.
 */
public final class NetStack implements AutoCloseable {
  /** Packets the driver handles before it polls timers and lets callers in. */
  private static final int RECEIVE_BATCH = 256;

  private static final long IDLE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final NetStackConfig config;
  private final Interface iface;
  private final PacketQueue inbound;
  private final LongSupplier clock;
  private final ReentrantLock lock = new ReentrantLock();

  /** Signalled by the driver after every round, for callers waiting on socket state. */
  private final Condition changed = lock.newCondition();

  private final Thread driver;
  private final PingSocket pinger;
  private volatile boolean workPending;
  private volatile boolean closed;

  /**
   * When the parked driver wakes by itself; {@code RUNNING} while it works a round. Written and
   * read under the lock, so {@link #receive} knows whether packets it handled need the driver
   * sooner.
   */
  private long driverWakesAt = RUNNING;

  private static final long RUNNING = Long.MIN_VALUE;
  private int pingSequence;

  /** A stack with its own inbound queue; feed it with {@link #deliver}. */
  public NetStack(NetStackConfig config, PacketSink outbound) {
    this(config, outbound, new PacketQueue(config.queueCapacity(), config.maxReceivePacket()));
  }

  /**
   * A stack reading incoming packets from {@code inbound} (for example one side of a loopback
   * pair).
   */
  public NetStack(NetStackConfig config, PacketSink outbound, PacketQueue inbound) {
    this.config = config;
    this.clock = config.clock();
    this.inbound = inbound;
    this.iface =
        new io.weft.netstack.iface.Interface(
            config.iface(), outbound, new SplittableRandom(config.seed()));
    this.pinger = iface.openPing();
    iface.setTcpActivity(this::signalWaiters);
    inbound.setListener(this::wakeDriver);
    this.driver = Thread.ofPlatform().name("netstack-driver").daemon().unstarted(this::runDriver);
    driver.start();
  }

  /** Hands the stack one incoming IP packet (copied; drops when the queue is full). */
  public void deliver(ByteBuffer packet, int offset, int length) {
    inbound.send(packet, offset, length);
  }

  /**
   * Handles incoming IP packets on the calling thread, under the stack's lock: no queue, no copy
   * and no driver wake-up per packet, and what the packets cause to be sent (ACKs, new data the
   * ACKs let out) is sent on this thread too. For a link whose reader can afford to run the stack,
   * such as a WireGuard device's receive thread. Packet {@code i} is {@code packets[i]} from {@code
   * offset} to its limit; the buffers are not kept. Not from a {@link PacketSink} call of this
   * stack, or of a stack whose sink calls this one directly: the sink runs under the lock, in the
   * middle of the interface's output (queue between them).
   */
  public void receive(ByteBuffer[] packets, int count, int offset) {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      final long now = clock.getAsLong();
      for (int i = 0; i < count; i++) {
        final ByteBuffer p = packets[i];
        iface.receive(now, p, offset, p.limit() - offset);
      }
      changed.signalAll();
      // A delayed ACK or a retransmission timer may now be due before the parked driver wakes.
      final long wakesAt = driverWakesAt;
      final long due = iface.nextDeadline();
      if (wakesAt != RUNNING && due != Long.MAX_VALUE && due < wakesAt) {
        wakeDriver();
      }
    } finally {
      lock.unlock();
    }
  }

  // ----------------------------------------------------------------------------------------
  // Driver
  // ----------------------------------------------------------------------------------------

  private void runDriver() {
    final ByteBuffer rx = ByteBuffer.allocate(config.maxReceivePacket());
    while (true) {
      long wait;
      // Cleared before the round, so a wake-up during the round is not lost.
      workPending = false;
      lock.lock();
      try {
        driverWakesAt = RUNNING;
        if (closed) {
          changed.signalAll();
          return;
        }
        final long now = clock.getAsLong();
        int length;
        int budget = RECEIVE_BATCH;
        while (budget-- > 0 && (length = inbound.poll(rx)) >= 0) {
          iface.receive(now, rx, 0, length);
        }
        iface.poll(now);
        changed.signalAll();
        final long deadline = iface.nextDeadline();
        final long end = clock.getAsLong();
        wait =
            deadline == Long.MIN_VALUE
                ? 0
                : deadline == Long.MAX_VALUE ? IDLE_WAIT_NANOS : deadline - end;
        driverWakesAt = wait > 0 ? end + wait : RUNNING;
      } finally {
        lock.unlock();
      }
      if (wait > 0 && !workPending && inbound.size() == 0) {
        // Not a Condition: the link wakes the driver without taking the stack lock, which
        // would deadlock two stacks whose drivers send to each other.
        LockSupport.parkNanos(this, wait);
      }
    }
  }

  /** Asks the driver for a round; callable from any thread, with or without the lock. */
  private void wakeDriver() {
    workPending = true;
    LockSupport.unpark(driver);
  }

  /**
   * Wakes the callers waiting on this connection or on its listener: each blocking TCP call waits
   * on its own connection's condition, so a packet wakes only its connection's threads.
   */
  private void signalWaiters(TcpSocket s) {
    if (s.attachment() instanceof Condition c) {
      c.signalAll();
    }
    final TcpListener l = s.listener();
    if (l != null && l.attachment() instanceof Condition c) {
      c.signalAll();
    }
  }

  private Condition conditionOf(TcpSocket s) {
    if (s.attachment() instanceof Condition c) {
      return c;
    }
    final Condition c = lock.newCondition();
    s.attach(c);
    return c;
  }

  /**
   * Waits on {@link #changed} (UDP, ping) until {@code deadline}; false once it has passed. Lock
   * held.
   */
  private boolean awaitChange(long deadline) throws java.io.InterruptedIOException {
    return await(changed, deadline);
  }

  /** Waits on {@code condition} until {@code deadline}; false once it has passed. Lock held. */
  private boolean await(Condition condition, long deadline) throws java.io.InterruptedIOException {
    final long left = deadline - clock.getAsLong();
    if (left <= 0) {
      return false;
    }
    try {
      condition.awaitNanos(left);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted");
    }
    return true;
  }

  private long deadlineAfter(Duration timeout) {
    if (timeout == null || timeout.isZero() || timeout.isNegative()) {
      return Long.MAX_VALUE;
    }
    final long now = clock.getAsLong();
    final long d = now + timeout.toNanos();
    return d < now ? Long.MAX_VALUE : d;
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("stack closed");
    }
  }

  // ----------------------------------------------------------------------------------------
  // TCP
  // ----------------------------------------------------------------------------------------

  /**
   * Opens a connection and waits until it is established; a null or zero timeout waits
   * indefinitely.
   */
  public TcpConnection dialTcp(InetSocketAddress remote, Duration timeout) throws IOException {
    final IpAddress address = IpAddress.of(remote.getAddress());
    final long deadline = deadlineAfter(timeout);
    lock.lock();
    try {
      ensureOpen();
      final TcpSocket s = iface.connect(address, remote.getPort(), config.tcp());
      final Condition c = conditionOf(s);
      wakeDriver();
      while (s.state() == TcpState.SYN_SENT || s.state() == TcpState.SYN_RECEIVED) {
        ensureOpen();
        if (!await(c, deadline)) {
          s.abort();
          wakeDriver();
          throw new SocketTimeoutException("connect to " + remote + " timed out");
        }
      }
      if (s.state() == TcpState.CLOSED) {
        throw new ConnectException("connect to " + remote + ": " + s.error());
      }
      return new TcpConnection(this, s);
    } finally {
      lock.unlock();
    }
  }

  /** Listens on {@code port} of every local address (IPv4 and IPv6). */
  public TcpServer listenTcp(int port, int backlog) throws IOException {
    lock.lock();
    try {
      ensureOpen();
      final TcpListener l = iface.listen(IpAddress.V6_ANY, port, backlog, config.tcp());
      l.attach(lock.newCondition());
      return new TcpServer(this, l);
    } finally {
      lock.unlock();
    }
  }

  TcpSocket accept(TcpListener listener, Duration timeout) throws IOException {
    final long deadline = deadlineAfter(timeout);
    lock.lock();
    try {
      while (true) {
        ensureOpen();
        if (listener.isClosed()) {
          throw new IOException("listener closed");
        }
        final TcpSocket s = listener.accept();
        if (s != null) {
          conditionOf(s);
          return s;
        }
        if (!await((Condition) listener.attachment(), deadline)) {
          throw new SocketTimeoutException("accept timed out");
        }
      }
    } finally {
      lock.unlock();
    }
  }

  void closeListener(TcpListener listener) {
    lock.lock();
    try {
      listener.close();
      ((Condition) listener.attachment()).signalAll();
      wakeDriver();
    } finally {
      lock.unlock();
    }
  }

  /** Non-blocking read under the lock; wakes the driver when the window may have opened. */
  int read(TcpSocket s, ByteBuffer dst) throws IOException {
    lock.lock();
    try {
      final int n = s.recv(dst);
      if (n > 0) {
        // Only a window update needs the driver; most reads leave nothing to send.
        if (s.wantsToSend()) {
          wakeDriver();
        }
      } else if (n < 0) {
        throwIfFailed(s);
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** Blocking read: waits for at least one byte, end of stream, or the timeout. */
  int readBlocking(TcpSocket s, ByteBuffer dst, Duration timeout) throws IOException {
    final long deadline = deadlineAfter(timeout);
    lock.lock();
    try {
      while (true) {
        final int n = read(s, dst);
        if (n != 0 || !dst.hasRemaining()) {
          return n;
        }
        ensureOpen();
        if (!await(conditionOf(s), deadline)) {
          throw new SocketTimeoutException("read timed out");
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Non-blocking write: queues what fits; returns the count (possibly 0). */
  int write(TcpSocket s, ByteBuffer src) throws IOException {
    lock.lock();
    try {
      final int n = s.send(src);
      if (n < 0) {
        throwIfFailed(s);
        throw new IOException("connection closed for sending");
      }
      if (n > 0) {
        wakeDriver();
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** Blocking write: queues all of {@code src}, waiting for room. */
  void writeBlocking(TcpSocket s, ByteBuffer src, Duration timeout) throws IOException {
    final long deadline = deadlineAfter(timeout);
    lock.lock();
    try {
      while (src.hasRemaining()) {
        ensureOpen();
        if (write(s, src) == 0 && !await(conditionOf(s), deadline)) {
          throw new SocketTimeoutException("write timed out");
        }
      }
    } finally {
      lock.unlock();
    }
  }

  void shutdownOutput(TcpSocket s) {
    lock.lock();
    try {
      s.shutdownOutput();
      signalWaiters(s);
      wakeDriver();
    } finally {
      lock.unlock();
    }
  }

  void close(TcpSocket s) {
    lock.lock();
    try {
      s.close();
      signalWaiters(s);
      wakeDriver();
    } finally {
      lock.unlock();
    }
  }

  void abort(TcpSocket s) {
    lock.lock();
    try {
      s.abort();
      signalWaiters(s);
      wakeDriver();
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code query} under the stack lock (for state snapshots). */
  <T> T locked(java.util.function.Supplier<T> query) {
    lock.lock();
    try {
      return query.get();
    } finally {
      lock.unlock();
    }
  }

  private static void throwIfFailed(TcpSocket s) throws IOException {
    switch (s.error()) {
      case RESET -> throw new java.net.SocketException("connection reset");
      case TIMED_OUT -> throw new SocketTimeoutException("connection timed out");
      case REFUSED -> throw new ConnectException("connection refused");
      default -> {}
    }
  }

  // ----------------------------------------------------------------------------------------
  // UDP and ICMP
  // ----------------------------------------------------------------------------------------

  /** Binds a UDP endpoint on {@code port} (0 for an ephemeral one) of every local address. */
  public UdpEndpoint openUdp(int port) throws IOException {
    lock.lock();
    try {
      ensureOpen();
      return new UdpEndpoint(this, iface.bindUdp(IpAddress.V6_ANY, port, 1 << 20));
    } finally {
      lock.unlock();
    }
  }

  boolean sendUdp(UdpSocket s, ByteBuffer payload, InetSocketAddress to) {
    lock.lock();
    try {
      final boolean queued = s.sendTo(payload, IpAddress.of(to.getAddress()), to.getPort());
      wakeDriver();
      return queued;
    } finally {
      lock.unlock();
    }
  }

  InetSocketAddress receiveUdp(UdpSocket s, ByteBuffer into, Duration timeout) throws IOException {
    final long deadline = deadlineAfter(timeout);
    lock.lock();
    try {
      while (!s.hasDatagram()) {
        ensureOpen();
        if (!awaitChange(deadline)) {
          throw new SocketTimeoutException("receive timed out");
        }
      }
      s.recv(into);
      return new InetSocketAddress(s.lastPeer().toInetAddress(), s.lastPeerPort());
    } finally {
      lock.unlock();
    }
  }

  void closeUdp(UdpSocket s) {
    lock.lock();
    try {
      s.close();
    } finally {
      lock.unlock();
    }
  }

  /** Sends one echo request and waits for the reply; returns the round-trip time. */
  public Duration ping(InetAddress destination, Duration timeout) throws IOException {
    final long deadline = deadlineAfter(timeout);
    lock.lock();
    try {
      ensureOpen();
      final int sequence = pingSequence++ & 0xFFFF;
      iface.ping(pinger, IpAddress.of(destination), sequence);
      wakeDriver();
      long rtt;
      while ((rtt = pinger.roundTrip(sequence)) < 0) {
        ensureOpen();
        if (!awaitChange(deadline)) {
          throw new SocketTimeoutException("no echo reply from " + destination.getHostAddress());
        }
      }
      return Duration.ofNanos(rtt);
    } finally {
      lock.unlock();
    }
  }

  /** A snapshot of the interface counters. */
  public String statsSummary() {
    return locked(() -> iface.stats().toString());
  }

  /** Interface counters; read them while the stack is idle or accept torn values. */
  public InterfaceStats stats() {
    return iface.stats();
  }

  /** Stops the driver thread. Connections are dropped without a FIN. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
      for (TcpSocket s : iface.tcpSockets()) {
        signalWaiters(s);
      }
      for (TcpListener l : iface.tcpListeners()) {
        if (l.attachment() instanceof Condition c) {
          c.signalAll();
        }
      }
    } finally {
      lock.unlock();
    }
    wakeDriver();
    try {
      driver.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
