package io.weft.netstack.udp;

import io.weft.netstack.storage.RingBuffer;
import io.weft.netstack.wire.IpAddress;
import io.weft.netstack.wire.IpHeader;
import io.weft.netstack.wire.IpProtocol;
import io.weft.netstack.wire.UdpPacket;
import java.nio.ByteBuffer;

/**
 * A UDP endpoint bound to a local port. Each queued datagram is stored as a 20-byte record (payload
 * length, peer address as two longs, peer port) followed by its payload. Not thread-safe: used
 * under the interface's lock.
 */
public final class UdpSocket {
  private static final int RECORD = 2 + 16 + 2;

  private final IpAddress localAddress;
  private final int localPort;
  private final RingBuffer rx;
  private final RingBuffer tx;
  private final ByteBuffer record = ByteBuffer.allocate(RECORD);
  private final UdpPacket txPacket = new UdpPacket();
  private IpAddress lastPeer = IpAddress.V4_ANY;
  private int lastPeerPort;
  private int ipIdentification;
  private long dropped;
  private boolean closed;

  public UdpSocket(IpAddress localAddress, int localPort, int bufferSize) {
    this.localAddress = localAddress;
    this.localPort = localPort;
    this.rx = new RingBuffer(bufferSize);
    this.tx = new RingBuffer(bufferSize);
  }

  public IpAddress localAddress() {
    return localAddress;
  }

  public int localPort() {
    return localPort;
  }

  public boolean matches(IpAddress destination, int port) {
    if (closed || port != localPort) {
      return false;
    }
    if (localAddress.isUnspecified()) {
      return localAddress.isV4() == destination.isV4() || localAddress.equals(IpAddress.V6_ANY);
    }
    return localAddress.equals(destination);
  }

  /** Called by the interface for a datagram to this socket; drops and counts when full. */
  public void deliver(
      long srcHi, long srcLo, int srcPort, ByteBuffer data, int offset, int length) {
    if (rx.free() < RECORD + length) {
      dropped++;
      return;
    }
    record
        .putShort(0, (short) length)
        .putLong(2, srcHi)
        .putLong(10, srcLo)
        .putShort(18, (short) srcPort);
    rx.enqueue(record, 0, RECORD);
    rx.enqueue(data, offset, length);
  }

  /**
   * Takes the next datagram into {@code dst} (truncating what does not fit) and returns its length,
   * or -1 if none is queued. The sender is then {@link #lastPeer()}/{@link #lastPeerPort()}.
   */
  public int recv(ByteBuffer dst) {
    if (rx.isEmpty()) {
      return -1;
    }
    rx.dequeue(record, 0, RECORD);
    final int length = record.getShort(0) & 0xFFFF;
    lastPeer = new IpAddress(record.getLong(2), record.getLong(10));
    lastPeerPort = record.getShort(18) & 0xFFFF;
    final int n = Math.min(length, dst.remaining());
    rx.dequeue(dst, dst.position(), n);
    rx.discard(length - n);
    dst.position(dst.position() + n);
    return length;
  }

  public boolean hasDatagram() {
    return !rx.isEmpty();
  }

  public IpAddress lastPeer() {
    return lastPeer;
  }

  public int lastPeerPort() {
    return lastPeerPort;
  }

  /**
   * Queues a datagram for sending; returns false when the send buffer is full or it is too large.
   */
  public boolean sendTo(ByteBuffer payload, IpAddress destination, int port) {
    final int length = payload.remaining();
    if (closed || length > 0xFFFF - UdpPacket.HEADER_LENGTH || tx.free() < RECORD + length) {
      return false;
    }
    record
        .putShort(0, (short) length)
        .putLong(2, destination.hi())
        .putLong(10, destination.lo())
        .putShort(18, (short) port);
    tx.enqueue(record, 0, RECORD);
    tx.enqueue(payload, payload.position(), length);
    payload.position(payload.limit());
    return true;
  }

  /**
   * Writes the next queued datagram as an IP packet at index 0 of {@code out}; returns its length
   * or 0. Datagrams larger than {@code out} are dropped (no fragmentation on send).
   *
   * @param sourceV4 the IPv4 address to send from when bound to an unspecified address
   * @param sourceV6 the IPv6 address to send from when bound to an unspecified address
   */
  public int dispatch(ByteBuffer out, IpAddress sourceV4, IpAddress sourceV6) {
    while (!tx.isEmpty()) {
      tx.dequeue(record, 0, RECORD);
      final int length = record.getShort(0) & 0xFFFF;
      final IpAddress destination = new IpAddress(record.getLong(2), record.getLong(10));
      final int port = record.getShort(18) & 0xFFFF;
      final IpAddress from =
          !localAddress.isUnspecified() ? localAddress : destination.isV4() ? sourceV4 : sourceV6;
      final int ipLength = IpHeader.length(destination);
      if (ipLength + UdpPacket.HEADER_LENGTH + length > out.capacity()
          || from == null
          || from.isV4() != destination.isV4()) {
        tx.discard(length);
        dropped++;
        continue;
      }
      tx.dequeue(out, ipLength + UdpPacket.HEADER_LENGTH, length);
      final int udpLength = UdpPacket.HEADER_LENGTH + length;
      IpHeader.emit(out, 0, from, destination, IpProtocol.UDP, udpLength, ipIdentification++);
      final UdpPacket udp = txPacket.wrap(out, ipLength, udpLength);
      udp.emit(localPort, port, length);
      udp.fillChecksum(IpHeader.pseudoHeader(from, destination, IpProtocol.UDP, udpLength));
      return ipLength + udpLength;
    }
    return 0;
  }

  public boolean wantsToSend() {
    return !tx.isEmpty();
  }

  /** Datagrams dropped because a buffer was full or a datagram could not be sent. */
  public long dropped() {
    return dropped;
  }

  public void close() {
    closed = true;
  }

  public boolean isClosed() {
    return closed;
  }
}
