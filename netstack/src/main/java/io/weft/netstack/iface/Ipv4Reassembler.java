package io.weft.netstack.iface;

import io.weft.netstack.storage.Assembler;
import io.weft.netstack.wire.Ipv4Packet;
import java.nio.ByteBuffer;

/**
 * Reassembles IPv4 fragments (RFC 791 section 3.2) in a fixed number of slots, each able to hold
 * one datagram of up to 65,535 bytes. A datagram is identified by source, destination, protocol
 * and identification. Slots are allocated on first use; when all are busy the oldest is evicted.
 * A slot whose datagram is not complete by its deadline is freed.
 */
final class Ipv4Reassembler {
    /** Payload starts here in a slot so any header (at most 60 bytes) fits in front of it. */
    private static final int PAYLOAD_BASE = 60;
    private static final int MAX_PAYLOAD = Ipv4Packet.MAX_TOTAL_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH;

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
        int source;
        int destination;
        int protocol;
        int identification;
        int headerLength;
        int totalPayload;
        long deadline;
        long started;
    }

    Ipv4Reassembler(int slotCount, long timeoutNanos, InterfaceStats stats) {
        this.slots = new Slot[slotCount];
        this.timeoutNanos = timeoutNanos;
        this.stats = stats;
    }

    /**
     * Adds one fragment. When it completes a datagram, returns that datagram's length; the
     * datagram then lies in {@link #completeBuffer()} from {@link #completeOffset()}. Otherwise 0.
     */
    int accept(long now, Ipv4Packet fragment) {
        final int fragmentOffset = fragment.fragmentOffset();
        final int payloadLength = fragment.payloadLength();
        if (fragmentOffset + payloadLength > MAX_PAYLOAD
                || (fragment.moreFragments() && (payloadLength == 0 || payloadLength % 8 != 0))) {
            stats.reassemblyDropped++;
            return 0;
        }
        final Slot slot = slotFor(now, fragment);
        final ByteBuffer in = fragment.buffer();
        if (!slot.ranges.add(fragmentOffset, payloadLength)) {
            slot.inUse = false;
            stats.reassemblyDropped++;
            return 0;
        }
        slot.buffer.put(PAYLOAD_BASE + fragmentOffset, in, fragment.payloadOffset(), payloadLength);
        if (fragmentOffset == 0) {
            slot.headerLength = fragment.headerLength();
            slot.buffer.put(PAYLOAD_BASE - slot.headerLength, in, fragment.offset(), slot.headerLength);
        }
        if (!fragment.moreFragments()) {
            slot.totalPayload = fragmentOffset + payloadLength;
        }
        if (slot.headerLength == 0 || slot.totalPayload < 0 || slot.ranges.rangeCount() != 1
                || slot.ranges.rangeStart(0) != 0 || slot.ranges.rangeEnd(0) < slot.totalPayload) {
            return 0;
        }
        slot.inUse = false;
        completeOffset = PAYLOAD_BASE - slot.headerLength;
        final Ipv4Packet whole = completeHeader.wrap(slot.buffer, completeOffset, slot.headerLength + slot.totalPayload);
        whole.setTotalLength(slot.headerLength + slot.totalPayload);
        whole.setFragment(false, 0);
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

    private Slot slotFor(long now, Ipv4Packet f) {
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
            if (s.inUse && s.source == f.source() && s.destination == f.destination() && s.protocol == f.protocol()
                    && s.identification == f.identification()) {
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
        free.source = f.source();
        free.destination = f.destination();
        free.protocol = f.protocol();
        free.identification = f.identification();
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
