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
 * @param <A> the subclass, returned by {@code add} and {@code merge} for chaining
 */
public abstract class BlockAggregator<A extends BlockAggregator<A>> implements Serializable {
  private static final long serialVersionUID = 1L;

  protected final Broadcast<double[]> dictionary;
  protected final int m;
  protected final int p;
  private final BatchSelection batch;
  private GradientSums sums;
  private long nanos;
  private transient double[] gathered;

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
    double[] x = block.x();
    int cols = block.cols();
    if (batch != null) {
      if (gathered == null || gathered.length < x.length) {
        gathered = new double[x.length];
      }
      cols = batch.gather(block, gathered);
      x = gathered;
    }
    if (cols > 0) {
      long t0 = System.nanoTime();
      accumulate(x, cols, sums);
      nanos += System.nanoTime() - t0;
    }
    return self();
  }

  /** Adds {@code other} into this aggregator and returns this; an empty side is a no-op. */
  public final A merge(A other) {
    BlockAggregator<A> o = other;
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
    return sums == null ? new GradientSums(m, p) : sums;
  }

  /** Seconds spent in {@link #accumulate}, summed over the tasks merged here. */
  public final double kernelSeconds() {
    return nanos * 1e-9;
  }
}
