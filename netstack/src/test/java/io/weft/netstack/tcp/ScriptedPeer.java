package io.weft.netstack.tcp;

import io.weft.netstack.iface.Interface;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.wire.IpAddress;
import io.weft.netstack.wire.IpHeader;
import io.weft.netstack.wire.IpProtocol;
import io.weft.netstack.wire.Ipv4Packet;
import io.weft.netstack.wire.TcpOptions;
import io.weft.netstack.wire.TcpPacket;
import io.weft.netstack.wire.WireStatus;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * A hand-driven remote end for packet-level tests: it writes exact segments into an {@link
 * Interface} and reads back what the interface sends, parsed into {@link Segment}s.
 */
final class ScriptedPeer {
  static final IpAddress LOCAL = IpAddress.parse("10.0.0.1");
  static final IpAddress REMOTE = IpAddress.parse("10.0.0.2");
  static final int REMOTE_PORT = 40000;
  static final long MS = 1_000_000L;

  /** One captured segment. */
  record Segment(
      int flags,
      int seq,
      int ack,
      int window,
      byte[] payload,
      TcpOptions options,
      int sourcePort,
      int destinationPort) {
    boolean has(int flag) {
      return (flags & flag) != 0;
    }

    int length() {
      return payload.length;
    }

    @Override
    public String toString() {
      StringBuilder f = new StringBuilder();
      if (has(TcpPacket.SYN)) {
        f.append("SYN ");
      }
      if (has(TcpPacket.ACK)) {
        f.append("ACK ");
      }
      if (has(TcpPacket.FIN)) {
        f.append("FIN ");
      }
      if (has(TcpPacket.RST)) {
        f.append("RST ");
      }
      if (has(TcpPacket.PSH)) {
        f.append("PSH ");
      }
      return "<"
          + f.toString().trim()
          + " seq="
          + Integer.toUnsignedString(seq)
          + " ack="
          + Integer.toUnsignedString(ack)
          + " wnd="
          + window
          + " len="
          + payload.length
          + ">";
    }
  }

  final Interface iface;
  final ArrayDeque<Segment> sent = new ArrayDeque<>();
  long now = 1_000 * MS;

  /** The peer's next sequence number; tests keep it up to date. */
  int seq = 5000;

  ScriptedPeer() {
    this.iface =
        new Interface(InterfaceConfig.of(LOCAL, null), this::capture, new SplittableRandom(42));
  }

  private void capture(ByteBuffer b, int offset, int length) {
    Ipv4Packet ip = new Ipv4Packet().wrap(b, offset, length);
    if (ip.checkLength() != WireStatus.OK
        || !ip.verifyChecksum()
        || ip.protocol() != IpProtocol.TCP) {
      throw new AssertionError("stack sent a bad or non-TCP packet");
    }
    TcpPacket tcp = new TcpPacket().wrap(b, ip.payloadOffset(), ip.payloadLength());
    if (tcp.checkLength() != WireStatus.OK
        || !tcp.verifyChecksum(
            IpHeader.pseudoHeader(LOCAL, REMOTE, IpProtocol.TCP, ip.payloadLength()))) {
      throw new AssertionError("stack sent a bad TCP segment");
    }
    TcpOptions o = new TcpOptions();
    if (tcp.parseOptions(o) != WireStatus.OK) {
      throw new AssertionError("stack sent bad options");
    }
    byte[] payload = new byte[tcp.payloadLength()];
    b.get(tcp.payloadOffset(), payload);
    sent.add(
        new Segment(
            tcp.flags(),
            tcp.sequence(),
            tcp.acknowledgment(),
            tcp.window(),
            payload,
            o,
            tcp.sourcePort(),
            tcp.destinationPort()));
  }

  /** Delivers a segment from REMOTE:REMOTE_PORT to LOCAL:localPort. */
  void deliver(
      int localPort,
      int flags,
      int sequence,
      int acknowledgment,
      int window,
      TcpOptions options,
      byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(1500);
    TcpPacket tcp = new TcpPacket().wrap(b, 20, 1480);
    int header = tcp.emit(REMOTE_PORT, localPort, sequence, acknowledgment, flags, window, options);
    b.put(20 + header, payload);
    int length = header + payload.length;
    tcp.setLength(length);
    IpHeader.emit(b, 0, REMOTE, LOCAL, IpProtocol.TCP, length, 1);
    tcp.fillChecksum(IpHeader.pseudoHeader(REMOTE, LOCAL, IpProtocol.TCP, length));
    iface.receive(now, b, 0, 20 + length);
  }

  void deliver(int localPort, int flags, int sequence, int acknowledgment, int window) {
    deliver(localPort, flags, sequence, acknowledgment, window, null, new byte[0]);
  }

  /** Runs the interface's timers and output at the current time. */
  void poll() {
    iface.poll(now);
  }

  /** Moves the clock forward and polls. */
  void advance(long nanos) {
    now += nanos;
    iface.poll(now);
  }

  /** The next segment the stack sent; fails if there is none. */
  Segment next() {
    Segment s = sent.poll();
    if (s == null) {
      throw new AssertionError("expected a segment, none was sent");
    }
    return s;
  }

  static TcpOptions synOptions(
      int mss, int windowScale, boolean sack, boolean timestamps, int tsVal) {
    TcpOptions o = new TcpOptions();
    o.mss = mss;
    o.windowScale = windowScale;
    o.sackPermitted = sack;
    o.timestamps = timestamps;
    o.tsVal = tsVal;
    return o;
  }
}
