package org.pudle.kernels.study;

import java.io.Serializable;
import java.util.Arrays;
import java.util.TreeSet;

/**
 * The unfolding depths {@code t} at which a gradient study reads out its numbers: strictly
 * increasing, from 1 to at most {@code T}, the depth of the one forward pass.
 *
 * <p>The ae gradients at depth t cost a backward pass of t layers, so a study costs about
 * {@code 4 p^2 sum(t)} flops per sample and ae kind on top of the {@code 2 p^2 T} of the forward
 * pass; {@link #sum()} is that sum.
 */
public final class DepthGrid implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int[] depths;

  private DepthGrid(int[] depths) {
    this.depths = depths;
  }

  /** The given depths, sorted and de-duplicated; each at least 1. */
  public static DepthGrid of(int... depths) {
    if (depths.length == 0) {
      throw new IllegalArgumentException("depth grid: expected at least one depth");
    }
    TreeSet<Integer> s = new TreeSet<>();
    for (int t : depths) {
      if (t < 1) {
        throw new IllegalArgumentException("depth grid: expected depths >= 1, got " + t);
      }
      s.add(t);
    }
    return new DepthGrid(s.stream().mapToInt(Integer::intValue).toArray());
  }

  /**
   * Every depth {@code 1 .. min(dense, T)}, then {@code logCount} depths spaced evenly in
   * {@code log t} from {@code dense} to {@code T} (rounded; the last is T). The default,
   * {@code standard(200, 20, 10)}: 1..20, 25, 32, 40, 50, 63, 80, 100, 126, 159, 200 (30 depths,
   * summing to 1085).
   */
  public static DepthGrid standard(int T, int dense, int logCount) {
    if (T < 1 || dense < 1 || logCount < 0) {
      throw new IllegalArgumentException("depth grid: expected T, dense >= 1 and logCount >= 0, got T = " + T
          + ", dense = " + dense + ", logCount = " + logCount);
    }
    TreeSet<Integer> s = new TreeSet<>();
    int top = Math.min(dense, T);
    for (int t = 1; t <= top; t++) {
      s.add(t);
    }
    if (T > top && logCount > 0) {
      double ratio = Math.log((double) T / top) / logCount;
      for (int i = 1; i <= logCount; i++) {
        s.add((int) Math.min(T, Math.round(top * Math.exp(ratio * i))));
      }
      s.add(T);
    }
    return new DepthGrid(s.stream().mapToInt(Integer::intValue).toArray());
  }

  /** The number of depths. */
  public int size() {
    return depths.length;
  }

  /** The depth at position {@code i}. */
  public int depth(int i) {
    return depths[i];
  }

  /** The deepest depth: the layers of the forward pass. */
  public int max() {
    return depths[depths.length - 1];
  }

  /** The position of depth {@code t}, or -1. */
  public int indexOf(int t) {
    int i = Arrays.binarySearch(depths, t);
    return i >= 0 ? i : -1;
  }

  /** The sum of the depths: the backward layers per sample and ae kind. */
  public long sum() {
    long s = 0;
    for (int t : depths) {
      s += t;
    }
    return s;
  }

  /** A copy of the depths. */
  public int[] toArray() {
    return depths.clone();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < depths.length; i++) {
      sb.append(i > 0 ? "," : "").append(depths[i]);
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DepthGrid && Arrays.equals(depths, ((DepthGrid) o).depths);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(depths);
  }
}
