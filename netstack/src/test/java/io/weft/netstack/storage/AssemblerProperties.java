package io.weft.netstack.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.property.Gen;
import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The assembler against a bitmap model: same ranges, same contiguous prefix. */
class AssemblerProperties {
  record Op(int offset, int length, boolean release) {}

  static Gen<List<Op>> ops() {
    Gen<Integer> offsets = Gens.ints(0, 200);
    Gen<Integer> lengths = Gens.ints(0, 40);
    Gen<Boolean> releases = Gens.ints(0, 9).map(i -> i == 0);
    Gen<Op> op =
        src -> new Op(offsets.generate(src), lengths.generate(src), releases.generate(src));
    return op.list(60);
  }

  @Test
  void shouldMatchABitmapModel() {
    Property.forAll(ops()).tries(500).check(AssemblerProperties::matchesABitmapModel);
  }

  private static void matchesABitmapModel(List<Op> ops) {
    Assembler assembler = new Assembler(8);
    boolean[] model = new boolean[4096];
    int base = 0;
    for (Op op : ops) {
      if (op.release()) {
        int n = assembler.removeFront();
        int expected = 0;
        while (model[base + expected]) {
          expected++;
        }
        // removeFront only releases when a range starts exactly at 0.
        assertThat(n).isEqualTo(expected);
        base += n;
        continue;
      }
      boolean accepted = assembler.add(op.offset(), op.length());
      if (accepted) {
        for (int i = 0; i < op.length(); i++) {
          model[base + op.offset() + i] = true;
        }
      }
      assertRangesMatch(assembler, model, base);
    }
  }

  private static void assertRangesMatch(Assembler a, boolean[] model, int base) {
    int range = 0;
    int i = 0;
    while (base + i < model.length) {
      if (!model[base + i]) {
        i++;
        continue;
      }
      int start = i;
      while (base + i < model.length && model[base + i]) {
        i++;
      }
      assertThat(range).isLessThan(a.rangeCount());
      assertThat(a.rangeStart(range)).isEqualTo(start);
      assertThat(a.rangeEnd(range)).isEqualTo(i);
      range++;
    }
    assertThat(a.rangeCount()).isEqualTo(range);
  }

  @Test
  void shouldReadBackWhatWasWrittenAcrossWraps() {
    Property.forAll(chunks()).tries(300).check(AssemblerProperties::readsBackAcrossWraps);
  }

  private static void readsBackAcrossWraps(List<Integer> chunks) {
    RingBuffer ring = new RingBuffer(97, 4);
    ByteBuffer in = ByteBuffer.allocate(200);
    ByteBuffer out = ByteBuffer.allocate(200);
    int written = 0;
    int read = 0;
    for (int c : chunks) {
      if (c > 0) {
        for (int i = 0; i < c; i++) {
          in.put(i, (byte) (written + i));
        }
        written += ring.enqueue(in, 0, c);
      } else {
        int n = ring.dequeue(out, 0, -c);
        for (int i = 0; i < n; i++) {
          assertThat(out.get(i)).isEqualTo((byte) (read + i));
        }
        read += n;
      }
      assertThat(ring.length()).isEqualTo(written - read);
    }
  }

  static Gen<List<Integer>> chunks() {
    return Gens.ints(-150, 150).list(50);
  }
}
