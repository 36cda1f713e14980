package io.weft.tun.io;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Memory segments over a {@link ByteBuffer}'s whole capacity, whatever its position and limit.
 *
 * <p>Direct buffers become native segments (no copy); array-backed buffers become heap segments,
 * which only downcalls linked with {@code Linker.Option.critical(true)} accept. Read-only heap
 * buffers take a slower path that allocates.
 */
public final class BufferViews {
  private BufferViews() {}

  /** A segment over {@code [0, capacity)} of {@code buf}. */
  @SuppressWarnings("restricted") // reinterpret: the size is the buffer's own capacity
  public static MemorySegment whole(ByteBuffer buf) {
    if (buf.isDirect()) {
      // ofBuffer starts at the position; step back to the buffer's base address.
      final long base = MemorySegment.ofBuffer(buf).address() - buf.position();
      return MemorySegment.ofAddress(base).reinterpret(buf.capacity());
    }
    if (buf.hasArray()) {
      return MemorySegment.ofArray(buf.array()).asSlice(buf.arrayOffset(), buf.capacity());
    }
    return MemorySegment.ofBuffer(buf.duplicate().clear());
  }
}
