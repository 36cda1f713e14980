package io.weft.netstack.icmp;

import io.weft.netstack.wire.IcmpEchoPacket;
import io.weft.netstack.wire.IpAddress;
import io.weft.netstack.wire.IpHeader;
import io.weft.netstack.wire.IpProtocol;
import java.nio.ByteBuffer;

/**
 * Sends echo requests with one identifier and records the arrival time of matching replies by
 * sequence number (a 64 Ki entry table of primitive longs, so replies allocate nothing).
 */
public final class PingSocket {
  private static final int PAYLOAD = 56;

  private final int identifier;
  private final long[] sentAt = new long[65536];
  private final long[] repliedAt = new long[65536];
  private final boolean[] replied = new boolean[65536];
  private final IcmpEchoPacket txPacket = new IcmpEchoPacket();
  private IpAddress pendingSource;
  private IpAddress pendingDestination;
  private int pendingSequence = -1;
  private boolean closed;

  public PingSocket(int identifier) {
    this.identifier = identifier & 0xFFFF;
  }

  public int identifier() {
    return identifier;
  }

  /** Queues one echo request (one at a time; a new one replaces an unsent one). */
  public void request(IpAddress source, IpAddress destination, int sequence) {
    pendingSource = source;
    pendingDestination = destination;
    pendingSequence = sequence & 0xFFFF;
    replied[pendingSequence] = false;
  }

  public boolean wantsToSend() {
    return pendingSequence >= 0;
  }

  /** Writes the queued request as an IP packet; returns its length or 0. */
  public int dispatch(long now, ByteBuffer out) {
    final IpAddress source = pendingSource;
    if (pendingSequence < 0 || source == null) {
      pendingSequence = -1;
      return 0;
    }
    final IpAddress destination = pendingDestination;
    final int sequence = pendingSequence;
    pendingSequence = -1;
    final boolean v4 = destination.isV4();
    final int ipLength = IpHeader.length(destination);
    final int icmpLength = IcmpEchoPacket.HEADER_LENGTH + PAYLOAD;
    for (int i = 0; i < PAYLOAD; i++) {
      out.put(ipLength + IcmpEchoPacket.HEADER_LENGTH + i, (byte) i);
    }
    final int protocol = v4 ? IpProtocol.ICMP : IpProtocol.ICMPV6;
    IpHeader.emit(out, 0, source, destination, protocol, icmpLength, sequence);
    final IcmpEchoPacket echo = txPacket.wrap(out, ipLength, icmpLength);
    echo.emitEcho(
        v4 ? IcmpEchoPacket.V4_ECHO_REQUEST : IcmpEchoPacket.V6_ECHO_REQUEST, identifier, sequence);
    echo.fillChecksum(v4 ? 0 : IpHeader.pseudoHeader(source, destination, protocol, icmpLength));
    sentAt[sequence] = now;
    return ipLength + icmpLength;
  }

  /** Called by the interface for an echo reply carrying this socket's identifier. */
  public void onReply(long now, int sequence) {
    final int s = sequence & 0xFFFF;
    if (!replied[s]) {
      replied[s] = true;
      repliedAt[s] = now;
    }
  }

  /** Round-trip time of {@code sequence} in nanoseconds, or -1 while no reply has arrived. */
  public long roundTrip(int sequence) {
    final int s = sequence & 0xFFFF;
    return replied[s] ? Math.max(0, repliedAt[s] - sentAt[s]) : -1;
  }

  public void close() {
    closed = true;
  }

  public boolean isClosed() {
    return closed;
  }
}
