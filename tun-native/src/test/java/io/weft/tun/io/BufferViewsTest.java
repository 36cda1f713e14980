package io.weft.tun.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class BufferViewsTest {

  @Test
  void shouldSpanADirectBuffersWholeCapacityWhateverItsPositionAndLimit() {
    final ByteBuffer b = ByteBuffer.allocateDirect(64);
    b.put(0, (byte) 1).put(63, (byte) 2).position(10).limit(20);

    final MemorySegment s = BufferViews.whole(b);

    assertThat(s.byteSize()).isEqualTo(64);
    assertThat(s.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 1);
    assertThat(s.get(ValueLayout.JAVA_BYTE, 63)).isEqualTo((byte) 2);
    assertThat(b.position()).isEqualTo(10);
    assertThat(b.limit()).isEqualTo(20);
  }

  @Test
  void shouldStartAHeapSliceAtItsArrayOffset() {
    final byte[] array = new byte[32];
    array[8] = 7;
    final ByteBuffer slice = ByteBuffer.wrap(array).position(8).slice().position(3);

    final MemorySegment s = BufferViews.whole(slice);

    assertThat(s.byteSize()).isEqualTo(24);
    assertThat(s.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 7);
  }

  @Test
  void shouldReadAReadOnlyHeapBuffer() {
    final ByteBuffer ro = ByteBuffer.wrap(new byte[] {4, 5, 6}).position(2).asReadOnlyBuffer();

    final MemorySegment s = BufferViews.whole(ro);

    assertThat(s.byteSize()).isEqualTo(3);
    assertThat(s.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 4);
  }
}
