package io.weft.wg.conn.linux;

import io.weft.wg.conn.Bind;
import io.weft.wg.conn.Endpoint;
import io.weft.wg.conn.UdpBind;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/**
 * A {@link Bind} on one dual-stack Linux UDP socket that moves a whole batch per system call:
 * {@code recvmmsg(2)} fills up to {@link #batchSize()} buffers at once, {@code sendmmsg(2)} sends a
 * batch to one endpoint at once, and equal-sized datagrams go as one UDP GSO message when the
 * kernel takes it ({@code UDP_SEGMENT}; turned off for good at the first refusal).
 *
 * <p>Receiving tries {@code recvmmsg} without blocking first and waits in {@code poll(2)} on the
 * socket and an eventfd only when nothing is queued, so a busy socket costs one call per batch.
 * {@link #open} on another port swaps the socket under a blocked receiver, which continues on the
 * new one; {@link #close} wakes it with {@link ClosedChannelException}. One receiver at a time
 * (others wait their turn); any number of senders.
 *
 * <p>Steady state allocates nothing: native headers are allocated once (per bind for receiving, per
 * thread for sending), sources come from a cache of {@link SockaddrEndpoint}s, and heap buffers are
 * copied through native staging memory, which costs less than the system calls it saves (numbers in
 * {@code bench/README.md}).
 */
public final class LinuxBatchUdpBind implements Bind {
  /** Datagrams per receive unless told otherwise; wireguard-go uses 128 (IdealBatchSize). */
  public static final int DEFAULT_BATCH_SIZE = 64;

  // Errors a pending ICMP report can surface as on receive; the next call goes on.
  private static final int ENETUNREACH = 101;
  private static final int ECONNREFUSED = 111;
  private static final int EHOSTUNREACH = 113;

  private final int batchSize;
  private final ReceiveBatch receiver;
  private volatile boolean gso;
  private volatile UdpSocket socket;
  private volatile boolean closed;

  /** A bind receiving {@value #DEFAULT_BATCH_SIZE} datagrams per call, with UDP GSO. */
  public LinuxBatchUdpBind() {
    this(DEFAULT_BATCH_SIZE, true);
  }

  /**
   * A bind receiving up to {@code batchSize} datagrams per call (1 to 1024), sending with UDP GSO
   * if {@code udpGso} and the kernel accepts it.
   */
  public LinuxBatchUdpBind(int batchSize, boolean udpGso) {
    if (batchSize < 1 || batchSize > 1024) {
      throw new IllegalArgumentException("batch size " + batchSize + ": expected 1 to 1024");
    }
    this.batchSize = batchSize;
    this.receiver = new ReceiveBatch(batchSize);
    this.gso = udpGso;
  }

