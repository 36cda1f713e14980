package io.weft.tun.linux;

import io.weft.tun.io.BufferViews;
import io.weft.tun.offload.GroCoalescer;
import io.weft.tun.offload.GsoSplitter;
import io.weft.tun.offload.VirtioNetHdr;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state of a {@link LinuxTun} with offloads: the read buffer a super-packet lands in and the
 * segments of it not yet handed out (guarded by {@link #readLock}), the frame buffer super-packets
 * are built in (guarded by {@link #writeLock}), and views of the caller's buffers, remembered per
 * batch slot so that a caller passing the same buffers every time (as the WireGuard device does)
 * costs no allocation.
 */
final class TunOffload {
  final ReentrantLock readLock = new ReentrantLock();
  final ReentrantLock writeLock = new ReentrantLock();

  /** A header and the largest packet, plus slack. */
  final MemorySegment readBuffer;

  final GsoSplitter splitter = new GsoSplitter();
  final GroCoalescer coalescer;

  private final BufferViews.Cache readViews = new BufferViews.Cache();

  private ByteBuffer[] writeBufs = new ByteBuffer[0];
  private MemorySegment[] writeWhole = new MemorySegment[0];
  MemorySegment[] segments = new MemorySegment[0];
  long[] offsets = new long[0];
  int[] lengths = new int[0];

  private final LongAdder drops = new LongAdder();

  TunOffload() {
    final Arena arena = Arena.ofAuto();
    readBuffer = arena.allocate(VirtioNetHdr.SIZE + GroCoalescer.MAX_PACKET + 64, 8);
    coalescer = new GroCoalescer(arena.allocate(GroCoalescer.FRAME_CAPACITY, 8));
  }

  /** The room of {@code buf} from {@code offset} on, for slot {@code slot} of a read batch. */
  MemorySegment readView(int slot, ByteBuffer buf, int offset) {
    return readViews.view(slot, buf, offset);
  }

  /** Fills {@link #segments}, {@link #offsets} and {@link #lengths} for a write batch. */
  void prepareWrite(ByteBuffer[] bufs, int count, int offset) {
    if (count > writeBufs.length) {
      final int n = Math.max(count, writeBufs.length * 2);
      writeBufs = java.util.Arrays.copyOf(writeBufs, n);
      writeWhole = java.util.Arrays.copyOf(writeWhole, n);
      segments = new MemorySegment[n];
      offsets = new long[n];
      lengths = new int[n];
    }
    for (int i = 0; i < count; i++) {
      final ByteBuffer b = bufs[i];
      if (writeBufs[i] != b) {
        writeBufs[i] = b;
        writeWhole[i] = BufferViews.whole(b);
      }
      segments[i] = writeWhole[i];
      offsets[i] = offset;
      lengths[i] = b.limit() - offset;
    }
  }

  /** Forgets the batch's segments (the views stay cached). */
  void releaseWrite(int count) {
    java.util.Arrays.fill(segments, 0, Math.min(count, segments.length), null);
  }

  private final LongAdder rejects = new LongAdder();

  void reject(int packets) {
    rejects.add(packets);
  }

  long rejects() {
    return rejects.sum();
  }

  void drop() {
    drops.increment();
  }

  long drops() {
    return drops.sum();
  }

  long merged() {
    writeLock.lock();
    try {
      return coalescer.merged();
    } finally {
      writeLock.unlock();
    }
  }
}
