package io.weft.netstack.iface;

import io.weft.netstack.storage.Assembler;
import io.weft.netstack.wire.IpProtocol;
import io.weft.netstack.wire.Ipv4Packet;
import io.weft.netstack.wire.Ipv6Packet;
import java.nio.ByteBuffer;

/**
 * Reassembles IPv4 fragments (RFC 791 section 3.2) and IPv6 fragments (RFC 8200 section 4.5) in a
 * fixed number of slots, each able to hold one datagram of up to 65,535 payload bytes. A datagram
 * is identified by source, destination, identification and (IPv4) protocol. Slots are allocated on
 * first use; when all are busy the oldest is evicted. A slot whose datagram is not complete by its
 * deadline is freed. The completed datagram is rebuilt without fragmentation fields: an IPv4 header
 * with MF and offset cleared, or a 40-byte IPv6 header whose Next Header is the fragment header's
 * (IPv6 fragments must follow the fixed header directly).
 */
final class Reassembler {
  /** Payload starts here in a slot so any header (at most 60 bytes) fits in front of it. */
  private static final int PAYLOAD_BASE = 60;

  private static final int MAX_PAYLOAD = 65535;

  private final Slot[] slots;
  private final long timeoutNanos;
  private final InterfaceStats stats;
  private final Ipv4Packet completeHeader = new Ipv4Packet();
  private int completeOffset;
  private Slot lastComplete;

  private static final class Slot {
    final ByteBuffer buffer = ByteBuffer.allocate(PAYLOAD_BASE + MAX_PAYLOAD);
    final Assembler ranges = new Assembler(16);
    boolean inUse;
    boolean v6;
    long sourceHi;
    long sourceLo;
    long destinationHi;
    long destinationLo;
    int protocol;
    int identification;
    int headerLength;
    int totalPayload;
    long deadline;
    long started;
  }

  Reassembler(int slotCount, long timeoutNanos, InterfaceStats stats) {
    this.slots = new Slot[slotCount];
    this.timeoutNanos = timeoutNanos;
    this.stats = stats;
  }

  /** Adds an IPv4 fragment; returns the whole datagram's length once complete, else 0. */
  int acceptV4(long now, Ipv4Packet f) {
    final int fragmentOffset = f.fragmentOffset();
    final int payloadLength = f.payloadLength();
    final Slot slot =
        check(fragmentOffset, payloadLength, f.moreFragments())
            ? slotFor(
                now, false, 0, f.source(), 0, f.destination(), f.protocol(), f.identification())
            : null;
    if (slot == null) {
      return 0;
    }
    if (fragmentOffset == 0) {
      slot.headerLength = f.headerLength();
      slot.buffer.put(PAYLOAD_BASE - slot.headerLength, f.buffer(), f.offset(), slot.headerLength);
    }
    return add(
        slot, f.buffer(), f.payloadOffset(), fragmentOffset, payloadLength, f.moreFragments());
  }

  /** Adds an IPv6 fragment whose fragment header directly follows the fixed header. */
  int acceptV6(long now, Ipv6Packet ip) {
    final ByteBuffer b = ip.buffer();
    final int fragmentHeader = ip.offset() + Ipv6Packet.HEADER_LENGTH;
    if (ip.nextHeader() != IpProtocol.IPV6_FRAGMENT) {
      stats.droppedUnsupported++;
      return 0;
    }
    final int offsetAndFlags = b.getShort(fragmentHeader + 2) & 0xFFFF;
    final int fragmentOffset = offsetAndFlags & 0xFFF8;
    final boolean more = (offsetAndFlags & 1) != 0;
    final int payloadOffset = fragmentHeader + 8;
    final int payloadLength =
        ip.offset() + Ipv6Packet.HEADER_LENGTH + ip.payloadLength() - payloadOffset;
    final Slot slot =
        check(fragmentOffset, payloadLength, more)
            ? slotFor(
                now,
                true,
                ip.sourceHi(),
                ip.sourceLo(),
                ip.destinationHi(),
                ip.destinationLo(),
                0,
                b.getInt(fragmentHeader + 4))
            : null;
    if (slot == null) {
      return 0;
    }
    if (fragmentOffset == 0) {
      slot.headerLength = Ipv6Packet.HEADER_LENGTH;
      slot.protocol = b.get(fragmentHeader) & 0xFF;
      slot.buffer.put(
          PAYLOAD_BASE - Ipv6Packet.HEADER_LENGTH, b, ip.offset(), Ipv6Packet.HEADER_LENGTH);
    }
    return add(slot, b, payloadOffset, fragmentOffset, payloadLength, more);
  }

