package io.weft.tun.io;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;

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

  /**
   * Views of a batch's buffers from one offset on, one per slot, kept while the caller passes the
   * same buffers again (devices reuse theirs), so a steady batch loop allocates nothing.
   */
  public static final class Cache {
    private ByteBuffer[] bufs = new ByteBuffer[0];
    private MemorySegment[] views = new MemorySegment[0];
    private int offset = -1;

    /** The room of {@code buf} from {@code offset} on, for slot {@code slot} of a batch. */
    public MemorySegment view(int slot, ByteBuffer buf, int offset) {
      if (slot >= bufs.length) {
        final int n = Math.max(slot + 1, bufs.length * 2);
        bufs = Arrays.copyOf(bufs, n);
        views = Arrays.copyOf(views, n);
      }
      if (offset != this.offset) {
        Arrays.fill(bufs, null);
        this.offset = offset;
      }
      if (bufs[slot] != buf) {
        bufs[slot] = buf;
        views[slot] = whole(buf).asSlice(offset);
      }
      return views[slot];
    }
  }
}
