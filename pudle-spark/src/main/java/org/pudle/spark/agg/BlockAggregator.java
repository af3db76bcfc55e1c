package org.pudle.spark.agg;

import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.GradientSums;
import org.pudle.spark.data.SampleBlock;

/**
 * A {@link SumAggregator} of sample blocks, m x p sums over a dictionary broadcast: a subclass
 * says what a block of samples adds ({@link #accumulate}).
 *
 * <p>With a mini-batch, a block holds only a few of the batch's samples (a batch of 50 out of
 * 5e4 samples in blocks of 1024 puts about one sample in each block), and a kernel call on one
 * column runs its GEMMs as matrix-vector products, ten times slower. So the batch's samples are
 * gathered across the blocks of a partition and handed to {@link #accumulate} together, at least
 * {@value #GATHER_COLUMNS} columns at a time; the rest is added at the latest by {@link #merge} or
 * {@link #sums()}. Spark's {@code treeAggregate} merges every partition's aggregator on the
 * executor that built it, so the kernels never run on the driver.
 *
 * @param <A> the subclass, returned by {@code add} and {@code merge} for chaining
 */
public abstract class BlockAggregator<A extends BlockAggregator<A>> extends SumAggregator<SampleBlock, A> {
  private static final long serialVersionUID = 1L;

  /** The dictionary of this update, m x p. */
  protected final Broadcast<double[]> dictionary;
  protected final int m;
  protected final int p;
  /** The fewest gathered batch columns handed to one {@link #accumulate} call (fewer at the end). */
  public static final int GATHER_COLUMNS = 1024;

  /** The batch's samples gathered but not yet accumulated, m x capacity; null when none. */
  private double[] pending;
  private int pendingCols;

  /**
   * @param batch the samples of this update, or null for all of them
   */
  protected BlockAggregator(Broadcast<double[]> dictionary, int m, int p, BatchSelection batch) {
    super(dictionary, m, p, batch);
    this.dictionary = dictionary;
    this.m = m;
    this.p = p;
  }

  /**
   * Adds the block's samples (or those in the batch) to {@code sums}.
   *
   * @param x    the samples, m x cols column-major from offset 0; not modified
   * @param cols at least 1
   */
  protected abstract void accumulate(double[] x, int cols, GradientSums sums);

  @Override
  protected final void addTo(SampleBlock block) {
    if (block.m() != m) {
      throw new IllegalArgumentException("sample block starting at sample " + block.first() + " has m = " + block.m()
          + ", the dictionary has m = " + m);
    }
    GradientSums sums = target();
    if (!batched()) {
      run(block.x(), block.cols(), sums);
      return;
    }
    double[] x = block.x();
    for (int c = 0; c < block.cols(); c++) {
      if (inBatch(block.first() + c)) {
        if (pending == null) {
          pending = new double[m * Math.max(GATHER_COLUMNS, block.cols())];
        } else if ((pendingCols + 1) * m > pending.length) {
          flush(sums);
        }
        System.arraycopy(x, c * m, pending, pendingCols * m, m);
        pendingCols++;
      }
    }
  }

  private void run(double[] x, int cols, GradientSums sums) {
    if (cols > 0) {
      long t0 = System.nanoTime();
      accumulate(x, cols, sums);
      addNanos(System.nanoTime() - t0);
    }
  }

  /** Accumulates the gathered batch samples. */
  private void flush(GradientSums sums) {
    if (pendingCols > 0) {
      run(pending, pendingCols, sums);
      pendingCols = 0;
    }
  }

  /**
   * Accumulates the gathered batch samples and drops the buffer, so that it does not travel.
   * Subclasses call it before reading what {@link #accumulate} tracks.
   */
  @Override
  protected final void finish() {
    if (pendingCols > 0) {
      flush(target());
    }
    pending = null;
  }
}
