package io.weft.testing.property;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Counterexamples as text: arrays in full (bytes as hex), records and collections by element. */
final class Describe {
  private static final int MAX_CHARS = 4000;

  private Describe() {}

  static String of(Object value) {
    final String s = describe(value);
    return s.length() <= MAX_CHARS
        ? s
        : s.substring(0, MAX_CHARS) + "... (" + s.length() + " chars)";
  }

  private static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof byte[] b) {
      return "byte[" + b.length + "] " + HexFormat.of().formatHex(b);
    }
    if (v instanceof int[] a) {
      return Arrays.toString(a);
    }
    if (v instanceof long[] a) {
      return Arrays.toString(a);
    }
    if (v instanceof boolean[] a) {
      return Arrays.toString(a);
    }
    if (v instanceof Object[] a) {
      return describe(List.of(a));
    }
    if (v instanceof Iterable<?> it) {
      final List<String> parts = new ArrayList<>();
      it.forEach(e -> parts.add(describe(e)));
      return parts.toString();
    }
    if (v instanceof Map<?, ?> m) {
      final List<String> parts = new ArrayList<>();
      m.forEach((k, e) -> parts.add(describe(k) + "=" + describe(e)));
      return "{" + String.join(", ", parts) + "}";
    }
    if (v instanceof String s) {
      return '"' + s + '"';
    }
    if (v.getClass().isRecord()) {
      final List<String> parts = new ArrayList<>();
      for (RecordComponent c : v.getClass().getRecordComponents()) {
        parts.add(c.getName() + "=" + component(c, v));
      }
      return v.getClass().getSimpleName() + "[" + String.join(", ", parts) + "]";
    }
    return String.valueOf(v);
  }

  private static String component(RecordComponent c, Object record) {
    try {
      final var accessor = c.getAccessor();
      accessor.setAccessible(true);
      return describe(accessor.invoke(record));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return "?";
    }
  }
}
