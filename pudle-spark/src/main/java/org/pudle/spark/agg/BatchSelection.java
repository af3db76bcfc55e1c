package org.pudle.spark.agg;

import java.io.Serializable;

import org.pudle.kernels.data.IndexPermutation;
import org.pudle.kernels.data.Seeds;

/**
 * The samples of one mini-batch update, decided sample by sample on the executors.
 *
 * <p>Epoch {@code e} shuffles the n samples with a keyed permutation {@code pi_e} of (seed, e);
 * its {@code ceil(n / b)} updates take the ranks {@code [j b, min((j+1) b, n))} in turn, like a
 * shuffling data loader without dropping the last partial batch. Whether sample {@code i} is in
 * the batch depends only on (seed, update, i), never on the partitioning.
 */
public final class BatchSelection implements Serializable {
  private static final long serialVersionUID = 1L;

  private final IndexPermutation permutation;
  private final long lo;
  private final long hi;
  private final long epoch;

  private BatchSelection(IndexPermutation permutation, long lo, long hi, long epoch) {
    this.permutation = permutation;
    this.lo = lo;
    this.hi = hi;
    this.epoch = epoch;
  }

  /**
   * The batch of update {@code update} (0-based).
   *
   * @param batchSize at least 1 and at most n
   */
  public static BatchSelection forUpdate(long n, long batchSize, long seed, long update) {
    if (batchSize < 1 || batchSize > n) {
      throw new IllegalArgumentException("batch size: expected 1 <= b <= n = " + n + ", got " + batchSize);
    }
    long perEpoch = (n + batchSize - 1) / batchSize;
    long epoch = update / perEpoch;
    long j = update % perEpoch;
    long lo = j * batchSize;
    long hi = Math.min(lo + batchSize, n);
    return new BatchSelection(new IndexPermutation(n, Seeds.derive(seed, Seeds.BATCHES, epoch)), lo, hi, epoch);
  }

  /** Whether sample {@code index} is in the batch. */
  public boolean contains(long index) {
    long r = permutation.apply(index);
    return r >= lo && r < hi;
  }

  /**
   * Copies the block's samples that are in the batch to the front of {@code out} (m values per
   * sample) and returns how many there are.
   */
  public int gather(org.pudle.spark.data.SampleBlock block, double[] out) {
    int m = block.m();
    int cols = 0;
    for (int c = 0; c < block.cols(); c++) {
      if (contains(block.first() + c)) {
        System.arraycopy(block.x(), c * m, out, cols * m, m);
        cols++;
      }
    }
    return cols;
  }

  /** The number of samples in the batch. */
  public long size() {
    return hi - lo;
  }

  /** The epoch of the update. */
  public long epoch() {
    return epoch;
  }
}
