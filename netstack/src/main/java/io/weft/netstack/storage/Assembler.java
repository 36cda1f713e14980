package io.weft.netstack.storage;

/**
 * Tracks which byte ranges beyond a stream's contiguous point have arrived. Offsets are relative to
 * that point (for TCP, RCV.NXT). Ranges are kept sorted, disjoint and non-adjacent in fixed arrays,
 * so adding never allocates; when a new range would need more than {@link #maxRanges()} entries,
 * {@link #add} refuses it and the segment is dropped (the peer retransmits it).
 */
public final class Assembler {
  private final int[] starts;
  private final int[] ends;
  private int count;

  public Assembler(int maxRanges) {
    this.starts = new int[maxRanges];
    this.ends = new int[maxRanges];
  }

  public int maxRanges() {
    return starts.length;
  }

  /** Number of disjoint ranges held. */
  public int rangeCount() {
    return count;
  }

  public int rangeStart(int i) {
    return starts[i];
  }

  public int rangeEnd(int i) {
    return ends[i];
  }

  public boolean isEmpty() {
    return count == 0;
  }

  public void clear() {
    count = 0;
  }

  /**
   * Records {@code [offset, offset + length)}. Returns false (and changes nothing) when the range
   * table is full and the range would add a new entry.
   */
  public boolean add(int offset, int length) {
    if (length <= 0) {
      return true;
    }
    final int end = offset + length;
    // First range that ends at or after offset: everything before it stays.
    int first = 0;
    while (first < count && ends[first] < offset) {
      first++;
    }
    // Ranges [first, last) touch or overlap the new one and merge into it.
    int last = first;
    while (last < count && starts[last] <= end) {
      last++;
    }
    if (first == last) {
      if (count == starts.length) {
        return false;
      }
      System.arraycopy(starts, first, starts, first + 1, count - first);
      System.arraycopy(ends, first, ends, first + 1, count - first);
      starts[first] = offset;
      ends[first] = end;
      count++;
      return true;
    }
    final int mergedStart = Math.min(offset, starts[first]);
    final int mergedEnd = Math.max(end, ends[last - 1]);
    starts[first] = mergedStart;
    ends[first] = mergedEnd;
    final int removed = last - first - 1;
    if (removed > 0) {
      System.arraycopy(starts, last, starts, first + 1, count - last);
      System.arraycopy(ends, last, ends, first + 1, count - last);
      count -= removed;
    }
    return true;
  }

  /**
   * If a range starts at offset 0, removes it, shifts the others down by its length and returns
   * that length (the bytes now contiguous); otherwise returns 0.
   */
  public int removeFront() {
    if (count == 0 || starts[0] != 0) {
      return 0;
    }
    final int n = ends[0];
    System.arraycopy(starts, 1, starts, 0, count - 1);
    System.arraycopy(ends, 1, ends, 0, count - 1);
    count--;
    shift(n);
    return n;
  }

  /** Moves the contiguous point forward by {@code n} bytes, dropping what falls before it. */
  public void shift(int n) {
    int w = 0;
    for (int i = 0; i < count; i++) {
      final int s = Math.max(0, starts[i] - n);
      final int e = ends[i] - n;
      if (e > 0) {
        starts[w] = s;
        ends[w] = e;
        w++;
      }
    }
    count = w;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Assembler[");
    for (int i = 0; i < count; i++) {
      sb.append(i == 0 ? "" : " ")
          .append('[')
          .append(starts[i])
          .append(',')
          .append(ends[i])
          .append(')');
    }
    return sb.append(']').toString();
  }
}
