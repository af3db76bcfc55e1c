package org.pudle.spark.agg;

import java.io.Serializable;

import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.GradientSums;

/**
 * The one shape of the gradient aggregators, for sample blocks ({@link BlockAggregator}: PUDLE,
 * altmin, NOODL) and for the images of the denoiser alike: a broadcast of the parameters (the
 * dictionary D, or the filters), a {@code rows x cols} {@link GradientSums} allocated when the
 * first item needs it (Spark ships the zero value with every task, so it stays tiny), an optional
 * mini-batch of item indices, and the time spent computing. {@link #add} and {@link #merge}
 * return this aggregator; an empty side of a merge is a no-op. The RDD pass around it (broadcast,
 * {@code treeAggregate}, destroy) is {@link DistributedPass#aggregate}.
 *
 * <p>A subclass says what one item adds ({@link #addTo}), may defer work until {@link #finish}
 * (a block aggregator gathers the batch's samples across blocks), and merges what else it tracks
 * ({@link #mergeExtra}).
 *
 * @param <T> the items of the RDD
 * @param <A> the subclass, returned by {@code add} and {@code merge} for chaining
 */
public abstract class SumAggregator<T, A extends SumAggregator<T, A>> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The dictionary or filters of this update, {@code rows x cols} column-major. */
  protected final Broadcast<double[]> parameters;
  private final int rows;
  private final int cols;
  private final BatchSelection batch;
  private GradientSums sums;
  private long nanos;

  /**
   * @param batch the items (by index) of this update, or null for all of them
   */
  protected SumAggregator(Broadcast<double[]> parameters, int rows, int cols, BatchSelection batch) {
    this.parameters = parameters;
    this.rows = rows;
    this.cols = cols;
    this.batch = batch;
  }

  /** Adds what {@code item} contributes; the subclass asks for the sums with {@link #target()}. */
  protected abstract void addTo(T item);

  /** Does the work that {@link #addTo} deferred; called before a merge and before any read-out. */
  protected void finish() {}

  /** Merges what the subclass tracks beyond the sums and the time ({@code other} is finished). */
  protected void mergeExtra(A other) {}

  /** The sums to add to, allocated on first use. */
  protected final GradientSums target() {
    if (sums == null) {
      sums = new GradientSums(rows, cols);
    }
    return sums;
  }

  /** Whether the item or sample of index {@code index} is in this update's batch. */
  protected final boolean inBatch(long index) {
    return batch == null || batch.contains(index);
  }

  /** Whether this update uses a mini-batch. */
  protected final boolean batched() {
    return batch != null;
  }

  /** Counts {@code n} nanoseconds of computing. */
  protected final void addNanos(long n) {
    nanos += n;
  }

  @SuppressWarnings("unchecked")
  private A self() {
    return (A) this;
  }

  /** Adds an item; returns this. */
  public final A add(T item) {
    addTo(item);
    return self();
  }

  /** Adds {@code other} into this aggregator and returns this; an empty side is a no-op. */
  public final A merge(A other) {
    SumAggregator<T, A> o = other;
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

  /** The sums, empty when nothing was added. */
  public final GradientSums sums() {
    finish();
    return sums == null ? new GradientSums(rows, cols) : sums;
  }

  /** Seconds spent computing, summed over the tasks merged here. */
  public final double kernelSeconds() {
    finish();
    return nanos * 1e-9;
  }
}