  private boolean check(int fragmentOffset, int payloadLength, boolean more) {
    if (payloadLength < 0
        || fragmentOffset + payloadLength > MAX_PAYLOAD - Ipv4Packet.MIN_HEADER_LENGTH
        || (more && (payloadLength == 0 || payloadLength % 8 != 0))) {
      stats.reassemblyDropped++;
      return false;
    }
    return true;
  }

  private int add(
      Slot slot,
      ByteBuffer in,
      int payloadOffset,
      int fragmentOffset,
      int payloadLength,
      boolean more) {
    if (!slot.ranges.add(fragmentOffset, payloadLength)) {
      slot.inUse = false;
      stats.reassemblyDropped++;
      return 0;
    }
    slot.buffer.put(PAYLOAD_BASE + fragmentOffset, in, payloadOffset, payloadLength);
    if (!more) {
      slot.totalPayload = fragmentOffset + payloadLength;
    }
    if (slot.headerLength == 0
        || slot.totalPayload < 0
        || slot.ranges.rangeCount() != 1
        || slot.ranges.rangeStart(0) != 0
        || slot.ranges.rangeEnd(0) < slot.totalPayload) {
      return 0;
    }
    slot.inUse = false;
    completeOffset = PAYLOAD_BASE - slot.headerLength;
    final ByteBuffer b = slot.buffer;
    if (slot.v6) {
      b.putShort(completeOffset + Ipv6Packet.PAYLOAD_LENGTH_OFFSET, (short) slot.totalPayload);
      b.put(completeOffset + Ipv6Packet.NEXT_HEADER_OFFSET, (byte) slot.protocol);
    } else {
      final Ipv4Packet whole =
          completeHeader.wrap(b, completeOffset, slot.headerLength + slot.totalPayload);
      whole.setTotalLength(slot.headerLength + slot.totalPayload);
      whole.setFragment(false, 0);
    }
    stats.datagramsReassembled++;
    lastComplete = slot;
    return slot.headerLength + slot.totalPayload;
  }

  ByteBuffer completeBuffer() {
    return lastComplete.buffer;
  }

  int completeOffset() {
    return completeOffset;
  }

  private Slot slotFor(
      long now,
      boolean v6,
      long srcHi,
      long srcLo,
      long dstHi,
      long dstLo,
      int protocol,
      int identification) {
    Slot free = null;
    Slot oldest = null;
    for (int i = 0; i < slots.length; i++) {
      Slot s = slots[i];
      if (s == null) {
        if (free == null) {
          s = slots[i] = new Slot();
          free = s;
        }
        continue;
      }
      if (s.inUse
          && s.v6 == v6
          && s.sourceHi == srcHi
          && s.sourceLo == srcLo
          && s.destinationHi == dstHi
          && s.destinationLo == dstLo
          && (v6 || s.protocol == protocol)
          && s.identification == identification) {
        return s;
      }
      if (!s.inUse && free == null) {
        free = s;
      } else if (s.inUse && (oldest == null || s.started < oldest.started)) {
        oldest = s;
      }
    }
    if (free == null) {
      free = oldest;
      stats.reassemblyDropped++;
    }
    free.inUse = true;
    free.v6 = v6;
    free.sourceHi = srcHi;
    free.sourceLo = srcLo;
    free.destinationHi = dstHi;
    free.destinationLo = dstLo;
    free.protocol = protocol;
    free.identification = identification;
    free.headerLength = 0;
    free.totalPayload = -1;
    free.ranges.clear();
    free.started = now;
    free.deadline = now + timeoutNanos;
    return free;
  }

  /** Frees slots past their deadline. */
  void expire(long now) {
    for (Slot s : slots) {
      if (s != null && s.inUse && s.deadline <= now) {
        s.inUse = false;
        stats.reassemblyTimeouts++;
      }
    }
  }

  long nextDeadline() {
    long d = Long.MAX_VALUE;
    for (Slot s : slots) {
      if (s != null && s.inUse) {
        d = Math.min(d, s.deadline);
      }
    }
    return d;
  }
}
