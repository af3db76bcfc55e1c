package org.pudle.spark.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.pudle.kernels.data.Seeds;

/**
 * The held-out samples of {@code validation.fraction}: sample {@code i} (its global index in the
 * source) is held out when a uniform value drawn from (seed, {@link Seeds#VALIDATION}, i) is below
 * the fraction, so the split depends on the index alone, never on the partitioning or the blocks.
 * The samples keep their order (nothing is shuffled).
 *
 * <p>{@link #training} and {@link #heldOut} cut a block RDD into two, each numbered from 0 in
 * input order: training sample {@code j} is the j-th sample that is not held out, so that the
 * mini-batches, D0 from samples, {@code lambda.relative} and the data transform of a run see a
 * source of {@link #trainingCount} samples, as if the held-out ones were not in the input. The
 * renumbering needs the number of held-out samples before a block's first index: counts per chunk
 * of {@link #chunk} indices are computed once by a Spark job over index ranges (no data is read),
 * and a task counts at most one chunk itself.
 */
public final class HeldOut implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The fewest indices per counted chunk; larger inputs get larger chunks (at most 65536 chunks). */
  static final long MIN_CHUNK = 1L << 16;

  private final double fraction;
  private final long seed;
  private final long n;
  private final long chunk;
  /** {@code before[k]}: held-out samples among indices {@code [0, k * chunk)}; the last entry is the total. */
  private final long[] before;

  private HeldOut(double fraction, long seed, long n, long chunk, long[] before) {
    this.fraction = fraction;
    this.seed = seed;
    this.n = n;
    this.chunk = chunk;
    this.before = before;
  }

  /**
   * The split of {@code n} samples.
   *
   * @param fraction in (0, 1)
   */
  public static HeldOut of(JavaSparkContext sc, long n, double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("held-out fraction: expected (0, 1), got " + fraction);
    }
    long chunk = Math.max(MIN_CHUNK, (n + MIN_CHUNK - 1) / MIN_CHUNK);
    int chunks = (int) ((n + chunk - 1) / chunk);
    List<Long> starts = new ArrayList<>(chunks);
    for (int k = 0; k < chunks; k++) {
      starts.add(k * chunk);
    }
    long total = n;
    long c = chunk;
    List<Long> counts = chunks <= 1 ? List.of(count(fraction, seed, 0, n))
        : sc.parallelize(starts, Math.max(1, Math.min(chunks, sc.defaultParallelism())))
            .map(s -> count(fraction, seed, s, Math.min(s + c, total))).collect();
    long[] before = new long[chunks + 1];
    for (int k = 0; k < chunks; k++) {
      before[k + 1] = before[k] + counts.get(k);
    }
    return new HeldOut(fraction, seed, n, chunk, before);
  }

  /** Whether sample {@code index} is held out. */
  public boolean contains(long index) {
    return held(fraction, seed, index);
  }

  static boolean held(double fraction, long seed, long index) {
    return (Seeds.derive(seed, Seeds.VALIDATION, index) >>> 11) * 0x1.0p-53 < fraction;
  }

  private static long count(double fraction, long seed, long from, long to) {
    long c = 0;
    for (long i = from; i < to; i++) {
      if (held(fraction, seed, i)) {
        c++;
      }
    }
    return c;
  }

  /** The held-out samples among the indices {@code [0, index)}. */
  public long heldBefore(long index) {
    if (index < 0 || index > n) {
      throw new IllegalArgumentException("index " + index + " outside [0, " + n + "]");
    }
    int k = (int) (index / chunk);
    if (k >= before.length - 1) {
      return before[before.length - 1];
    }
    return before[k] + count(fraction, seed, k * chunk, index);
  }

  public double fraction() {
    return fraction;
  }

  /** The number of samples split. */
  public long count() {
    return n;
  }

  /** The number of held-out samples. */
  public long heldOutCount() {
    return before[before.length - 1];
  }

  /** The number of samples left for training. */
  public long trainingCount() {
    return n - heldOutCount();
  }

  /** The samples not held out, numbered from 0 in input order (blocks keep their samples' order). */
  public JavaRDD<SampleBlock> training(JavaRDD<SampleBlock> blocks) {
    return cut(blocks, false);
  }

  /** The held-out samples, numbered from 0 in input order. */
  public JavaRDD<SampleBlock> heldOut(JavaRDD<SampleBlock> blocks) {
    return cut(blocks, true);
  }

  private JavaRDD<SampleBlock> cut(JavaRDD<SampleBlock> blocks, boolean keepHeld) {
    HeldOut split = this;
    return blocks.mapPartitions(it -> new Cut(it, split, keepHeld), true);
  }

  /** A partition's blocks with only the wanted samples, renumbered; blocks left empty are dropped. */
  private static final class Cut implements Iterator<SampleBlock> {
    private final Iterator<SampleBlock> blocks;
    private final HeldOut split;
    private final boolean keepHeld;
    /** The input index after the last block seen, and the held-out samples before it; -1 before the first. */
    private long nextIndex = -1;
    private long heldSoFar;
    private SampleBlock next;

    Cut(Iterator<SampleBlock> blocks, HeldOut split, boolean keepHeld) {
      this.blocks = blocks;
      this.split = split;
      this.keepHeld = keepHeld;
    }

    @Override
    public boolean hasNext() {
      while (next == null && blocks.hasNext()) {
        next = cut(blocks.next());
      }
      return next != null;
    }

    @Override
    public SampleBlock next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      SampleBlock b = next;
      next = null;
      return b;
    }

    private SampleBlock cut(SampleBlock b) {
      if (b.first() != nextIndex) {
        heldSoFar = split.heldBefore(b.first());
      }
      long heldBefore = heldSoFar;
      int m = b.m();
      int k = b.k();
      boolean[] keep = new boolean[b.cols()];
      int kept = 0;
      for (int c = 0; c < b.cols(); c++) {
        boolean held = split.contains(b.first() + c);
        if (held) {
          heldSoFar++;
        }
        keep[c] = held == keepHeld;
        if (keep[c]) {
          kept++;
        }
      }
      nextIndex = b.first() + b.cols();
      if (kept == 0) {
        return null;
      }
      double[] x = new double[m * kept];
      int[] support = b.hasTrueCodes() ? new int[k * kept] : null;
      double[] amplitude = b.hasTrueCodes() ? new double[k * kept] : null;
      int j = 0;
      for (int c = 0; c < b.cols(); c++) {
        if (keep[c]) {
          System.arraycopy(b.x(), c * m, x, j * m, m);
          if (support != null) {
            System.arraycopy(b.support(), c * k, support, j * k, k);
            System.arraycopy(b.amplitude(), c * k, amplitude, j * k, k);
          }
          j++;
        }
      }
      long first = keepHeld ? heldBefore : b.first() - heldBefore;
      return new SampleBlock(first, m, kept, x, support == null ? 0 : k, support, amplitude);
    }
  }
}
