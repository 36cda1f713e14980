package io.weft.agent.pipeline;

import io.weft.netstack.wire.IcmpEchoPacket;
import io.weft.netstack.wire.IpProtocol;
import io.weft.netstack.wire.Ipv4Packet;
import io.weft.netstack.wire.Ipv6Packet;
import io.weft.netstack.wire.TcpPacket;
import io.weft.netstack.wire.UdpPacket;
import io.weft.netstack.wire.WireStatus;
import java.nio.ByteBuffer;

/**
 * One packet crossing the {@link PacketPipeline}, parsed once with the netstack's flyweights
 * ({@code io.weft.netstack.wire}) and read by every hook. A flyweight: the pipeline owns one per
 * direction and re-points it at each packet, so a hook must not keep it (or its buffer) past its
 * call. Fields a packet does not have read as -1 (ports of an ICMP packet, say); a packet that is
 * not valid IP has {@link #version()} 0 and nothing else.
 */
public final class Packet {
  /** From a peer, decrypted, on its way to the OS or netstack. */
  public static final int INBOUND = 0;

  /** From the OS or netstack, on its way to a peer. */
  public static final int OUTBOUND = 1;

  private final int direction;
  private final Ipv4Packet ip4 = new Ipv4Packet();
  private final Ipv6Packet ip6 = new Ipv6Packet();
  private final TcpPacket tcp = new TcpPacket();
  private final UdpPacket udp = new UdpPacket();
  private final IcmpEchoPacket icmp = new IcmpEchoPacket();

  private ByteBuffer buffer;
  private int offset;
  private int length;
  private int version;
  private int protocol;
  private int source4;
  private int destination4;
  private long sourceHi;
  private long sourceLo;
  private long destinationHi;
  private long destinationLo;
  private int transportOffset;
  private int transportLength;
  private int sourcePort;
  private int destinationPort;
  private int tcpFlags;
  private int icmpType;
  private int icmpIdentifier;
  private int icmpSequence;

  Packet(int direction) {
    this.direction = direction;
  }

  /** Parses the IP packet at {@code buffer[offset, offset + length)}; never throws on garbage. */
  Packet parse(ByteBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    version = 0;
    protocol = -1;
    transportOffset = -1;
    transportLength = 0;
    sourcePort = -1;
    destinationPort = -1;
    tcpFlags = -1;
    icmpType = -1;
    icmpIdentifier = -1;
    icmpSequence = -1;
    source4 = 0;
    destination4 = 0;
    sourceHi = sourceLo = destinationHi = destinationLo = 0;
    if (length < 1) {
      return this;
    }
    final int v = (buffer.get(offset) & 0xff) >>> 4;
    if (v == 4) {
      if (ip4.wrap(buffer, offset, length).checkLength() != WireStatus.OK) {
        return this;
      }
      version = 4;
      protocol = ip4.protocol();
      source4 = ip4.source();
      destination4 = ip4.destination();
      if (ip4.fragmentOffset() != 0) {
        return this; // a later fragment: no transport header
      }
      transportOffset = ip4.payloadOffset();
      transportLength = ip4.payloadLength();
    } else if (v == 6) {
      final int status = ip6.wrap(buffer, offset, length).checkLength();
      if (status != WireStatus.OK && !(status == WireStatus.UNSUPPORTED && ip6.isFragment())) {
        return this;
      }
      version = 6;
      sourceHi = ip6.sourceHi();
      sourceLo = ip6.sourceLo();
      destinationHi = ip6.destinationHi();
      destinationLo = ip6.destinationLo();
      if (status != WireStatus.OK) {
        return this; // a fragment: for the receiver's reassembler
      }
      protocol = ip6.upperProtocol();
      transportOffset = ip6.upperOffset();
      transportLength = ip6.upperLength();
    } else {
      return this;
    }
    switch (protocol) {
      case IpProtocol.TCP -> {
        if (tcp.wrap(buffer, transportOffset, transportLength).checkLength() == WireStatus.OK) {
          sourcePort = tcp.sourcePort();
          destinationPort = tcp.destinationPort();
          tcpFlags = tcp.flags();
        }
      }
      case IpProtocol.UDP -> {
        if (udp.wrap(buffer, transportOffset, transportLength).checkLength() == WireStatus.OK) {
          sourcePort = udp.sourcePort();
          destinationPort = udp.destinationPort();
        }
      }
      case IpProtocol.ICMP, IpProtocol.ICMPV6 -> {
        if (icmp.wrap(buffer, transportOffset, transportLength).checkLength() == WireStatus.OK) {
          icmpType = icmp.type();
          icmpIdentifier = icmp.identifier();
          icmpSequence = icmp.sequence();
        }
      }
      default -> {}
    }
    return this;
  }

  /** {@link #INBOUND} or {@link #OUTBOUND}. */
  public int direction() {
    return direction;
  }

  /** The buffer the packet is in (valid during the hook call only). */
  public ByteBuffer buffer() {
    return buffer;
  }

  /** Absolute index of the IP header in {@link #buffer()}. */
  public int offset() {
    return offset;
  }

  /** Bytes of the packet. */
  public int length() {
    return length;
  }

  /** 4 or 6; 0 when the bytes are not a valid IP header. */
  public int version() {
    return version;
  }

  /** The upper-layer protocol ({@link IpProtocol}), or -1. */
  public int protocol() {
    return protocol;
  }

  /** IPv4 source address (only when {@link #version()} is 4). */
  public int source4() {
    return source4;
  }

  /** IPv4 destination address (only when {@link #version()} is 4). */
  public int destination4() {
    return destination4;
  }

  /** IPv6 source, high 64 bits. */
  public long sourceHi() {
    return sourceHi;
  }

  /** IPv6 source, low 64 bits. */
  public long sourceLo() {
    return sourceLo;
  }

  /** IPv6 destination, high 64 bits. */
  public long destinationHi() {
    return destinationHi;
  }

  /** IPv6 destination, low 64 bits. */
  public long destinationLo() {
    return destinationLo;
  }

  /** Absolute index of the transport header, or -1 (not IP, or a later fragment). */
  public int transportOffset() {
    return transportOffset;
  }

  /** Bytes from the transport header to the end of the IP payload. */
  public int transportLength() {
    return transportLength;
  }

  /** TCP or UDP source port, or -1. */
  public int sourcePort() {
    return sourcePort;
  }

  /** TCP or UDP destination port, or -1. */
  public int destinationPort() {
    return destinationPort;
  }

  /** TCP flags, or -1. */
  public int tcpFlags() {
    return tcpFlags;
  }

  /** ICMP or ICMPv6 type, or -1. */
  public int icmpType() {
    return icmpType;
  }

  /** ICMP echo identifier (meaningful for echo messages), or -1. */
  public int icmpIdentifier() {
    return icmpIdentifier;
  }

  /** ICMP echo sequence number (meaningful for echo messages), or -1. */
  public int icmpSequence() {
    return icmpSequence;
  }
}
