package io.weft.netstack.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StorageTest {

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static String dequeue(RingBuffer ring, int n) {
    ByteBuffer out = ByteBuffer.allocate(n);
    int got = ring.dequeue(out, 0, n);
    return new String(out.array(), 0, got, StandardCharsets.US_ASCII);
  }

  @Test
  void shouldWrapAroundTheEnd() {
    RingBuffer ring = new RingBuffer(8);
    assertThat(ring.enqueue(ascii("abcdef"), 0, 6)).isEqualTo(6);
    assertThat(dequeue(ring, 4)).isEqualTo("abcd");
    assertThat(ring.enqueue(ascii("ghijklmn"), 0, 8)).isEqualTo(6);
    assertThat(ring.isFull()).isTrue();
    assertThat(dequeue(ring, 8)).isEqualTo("efghijkl");
    assertThat(ring.isEmpty()).isTrue();
  }

  @Test
  void shouldPeekAtAnOffsetWithoutConsuming() {
    RingBuffer ring = new RingBuffer(8);
    ring.enqueue(ascii("xxxxx"), 0, 5);
    ring.discard(5);
    ring.enqueue(ascii("abcdefg"), 0, 7);
    ByteBuffer out = ByteBuffer.allocate(4);
    assertThat(ring.peek(2, out, 0, 4)).isEqualTo(4);
    assertThat(new String(out.array(), StandardCharsets.US_ASCII)).isEqualTo("cdef");
    assertThat(ring.length()).isEqualTo(7);
  }

  @Test
  void shouldCommitOutOfOrderWritesOnlyWhenTheGapFills() {
    RingBuffer ring = new RingBuffer(16);
    assertThat(ring.writeUnallocated(3, ascii("def"), 0, 3)).isEqualTo(3);
    assertThat(ring.length()).isZero();
    ring.writeUnallocated(0, ascii("abc"), 0, 3);
    ring.commit(6);
    assertThat(dequeue(ring, 16)).isEqualTo("abcdef");
  }

  @Test
  void shouldKeepOutOfOrderBytesWhenTheReaderEmptiesTheBuffer() {
    RingBuffer ring = new RingBuffer(16);
    ring.enqueue(ascii("abc"), 0, 3);
    ring.writeUnallocated(2, ascii("fg"), 0, 2);
    assertThat(dequeue(ring, 3)).isEqualTo("abc");
    ring.writeUnallocated(0, ascii("de"), 0, 2);
    ring.commit(4);
    assertThat(dequeue(ring, 16)).isEqualTo("defg");
  }

  @Test
  void shouldGrowLazilyKeepingWrittenAheadBytes() {
    RingBuffer ring = new RingBuffer(64, 4);
    assertThat(ring.allocated()).isEqualTo(4);
    ring.enqueue(ascii("abc"), 0, 3);
    assertThat(dequeue(ring, 2)).isEqualTo("ab");
    ring.writeUnallocated(3, ascii("ghij"), 0, 4);
    assertThat(ring.allocated()).isEqualTo(8);
    ring.writeUnallocated(0, ascii("def"), 0, 3);
    ring.commit(7);
    assertThat(dequeue(ring, 64)).isEqualTo("cdefghij");
    ring.enqueue(ascii("x".repeat(64)), 0, 64);
    assertThat(ring.allocated()).isEqualTo(64);
    assertThat(ring.isFull()).isTrue();
  }

  @Test
  void shouldMergeRangesAndReleaseTheFront() {
    Assembler a = new Assembler(4);
    assertThat(a.add(10, 5)).isTrue();
    assertThat(a.add(20, 5)).isTrue();
    assertThat(a.removeFront()).isZero();
    assertThat(a.add(15, 5)).isTrue();
    assertThat(a.toString()).isEqualTo("Assembler[[10,25)]");
    assertThat(a.add(0, 10)).isTrue();
    assertThat(a.removeFront()).isEqualTo(25);
    assertThat(a.isEmpty()).isTrue();
  }

  @Test
  void shouldRefuseANewRangeWhenFull() {
    Assembler a = new Assembler(2);
    a.add(10, 1);
    a.add(20, 1);
    assertThat(a.add(30, 1)).isFalse();
    assertThat(a.add(11, 9)).isTrue();
    assertThat(a.rangeCount()).isEqualTo(1);
  }
}
