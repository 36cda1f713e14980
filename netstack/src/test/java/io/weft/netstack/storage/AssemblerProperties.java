package io.weft.netstack.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The assembler against a bitmap model: same ranges, same contiguous prefix. */
class AssemblerProperties {
    record Op(int offset, int length, boolean release) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        return Combinators.combine(Arbitraries.integers().between(0, 200), Arbitraries.integers().between(0, 40),
                Arbitraries.integers().between(0, 9).map(i -> i == 0)).as(Op::new).list().ofMaxSize(60);
    }

    @Property(tries = 500)
    void shouldMatchABitmapModel(@ForAll("ops") List<Op> ops) {
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

    @Property(tries = 300)
    void shouldReadBackWhatWasWrittenAcrossWraps(@ForAll("chunks") List<Integer> chunks) {
        RingBuffer ring = new RingBuffer(97, 4);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(200);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(200);
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

    @Provide
    Arbitrary<List<Integer>> chunks() {
        return Arbitraries.integers().between(-150, 150).list().ofMaxSize(50);
    }
}
