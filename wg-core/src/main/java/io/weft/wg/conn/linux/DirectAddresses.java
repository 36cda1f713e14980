package io.weft.wg.conn.linux;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The base addresses of the direct buffers last seen in each slot of a batch. Asking the JDK for a
 * direct buffer's address ({@link MemorySegment#ofBuffer}) allocates a segment and a scope each
 * time; callers reuse their buffers, so one look-up per buffer is enough.
 *
 * <p>Holds the buffers it has seen, so their memory stays valid; a buffer over an arena that the
 * caller closes must not be passed again (it would fail anyway).
 */
final class DirectAddresses {
  private final ByteBuffer[] buffers;
  private final long[] addresses;

  DirectAddresses(int slots) {
    buffers = new ByteBuffer[slots];
    addresses = new long[slots];
  }

  /** The address of byte 0 of direct buffer {@code b}, seen in slot {@code slot}. */
  long base(int slot, ByteBuffer b) {
    if (buffers[slot] != b) {
      addresses[slot] = MemorySegment.ofBuffer(b).address() - b.position();
      buffers[slot] = b;
    }
    return addresses[slot];
  }
}
