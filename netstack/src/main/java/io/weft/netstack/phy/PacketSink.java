package io.weft.netstack.phy;

import java.nio.ByteBuffer;

/**
 * Where a stack's outgoing IP packets go. The packet is bytes {@code [offset, offset + length)}
 * of {@code buffer}, which the caller reuses as soon as this returns: implementations copy.
 */
@FunctionalInterface
public interface PacketSink {
    void send(ByteBuffer buffer, int offset, int length);
}
