package org.pudle.spark.agg;

import java.io.Serializable;
import java.util.Arrays;

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
  /** The batch's sample indices, sorted; computed on first use in each task. */
  private transient long[] members;

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
    long[] members = members();
    return members != null ? Arrays.binarySearch(members, index) >= 0 : rankInBatch(index);
  }

  /** Whether sample {@code index}'s rank in the epoch's permutation falls in the batch's ranks. */
  private boolean rankInBatch(long index) {
    long r = permutation.apply(index);
    return r >= lo && r < hi;
  }

  /**
   * The batch's sample indices in increasing order, found once per task by the inverse
   * permutation of its ranks, or null when the batch is a large part of the samples: then every
   * sample's rank is computed instead (n evaluations), which is as cheap.
   */
  private long[] members() {
    if (members == null && (hi - lo) * 8 <= permutation.size()) {
      long[] s = new long[(int) (hi - lo)];
      for (long r = lo; r < hi; r++) {
        s[(int) (r - lo)] = permutation.inverse(r);
      }
      Arrays.sort(s);
      members = s;
    }
    return members;
  }

  /**
   * Copies the block's samples that are in the batch to the front of {@code out} (m values per
   * sample), in the block's order, and returns how many there are.
   */
  public int gather(org.pudle.spark.data.SampleBlock block, double[] out) {
    int m = block.m();
    int cols = 0;
    long first = block.first();
    long[] members = members();
    if (members != null) {
      int k = Arrays.binarySearch(members, first);
      for (k = k >= 0 ? k : -k - 1; k < members.length && members[k] < first + block.cols(); k++) {
        System.arraycopy(block.x(), (int) (members[k] - first) * m, out, cols * m, m);
        cols++;
      }
      return cols;
    }
    for (int c = 0; c < block.cols(); c++) {
      if (rankInBatch(first + c)) {
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
