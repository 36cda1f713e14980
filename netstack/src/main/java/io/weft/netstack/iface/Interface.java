package io.weft.netstack.iface;

import io.weft.netstack.icmp.PingSocket;
import io.weft.netstack.phy.PacketSink;
import io.weft.netstack.tcp.TcpConfig;
import io.weft.netstack.tcp.TcpListener;
import io.weft.netstack.tcp.TcpSocket;
import io.weft.netstack.udp.UdpSocket;
import io.weft.netstack.wire.Checksum;
import io.weft.netstack.wire.IcmpEchoPacket;
import io.weft.netstack.wire.IpAddress;
import io.weft.netstack.wire.IpHeader;
import io.weft.netstack.wire.IpProtocol;
import io.weft.netstack.wire.Ipv4Packet;
import io.weft.netstack.wire.Ipv6Packet;
import io.weft.netstack.wire.TcpOptions;
import io.weft.netstack.wire.TcpPacket;
import io.weft.netstack.wire.UdpPacket;
import io.weft.netstack.wire.WireStatus;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A network interface of the userspace stack: IP packets in through {@link #receive}, IP packets
 * out through a {@link PacketSink}, timers through {@link #poll} and {@link #nextDeadline}. Not
 * thread-safe: one thread (or one lock) drives it.
 *
 * <p>Sockets are found by a linear scan, as in smoltcp; that is cheapest for the handful of
 * connections a userspace proxy carries.
 */
public final class Interface {
  /** Told about every TCP connection that processed a segment or fired a timer. */
  @FunctionalInterface
  public interface TcpActivity {
    void onActivity(TcpSocket socket);
  }

  private static final TcpActivity NO_ACTIVITY = s -> {};

  // Implementation constants.
  private static final int EPHEMERAL_FIRST = 49152;
  private static final int EPHEMERAL_COUNT = 65536 - EPHEMERAL_FIRST;

  /** Segments one socket may emit per flush, so one busy connection cannot starve the rest. */
  private static final int MAX_SEGMENTS_PER_FLUSH = 256;

  /** ICMP error rate limit: a burst of 10, refilled at one per 10 ms (Linux's default pace). */
  private static final long ICMP_ERROR_BURST = 10;

  private static final long ICMP_ERROR_INTERVAL_NANOS = 10_000_000L;

  private final InterfaceConfig config;
  private final PacketSink sink;
  private final RandomGenerator random;
  private final InterfaceStats stats = new InterfaceStats();
  private final ByteBuffer tx;
  private final Reassembler reassembler;

  private final Ipv4Packet ip4 = new Ipv4Packet();
  private final Ipv6Packet ip6 = new Ipv6Packet();
  private final TcpPacket tcp = new TcpPacket();
  private final TcpPacket tcpScratch = new TcpPacket();
  private final TcpOptions tcpOptions = new TcpOptions();
  private final UdpPacket udp = new UdpPacket();
  private final IcmpEchoPacket icmp = new IcmpEchoPacket();
  private final IcmpEchoPacket icmpReply = new IcmpEchoPacket();

  private final List<TcpSocket> tcpSockets = new ArrayList<>();
  private long icmpTokens = ICMP_ERROR_BURST;
  private long icmpTokensAt;
  private final List<TcpListener> listeners = new ArrayList<>();
  private final List<UdpSocket> udpSockets = new ArrayList<>();
  private final List<PingSocket> pingSockets = new ArrayList<>();
  private int nextEphemeral;
  private TcpActivity activity = NO_ACTIVITY;

  /** A flush stopped at its segment limit: poll again at once. */
  private boolean flushLimited;

  public Interface(InterfaceConfig config, PacketSink sink, RandomGenerator random) {
    this.config = config;
    this.sink = sink;
    this.random = random;
    // A sink with segmentation offload gets TCP packets up to its limit (RFC 9293 allows any
    // segment size the receiver's MSS permits after segmentation; the sink splits them).
    this.tx = ByteBuffer.allocate(Math.max(config.mtu(), sink.maxSegmentedPacket()));
    this.reassembler =
        new Reassembler(config.reassemblySlots(), config.reassemblyTimeoutNanos(), stats);
    this.nextEphemeral = random.nextInt(EPHEMERAL_COUNT);
  }

  public InterfaceConfig config() {
    return config;
  }

  public InterfaceStats stats() {
    return stats;
  }

  /** Sets the callback for TCP activity (called on the driving thread, under its lock). */
  public void setTcpActivity(TcpActivity listener) {
    this.activity = listener == null ? NO_ACTIVITY : listener;
  }

  /** The connections the interface tracks (a read-only view; use under the interface's lock). */
  public List<TcpSocket> tcpSockets() {
    return java.util.Collections.unmodifiableList(tcpSockets);
  }

  /** The open listeners (a read-only view; use under the interface's lock). */
  public List<TcpListener> tcpListeners() {
    return java.util.Collections.unmodifiableList(listeners);
  }

  // ----------------------------------------------------------------------------------------
  // Receive
  // ----------------------------------------------------------------------------------------

  /** Handles one incoming IP packet, bytes {@code [offset, offset + length)} of {@code packet}. */
  public void receive(long now, ByteBuffer packet, int offset, int length) {
    stats.rxPackets++;
    if (offset < 0 || length < 0 || offset > packet.limit() - length) {
      stats.droppedMalformed++;
      return;
    }
    if (length < 1) {
      stats.droppedTruncated++;
      return;
    }
    final int version = (packet.get(offset) & 0xFF) >>> 4;
    if (version == 4) {
      receiveIpv4(now, packet, offset, length, true);
    } else if (version == 6) {
      receiveIpv6(now, packet, offset, length, true);
    } else {
      stats.droppedMalformed++;
    }
  }

  private void receiveIpv4(
      long now, ByteBuffer packet, int offset, int length, boolean mayBeFragment) {
    final Ipv4Packet ip = ip4.wrap(packet, offset, length);
    if (!countStatus(ip.checkLength())) {
      return;
    }
    if (!ip.verifyChecksum()) {
      stats.droppedBadChecksum++;
      return;
    }
    if (config.ipv4() == null || ip.destination() != config.ipv4().v4()) {
      stats.droppedNotForUs++;
      return;
    }
    if (ip.isFragment() && mayBeFragment) {
      stats.fragmentsReceived++;
      final int whole = reassembler.acceptV4(now, ip);
      if (whole > 0) {
        receiveIpv4(now, reassembler.completeBuffer(), reassembler.completeOffset(), whole, false);
      }
      return;
    }
    final long srcLo = 0x0000_FFFF_0000_0000L | (ip.source() & 0xFFFF_FFFFL);
    final int protocol = ip.protocol();
    final int upperOffset = ip.payloadOffset();
    final int upperLength = ip.payloadLength();
    final long pseudo = Checksum.pseudoHeaderV4(packet, offset, protocol, upperLength);
    receiveUpper(
        now,
        config.ipv4(),
        0,
        srcLo,
        protocol,
        packet,
        upperOffset,
        upperLength,
        pseudo,
        offset,
        ip.totalLength());
  }

  private void receiveIpv6(
      long now, ByteBuffer packet, int offset, int length, boolean mayBeFragment) {
    final Ipv6Packet ip = ip6.wrap(packet, offset, length);
    final int status = ip.checkLength();
    final IpAddress local = config.ipv6();
    if (status == WireStatus.OK || ip.isFragment()) {
      if (local == null || ip.destinationHi() != local.hi() || ip.destinationLo() != local.lo()) {
        stats.droppedNotForUs++;
        return;
      }
    }
    if (ip.isFragment() && mayBeFragment) {
      stats.fragmentsReceived++;
      final int whole = reassembler.acceptV6(now, ip);
      if (whole > 0) {
        receiveIpv6(now, reassembler.completeBuffer(), reassembler.completeOffset(), whole, false);
      }
      return;
    }
    if (!countStatus(status)) {
      return;
    }
    final int protocol = ip.upperProtocol();
    final int upperLength = ip.upperLength();
    final long pseudo = Checksum.pseudoHeaderV6(packet, offset, protocol, upperLength);
    receiveUpper(
        now,
        local,
        ip.sourceHi(),
        ip.sourceLo(),
        protocol,
        packet,
        ip.upperOffset(),
        upperLength,
        pseudo,
        offset,
        Ipv6Packet.HEADER_LENGTH + ip.payloadLength());
  }

  private boolean countStatus(int status) {
    switch (status) {
      case WireStatus.OK -> {
        return true;
      }
      case WireStatus.TRUNCATED -> stats.droppedTruncated++;
      case WireStatus.UNSUPPORTED -> stats.droppedUnsupported++;
      case WireStatus.BAD_CHECKSUM -> stats.droppedBadChecksum++;
      default -> stats.droppedMalformed++;
    }
    return false;
  }

  private void receiveUpper(
      long now,
      IpAddress local,
      long srcHi,
      long srcLo,
      int protocol,
      ByteBuffer packet,
      int offset,
      int length,
      long pseudo,
      int ipOffset,
      int ipLength) {
    switch (protocol) {
      case IpProtocol.TCP -> receiveTcp(now, local, srcHi, srcLo, packet, offset, length, pseudo);
      case IpProtocol.UDP -> {
        if (!receiveUdp(local, srcHi, srcLo, packet, offset, length, pseudo)) {
          sendPortUnreachable(now, local, new IpAddress(srcHi, srcLo), packet, ipOffset, ipLength);
        }
      }
      case IpProtocol.ICMP ->
          receiveIcmp(now, local, srcHi, srcLo, packet, offset, length, 0, false);
      case IpProtocol.ICMPV6 ->
          receiveIcmp(now, local, srcHi, srcLo, packet, offset, length, pseudo, true);
      default -> stats.droppedUnsupported++;
    }
  }

  private void receiveTcp(
      long now,
      IpAddress local,
      long srcHi,
      long srcLo,
      ByteBuffer packet,
      int offset,
      int length,
      long pseudo) {
    final TcpPacket seg = tcp.wrap(packet, offset, length);
    if (!countStatus(seg.checkLength())) {
      return;
    }
    if (!seg.verifyChecksum(pseudo)) {
      stats.droppedBadChecksum++;
      return;
    }
    if (!countStatus(seg.parseOptions(tcpOptions))) {
      return;
    }
    final int sourcePort = seg.sourcePort();
    final int destinationPort = seg.destinationPort();
    final List<TcpSocket> sockets = tcpSockets;
    for (int i = 0, n = sockets.size(); i < n; i++) {
      final TcpSocket s = sockets.get(i);
      if (s.matches(srcHi, srcLo, sourcePort, local.hi(), local.lo(), destinationPort)
          && !s.isFinished()) {
        s.process(now, seg, tcpOptions);
        flush(now, s);
        activity.onActivity(s);
        return;
      }
    }
    final int flags = seg.flags();
    if ((flags & (TcpPacket.SYN | TcpPacket.ACK | TcpPacket.RST)) == TcpPacket.SYN) {
      for (int i = 0, n = listeners.size(); i < n; i++) {
        final TcpListener l = listeners.get(i);
        if (l.matches(local, destinationPort)) {
          if (!l.admits()) {
            stats.droppedBacklogFull++;
            return;
          }
          final IpAddress remote = new IpAddress(srcHi, srcLo);
          final TcpSocket s =
              TcpSocket.accept(
                  l,
                  local,
                  remote,
                  localMss(local),
                  random.nextInt(),
                  random.nextInt() | 1,
                  seg,
                  tcpOptions);
          tcpSockets.add(s);
          flush(now, s);
          return;
        }
      }
    }
    stats.droppedNoSocket++;
    final int n = TcpSocket.writeReset(tx, local, new IpAddress(srcHi, srcLo), seg, tcpScratch);
    if (n > 0) {
      stats.resetsSent++;
      transmit(n);
    }
  }

  /** Returns false only when a valid datagram found no socket (the caller answers with ICMP). */
  private boolean receiveUdp(
      IpAddress local,
      long srcHi,
      long srcLo,
      ByteBuffer packet,
      int offset,
      int length,
      long pseudo) {
    final UdpPacket d = udp.wrap(packet, offset, length);
    if (!countStatus(d.checkLength())) {
      return true;
    }
    if (!d.verifyChecksum(pseudo, local.isV4())) {
      stats.droppedBadChecksum++;
      return true;
    }
    final int port = d.destinationPort();
    for (int i = 0, n = udpSockets.size(); i < n; i++) {
      final UdpSocket s = udpSockets.get(i);
      if (s.matches(local, port)) {
        s.deliver(srcHi, srcLo, d.sourcePort(), packet, d.payloadOffset(), d.payloadLength());
        return true;
      }
    }
    stats.droppedNoSocket++;
    return false;
  }

  /**
   * Answers a datagram to a closed port with ICMP destination unreachable, port unreachable (RFC
   * 1122 section 4.1.3.1; RFC 792 type 3 code 3; RFC 4443 section 3.1 type 1 code 4), quoting as
   * much of the offending packet as fits in 576 (IPv4) or 1280 (IPv6) bytes. Errors are rate
   * limited with a token bucket (RFC 4443 section 2.4 (f); RFC 1812 section 4.3.2.8).
   */
  private void sendPortUnreachable(
      long now, IpAddress local, IpAddress remote, ByteBuffer packet, int ipOffset, int ipLength) {
    if (now < icmpTokensAt) {
      icmpTokensAt = now;
    }
    final long earned = (now - icmpTokensAt) / ICMP_ERROR_INTERVAL_NANOS;
    if (earned > 0) {
      icmpTokens += earned;
      icmpTokensAt += earned * ICMP_ERROR_INTERVAL_NANOS;
      if (icmpTokens >= ICMP_ERROR_BURST) {
        icmpTokens = ICMP_ERROR_BURST;
        icmpTokensAt = now;
      }
    }
    if (icmpTokens <= 0) {
      return;
    }
    icmpTokens--;
    final boolean v6 = !local.isV4();
    final int ipHeader = IpHeader.length(local);
    final int quote =
        Math.min(
            ipLength,
            Math.min(tx.capacity(), v6 ? 1280 : 576) - ipHeader - IcmpEchoPacket.HEADER_LENGTH);
    final int icmpLength = IcmpEchoPacket.HEADER_LENGTH + quote;
    tx.put(ipHeader + IcmpEchoPacket.HEADER_LENGTH, packet, ipOffset, quote);
    tx.putInt(ipHeader + IcmpEchoPacket.IDENTIFIER_OFFSET, 0);
    final int protocol = v6 ? IpProtocol.ICMPV6 : IpProtocol.ICMP;
    IpHeader.emit(tx, 0, local, remote, protocol, icmpLength, 0);
    final IcmpEchoPacket error = icmpReply.wrap(tx, ipHeader, icmpLength);
    error.setType(
        v6 ? IcmpEchoPacket.V6_DESTINATION_UNREACHABLE : IcmpEchoPacket.V4_DESTINATION_UNREACHABLE);
    error.setCode(v6 ? 4 : 3);
    error.fillChecksum(v6 ? IpHeader.pseudoHeader(local, remote, protocol, icmpLength) : 0);
    stats.unreachablesSent++;
    transmit(ipHeader + icmpLength);
  }

  private void receiveIcmp(
      long now,
      IpAddress local,
      long srcHi,
      long srcLo,
      ByteBuffer packet,
      int offset,
      int length,
      long pseudo,
      boolean v6) {
    final IcmpEchoPacket m = icmp.wrap(packet, offset, length);
    if (!countStatus(m.checkLength())) {
      return;
    }
    if (!m.verifyChecksum(pseudo)) {
      stats.droppedBadChecksum++;
      return;
    }
    final int type = m.type();
    if (type == (v6 ? IcmpEchoPacket.V6_ECHO_REQUEST : IcmpEchoPacket.V4_ECHO_REQUEST)
        && m.code() == 0) {
      answerEcho(local, new IpAddress(srcHi, srcLo), packet, offset, length, v6);
    } else if (type == (v6 ? IcmpEchoPacket.V6_ECHO_REPLY : IcmpEchoPacket.V4_ECHO_REPLY)) {
      final int id = m.identifier();
      for (int i = 0, n = pingSockets.size(); i < n; i++) {
        if (pingSockets.get(i).identifier() == id) {
          pingSockets.get(i).onReply(now, m.sequence());
          return;
        }
      }
      stats.droppedNoSocket++;
    } else {
      stats.droppedUnsupported++;
    }
  }

  private void answerEcho(
      IpAddress local, IpAddress remote, ByteBuffer packet, int offset, int length, boolean v6) {
    final int ipLength = IpHeader.length(local);
    if (ipLength + length > tx.capacity()) {
      stats.droppedUnsupported++;
      return;
    }
    tx.put(ipLength, packet, offset, length);
    final int protocol = v6 ? IpProtocol.ICMPV6 : IpProtocol.ICMP;
    IpHeader.emit(tx, 0, local, remote, protocol, length, 0);
    final IcmpEchoPacket reply = icmpReply.wrap(tx, ipLength, length);
    reply.setType(v6 ? IcmpEchoPacket.V6_ECHO_REPLY : IcmpEchoPacket.V4_ECHO_REPLY);
    reply.fillChecksum(v6 ? IpHeader.pseudoHeader(local, remote, protocol, length) : 0);
    stats.echoRequestsAnswered++;
    transmit(ipLength + length);
  }

  // ----------------------------------------------------------------------------------------
  // Timers and output
  // ----------------------------------------------------------------------------------------

  /** Fires due timers and sends everything the sockets have ready. */
  public void poll(long now) {
    flushLimited = false;
    reassembler.expire(now);
    final List<TcpSocket> sockets = tcpSockets;
    for (int i = 0; i < sockets.size(); i++) {
      final TcpSocket s = sockets.get(i);
      if (s.nextDeadline() <= now) {
        s.onTimer(now);
        activity.onActivity(s);
      }
      flush(now, s);
      if (s.isFinished()) {
        sockets.remove(i);
        i--;
      }
    }
    for (int i = 0; i < udpSockets.size(); i++) {
      final UdpSocket s = udpSockets.get(i);
      int n;
      while ((n = s.dispatch(tx, config.ipv4(), config.ipv6())) > 0) {
        transmit(n);
      }
      if (s.isClosed()) {
        udpSockets.remove(i);
        i--;
      }
    }
    for (int i = 0; i < pingSockets.size(); i++) {
      final PingSocket p = pingSockets.get(i);
      int n;
      while (p.wantsToSend() && (n = p.dispatch(now, tx)) > 0) {
        transmit(n);
      }
      if (p.isClosed()) {
        pingSockets.remove(i);
        i--;
      }
    }
    listeners.removeIf(TcpListener::isClosed);
  }

  /**
   * The earliest time at which {@link #poll} has work: {@code Long.MIN_VALUE} when output is ready
   * now, {@code Long.MAX_VALUE} when nothing is scheduled.
   */
  public long nextDeadline() {
    if (flushLimited) {
      return Long.MIN_VALUE;
    }
    long d = reassembler.nextDeadline();
    for (int i = 0, n = tcpSockets.size(); i < n; i++) {
      final TcpSocket s = tcpSockets.get(i);
      if (s.wantsToSend()) {
        return Long.MIN_VALUE;
      }
      d = Math.min(d, s.nextDeadline());
    }
    for (int i = 0, n = udpSockets.size(); i < n; i++) {
      if (udpSockets.get(i).wantsToSend()) {
        return Long.MIN_VALUE;
      }
    }
    for (int i = 0, n = pingSockets.size(); i < n; i++) {
      if (pingSockets.get(i).wantsToSend()) {
        return Long.MIN_VALUE;
      }
    }
    return d;
  }

  private void flush(long now, TcpSocket s) {
    for (int i = 0; i < MAX_SEGMENTS_PER_FLUSH; i++) {
      final int n = s.dispatch(now, tx);
      if (n == 0) {
        return;
      }
      if (n > config.mtu()) {
        stats.txPackets++;
        sink.sendSegmented(tx, 0, n, s.sendMss());
      } else {
        transmit(n);
      }
    }
    flushLimited = true;
  }

  private void transmit(int length) {
    stats.txPackets++;
    sink.send(tx, 0, length);
  }

  // ----------------------------------------------------------------------------------------
  // Socket creation
  // ----------------------------------------------------------------------------------------

  /** The largest TCP payload the link carries for this address family. */
  public int localMss(IpAddress family) {
    return config.mtu() - IpHeader.length(family) - TcpPacket.MIN_HEADER_LENGTH;
  }

  /** The interface address of the family of {@code remote}, or null if it has none. */
  public IpAddress sourceAddressFor(IpAddress remote) {
    return remote.isV4() ? config.ipv4() : config.ipv6();
  }

  /** Starts an active open to {@code remote}:{@code port} from an ephemeral port. */
  public TcpSocket connect(IpAddress remote, int port, TcpConfig tcpConfig) {
    final IpAddress local = sourceAddressFor(remote);
    if (local == null) {
      throw new IllegalArgumentException("no local address of the family of " + remote);
    }
    final int localPort = ephemeralPort(remote, port);
    final TcpSocket s =
        TcpSocket.connect(
            tcpConfig,
            local,
            localPort,
            remote,
            port,
            localMss(local),
            random.nextInt(),
            random.nextInt() | 1);
    tcpSockets.add(s);
    return s;
  }

  /** Opens a listener; {@code local} may be unspecified (:: for both families). */
  public TcpListener listen(IpAddress local, int port, int backlog, TcpConfig tcpConfig) {
    for (TcpListener l : listeners) {
      if (l.port() == port && !l.isClosed()) {
        throw new IllegalStateException("port " + port + " already has a listener");
      }
    }
    final TcpListener l = new TcpListener(local, port, backlog, tcpConfig);
    listeners.add(l);
    return l;
  }

  /** Binds a UDP socket; port 0 picks an ephemeral port. */
  public UdpSocket bindUdp(IpAddress local, int port, int bufferSize) {
    int p = port;
    if (p == 0) {
      p = EPHEMERAL_FIRST + (nextEphemeral++ % EPHEMERAL_COUNT);
    }
    for (UdpSocket s : udpSockets) {
      if (s.localPort() == p && !s.isClosed()) {
        throw new IllegalStateException("UDP port " + p + " in use");
      }
    }
    final UdpSocket s = new UdpSocket(local, p, bufferSize);
    udpSockets.add(s);
    return s;
  }

  /** Opens an echo socket with a random identifier. */
  public PingSocket openPing() {
    final PingSocket p = new PingSocket(random.nextInt(65536));
    pingSockets.add(p);
    return p;
  }

  /** Queues an echo request on {@code socket}. */
  public void ping(PingSocket socket, IpAddress destination, int sequence) {
    socket.request(sourceAddressFor(destination), destination, sequence);
  }

  /** Number of TCP connections the interface tracks (any state but finished). */
  public int tcpConnectionCount() {
    return tcpSockets.size();
  }

  private int ephemeralPort(IpAddress remote, int remotePort) {
    for (int attempt = 0; attempt < EPHEMERAL_COUNT; attempt++) {
      final int candidate = EPHEMERAL_FIRST + (nextEphemeral++ % EPHEMERAL_COUNT);
      boolean used = false;
      for (TcpSocket s : tcpSockets) {
        if (s.localPort() == candidate
            && s.remotePort() == remotePort
            && s.remoteAddress().equals(remote)) {
          used = true;
          break;
        }
      }
      if (!used) {
        return candidate;
      }
    }
    throw new IllegalStateException("no free ephemeral port towards " + remote + ":" + remotePort);
  }
}
