package io.weft.testing.property;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The generators properties are built from. Number generators include their edge cases on purpose
 * (the bounds, 0, ±1 where in range) about one case in eight, and shrink towards 0 (or the bound
 * nearest to it); sizes favour small values as well as the bounds; lists and arrays shrink by
 * losing elements and towards zero elements.
 */
public final class Gens {
  /** How often a number generator picks one of its edge cases instead of a uniform value. */
  private static final int EDGE_ONE_IN = 8;

  private Gens() {}

  /** Always {@code value}. */
  public static <T> Gen<T> constant(T value) {
    return src -> value;
  }

  /** Any int. */
  public static Gen<Integer> ints() {
    return ints(Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  /** An int in {@code [min, max]}. */
  public static Gen<Integer> ints(int min, int max) {
    final Gen<Long> longs = longs(min, max);
    return src -> (int) (long) longs.generate(src);
  }

  /** Any long. */
  public static Gen<Long> longs() {
    return longs(Long.MIN_VALUE, Long.MAX_VALUE);
  }

  /**
   * A long in {@code [min, max]}. Choice 0 is the value nearest 0, and larger choices move away
   * from it alternately up and down, so shrinking a choice moves the value towards 0.
   */
  public static Gen<Long> longs(long min, long max) {
    if (min > max) {
      throw new IllegalArgumentException("min " + min + " > max " + max);
    }
    final Zigzag z = new Zigzag(min, max);
    final long[] edges =
        Arrays.stream(new long[] {min, max, 0, 1, -1, min + 1, max - 1})
            .filter(v -> v >= min && v <= max)
            .distinct()
            .map(z::choiceOf)
            .toArray();
    return src -> z.valueOf(src.choose(z.span, r -> pick(r, z.span, edges)));
  }

  /** True or false; shrinks to false. */
  public static Gen<Boolean> booleans() {
    return src -> src.choose(1) == 1;
  }

  /** A byte, uniform over all 256; shrinks towards 0. */
  public static Gen<Byte> bytes() {
    return src -> (byte) src.choose(255);
  }

  /** Byte arrays of exactly {@code length} bytes. */
  public static Gen<byte[]> byteArrays(int length) {
    return byteArrays(length, length);
  }

  /** Byte arrays of {@code min} to {@code max} bytes. */
  public static Gen<byte[]> byteArrays(int min, int max) {
    return byteArrays(bytes(), min, max);
  }

  /** Byte arrays of {@code min} to {@code max} bytes, each from {@code bytes}. */
  public static Gen<byte[]> byteArrays(Gen<Byte> bytes, int min, int max) {
    final Gen<List<Byte>> list = lists(bytes, min, max);
    return src -> {
      final List<Byte> l = list.generate(src);
      final byte[] out = new byte[l.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = l.get(i);
      }
      return out;
    };
  }

  /**
   * Lists of {@code min} to {@code max} elements. After the first {@code min} elements each further
   * one is preceded by a choice "one more" (1) or "end" (0), so shrinking deletes any element with
   * its choices, or ends the list early.
   */
  public static <T> Gen<List<T>> lists(Gen<T> element, int min, int max) {
    if (min < 0 || min > max) {
      throw new IllegalArgumentException("sizes " + min + ".." + max);
    }
    return src -> {
      final int target = src.generating() ? min + (int) pickSize(src.random(), max - min) : -1;
      final List<T> out = new ArrayList<>();
      while (out.size() < max) {
        if (out.size() >= min) {
          final boolean more = out.size() < target;
          if (src.choose(1, r -> more ? 1 : 0) == 0) {
            break;
          }
        }
        out.add(element.generate(src));
      }
      return out;
    };
  }

  /** One of the values; shrinks towards the first. */
  @SafeVarargs
  @SuppressWarnings("varargs")
  public static <T> Gen<T> of(T... values) {
    return of(List.of(values));
  }

  /** One of the values; shrinks towards the first. */
  public static <T> Gen<T> of(List<T> values) {
    final List<T> copy = List.copyOf(values);
    return src -> copy.get((int) src.choose(copy.size() - 1));
  }

  /** A value of one of the generators, each equally likely; shrinks towards the first. */
  @SafeVarargs
  @SuppressWarnings("varargs")
  public static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
    final List<Gen<? extends T>> copy = List.of(gens);
    return src -> copy.get((int) src.choose(copy.size() - 1)).generate(src);
  }

  /** A value of one of the generators, chosen with the given weights; shrinks towards the first. */
  @SafeVarargs
  @SuppressWarnings("varargs")
  public static <T> Gen<T> frequency(Map.Entry<Integer, Gen<? extends T>>... weighted) {
    final int[] cumulative = new int[weighted.length];
    int total = 0;
    for (int i = 0; i < weighted.length; i++) {
      total += weighted[i].getKey();
      cumulative[i] = total;
    }
    final int sum = total;
    final List<Map.Entry<Integer, Gen<? extends T>>> copy = List.of(weighted);
    return src -> {
      final int w = (int) src.choose(sum - 1);
      int i = 0;
      while (cumulative[i] <= w) {
        i++;
      }
      return copy.get(i).getValue().generate(src);
    };
  }

  /** A weighted alternative for {@link #frequency}. */
  public static <T> Map.Entry<Integer, Gen<? extends T>> weight(int weight, Gen<? extends T> gen) {
    if (weight <= 0) {
      throw new IllegalArgumentException("weight " + weight);
    }
    return Map.entry(weight, gen);
  }

  /** A weighted constant for {@link #frequency}. */
  public static <T> Map.Entry<Integer, Gen<? extends T>> weightOf(int weight, T value) {
    return weight(weight, constant(value));
  }

  /** Uniform, or now and then one of the edge choices. */
  private static long pick(RandomGenerator r, long span, long[] edges) {
    if (r.nextInt(EDGE_ONE_IN) == 0) {
      return edges[r.nextInt(edges.length)];
    }
    return Source.uniform(r, span);
  }

  /** A size in {@code [0, span]}: the bounds, small sizes and uniform ones, all often. */
  private static long pickSize(RandomGenerator r, int span) {
    return switch (r.nextInt(8)) {
      case 0 -> 0;
      case 1 -> span;
      case 2, 3 -> r.nextInt(Math.min(span, 10) + 1);
      default -> r.nextInt(span + 1);
    };
  }

  /** The zigzag order of {@code [min, max]} around the value nearest 0. */
  private static final class Zigzag {
    final long origin;
    final long span; // unsigned: max - min
    final long above; // unsigned: max - origin
    final long below; // unsigned: origin - min
    final long near; // unsigned: min(above, below)

    Zigzag(long min, long max) {
      origin = min > 0 ? min : Math.min(max, 0);
      span = max - min;
      above = max - origin;
      below = origin - min;
      near = Long.compareUnsigned(above, below) <= 0 ? above : below;
    }

    long valueOf(long choice) {
      if (Long.compareUnsigned(choice, 2 * near) <= 0) {
        // 0 → origin, then odd choices go up and even ones down: +1, -1, +2, -2 ...
        final long step = (choice >>> 1) + (choice & 1);
        return (choice & 1) == 1 ? origin + step : origin - step;
      }
      final long beyond = choice - 2 * near;
      return Long.compareUnsigned(above, below) > 0
          ? origin + near + beyond
          : origin - near - beyond;
    }

    long choiceOf(long value) {
      if (value >= origin) {
        final long d = value - origin;
        return Long.compareUnsigned(d, near) <= 0
            ? (d == 0 ? 0 : 2 * d - 1)
            : 2 * near + (d - near);
      }
      final long d = origin - value;
      return Long.compareUnsigned(d, near) <= 0 ? 2 * d : 2 * near + (d - near);
    }
  }
}