  /**
   * Whether this bind works here: Linux on a 64-bit machine, native access enabled for this code,
   * and an IPv6 UDP socket can be opened (dual-stack is how it reaches IPv4 too).
   */
  public static boolean isSupported() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
        || ValueLayout.ADDRESS.byteSize() != 8
        || !LinuxBatchUdpBind.class.getModule().isNativeAccessEnabled()) {
      return false;
    }
    try {
      Syscalls.close(Syscalls.socket(Syscalls.AF_INET6));
      return true;
    } catch (IOException | RuntimeException | LinkageError e) {
      return false;
    }
  }

  @Override
  public synchronized int open(int port) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    final UdpSocket old = socket;
    if (old != null && port != 0 && old.port == port) {
      return port;
    }
    final UdpSocket s;
    try {
      s = UdpSocket.open(port);
    } catch (IOException e) {
      throw new IOException("cannot bind UDP port " + port + ": " + e.getMessage(), e);
    }
    socket = s;
    if (old != null) {
      old.retire();
    }
    return s.port;
  }

  /** The bound port, or 0 when not open. */
  public int port() {
    final UdpSocket s = socket;
    return s == null || closed ? 0 : s.port;
  }

  /** Whether sends still use UDP GSO (false if asked not to, or once the kernel refused it). */
  public boolean usesGso() {
    return gso;
  }

  @Override
  public int receive(ByteBuffer[] bufs, int[] sizes, Endpoint[] sources) throws IOException {
    final ReceiveBatch rx = receiver;
    synchronized (rx) {
      final int n = Math.min(bufs.length, rx.capacity);
      if (n == 0) {
        throw new IllegalArgumentException("no buffers to receive into");
      }
      rx.prepare(bufs, n);
      for (; ; ) {
        final UdpSocket s = enter();
        try {
          final int r = receiveOn(s, n, rx);
          if (r > 0) {
            rx.complete(bufs, sizes, sources, r);
            return r;
          }
          // 0: the socket was swapped by open(); go on with the new one.
        } finally {
          if (s.gate.exit()) {
            s.release();
          }
        }
      }
    }
  }

  /** Datagrams received on {@code s}, or 0 if {@code s} was retired while waiting. */
  private static int receiveOn(UdpSocket s, int n, ReceiveBatch rx) throws IOException {
    for (; ; ) {
      final int r = Syscalls.recvmmsg(s.fd, rx.messages, n, rx.callState);
      if (r > 0) {
        return r;
      }
      final int errno = -r;
      if (errno == Syscalls.EAGAIN) {
        if (!await(s, Syscalls.POLLIN, rx.pollFds, rx.callState)) {
          return 0;
        }
      } else if (errno != Syscalls.EINTR
          && errno != ECONNREFUSED
          && errno != EHOSTUNREACH
          && errno != ENETUNREACH) {
        throw Syscalls.failure("recvmmsg", errno);
      }
    }
  }

  @Override
  public void send(ByteBuffer[] bufs, int count, Endpoint destination) throws IOException {
    if (count <= 0) {
      return;
    }
    final SendBatch batch = SendBatch.current();
    batch.destination(destination);
    UdpSocket s = enter();
    try {
      for (int from = 0; from < count; from += SendBatch.MAX_DATAGRAMS) {
        final int n = Math.min(count - from, SendBatch.MAX_DATAGRAMS);
        batch.stage(bufs, from, n);
        int next = 0; // first datagram of this chunk not yet sent
        while (next < n) {
          final int messages = batch.plan(next, n, gso);
          int sent = 0;
          while (sent < messages) {
            final int r =
                Syscalls.sendmmsg(s.fd, batch.messagesFrom(sent), messages - sent, batch.callState);
            if (r > 0) {
              sent += r;
              continue;
            }
            final int errno = -r;
            if (errno == Syscalls.EINTR) {
              continue;
            }
            if (errno == Syscalls.EAGAIN) {
              if (!await(s, Syscalls.POLLOUT, batch.pollFds, batch.callState)) {
                // Swapped by open() (or closed): the rest leaves from the new socket.
                if (s.gate.exit()) {
                  s.release();
                }
                s = null;
                s = enter();
              }
              continue;
            }
            if ((errno == Syscalls.EIO || errno == Syscalls.EINVAL) && batch.segmented(sent)) {
              gso = false; // this path cannot segment (no checksum offload, or too big for the MTU)
              break;
            }
            advance(bufs, from, batch.firstDatagram(sent));
            throw Syscalls.failure("sendmmsg to " + destination.destinationString(), errno);
          }
          next = batch.firstDatagram(sent);
        }
        advance(bufs, from, n);
      }
    } finally {
      if (s != null && s.gate.exit()) {
        s.release();
      }
    }
  }

  /** Marks datagrams {@code [from, from + n)} as sent. */
  private static void advance(ByteBuffer[] bufs, int from, int n) {
    for (int i = from; i < from + n; i++) {
      bufs[i].position(bufs[i].limit());
    }
  }

  /**
   * Waits until {@code s} has {@code events}.
   *
   * @return false if {@code s} was retired meanwhile (swapped or closed)
   */
  private static boolean await(UdpSocket s, short events, MemorySegment pollFds, MemorySegment cs)
      throws IOException {
    int r;
    do {
      r = Syscalls.poll(s.fd, events, s.wakeFd, pollFds, cs);
    } while (r == -Syscalls.EINTR);
    if (s.gate.isClosed()) {
      return false;
    }
    if (r < 0) {
      throw Syscalls.failure("poll", -r);
    }
    return true;
  }

  /** Enters the current socket's gate; the caller must {@code exit} it. */
  private UdpSocket enter() throws ClosedChannelException {
    for (; ; ) {
      if (closed) {
        throw new AsynchronousCloseException();
      }
      final UdpSocket s = socket;
      if (s == null) {
        throw new ClosedChannelException();
      }
      if (s.gate.tryEnter()) {
        return s;
      }
      Thread.onSpinWait(); // open() is publishing the next socket
    }
  }

  @Override
  public Endpoint parseEndpoint(String hostPort) {
    return SockaddrEndpoint.of(UdpBind.parseSocketAddress(hostPort));
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    final UdpSocket s = socket;
    if (s != null) {
      s.retire();
    }
  }

  @Override
  public String toString() {
    return "LinuxBatchUdpBind[port " + port() + ", batch " + batchSize + (gso ? ", gso]" : "]");
  }
}
