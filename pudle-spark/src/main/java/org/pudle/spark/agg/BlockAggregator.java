package org.pudle.spark.agg;

import java.io.Serializable;

import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.GradientSums;
import org.pudle.spark.data.SampleBlock;

/**
 * The common shape of the per-block aggregators: a dictionary broadcast, m x p gradient sums
 * allocated on the first block (Spark ships the zero value with every task, so it stays tiny),
 * an optional mini-batch that picks the block's samples, and the time spent computing. A subclass
 * says what one block of samples adds ({@link #accumulate}) and what else merges
 * ({@link #mergeExtra}).
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
public abstract class BlockAggregator<A extends BlockAggregator<A>> implements Serializable {
  private static final long serialVersionUID = 1L;

  protected final Broadcast<double[]> dictionary;
  protected final int m;
  protected final int p;
  /** The fewest gathered batch columns handed to one {@link #accumulate} call (fewer at the end). */
  public static final int GATHER_COLUMNS = 1024;

  private final BatchSelection batch;
  private GradientSums sums;
  private long nanos;
  /** The batch's samples gathered but not yet accumulated, m x capacity; null when none. */
  private double[] pending;
  private int pendingCols;

  /**
   * @param batch the samples of this update, or null for all of them
   */
  protected BlockAggregator(Broadcast<double[]> dictionary, int m, int p, BatchSelection batch) {
    this.dictionary = dictionary;
    this.m = m;
    this.p = p;
    this.batch = batch;
  }

  /**
   * Adds the block's samples (or those in the batch) to {@code sums}.
   *
   * @param x    the samples, m x cols column-major from offset 0; not modified
   * @param cols at least 1
   */
  protected abstract void accumulate(double[] x, int cols, GradientSums sums);

  /** Merges what the subclass tracks beyond the sums and the time. */
  protected abstract void mergeExtra(A other);

  @SuppressWarnings("unchecked")
  private A self() {
    return (A) this;
  }

  /** Adds a block; returns this. */
  public final A add(SampleBlock block) {
    if (block.m() != m) {
      throw new IllegalArgumentException("sample block starting at sample " + block.first() + " has m = " + block.m()
          + ", the dictionary has m = " + m);
    }
    if (sums == null) {
      sums = new GradientSums(m, p);
    }
    if (batch == null) {
      run(block.x(), block.cols());
      return self();
    }
    double[] x = block.x();
    for (int c = 0; c < block.cols(); c++) {
      if (batch.contains(block.first() + c)) {
        if (pending == null) {
          pending = new double[m * Math.max(GATHER_COLUMNS, block.cols())];
        } else if ((pendingCols + 1) * m > pending.length) {
          flush();
        }
        System.arraycopy(x, c * m, pending, pendingCols * m, m);
        pendingCols++;
      }
    }
    return self();
  }

  private void run(double[] x, int cols) {
    if (cols > 0) {
      long t0 = System.nanoTime();
      accumulate(x, cols, sums);
      nanos += System.nanoTime() - t0;
    }
  }

  /** Accumulates the gathered batch samples. */
  private void flush() {
    if (pendingCols > 0) {
      run(pending, pendingCols);
      pendingCols = 0;
    }
  }

  /**
   * Accumulates the gathered batch samples and drops the buffer, so that it does not travel.
   * Subclasses call it before reading what {@link #accumulate} tracks.
   */
  protected final void finish() {
    flush();
    pending = null;
  }

  /** Adds {@code other} into this aggregator and returns this; an empty side is a no-op. */
  public final A merge(A other) {
    BlockAggregator<A> o = other;
    finish();
    o.finish();
    if (o.sums != null) {
      if (sums == null) {
        sums = o.sums;
      } else {
        sums.merge(o.sums);
      }
    }
    nanos += o.nanos;
    mergeExtra(other);
    return self();
  }

  /** The sums, empty when no sample was added. */
  public final GradientSums sums() {
    finish();
    return sums == null ? new GradientSums(m, p) : sums;
  }

  /** Seconds spent in {@link #accumulate}, summed over the tasks merged here. */
  public final double kernelSeconds() {
    finish();
    return nanos * 1e-9;
  }
}
