package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.data.IndexPermutation;
import org.pudle.kernels.data.Seeds;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.data.SampleBlock;

class BatchSelectionTest {

  @Test
  void everyEpochVisitsEverySampleOnce() {
    long n = 47;
    long b = 10;
    for (int epoch = 0; epoch < 2; epoch++) {
      int[] hits = new int[(int) n];
      for (int j = 0; j < 5; j++) {
        BatchSelection sel = BatchSelection.forUpdate(n, b, 3, epoch * 5L + j);
        assertEquals(epoch, sel.epoch());
        assertEquals(j < 4 ? 10 : 7, sel.size());
        int count = 0;
        for (long i = 0; i < n; i++) {
          if (sel.contains(i)) {
            hits[(int) i]++;
            count++;
          }
        }
        assertEquals(sel.size(), count);
      }
      for (int h : hits) {
        assertEquals(1, h);
      }
    }
  }

  /**
   * Both ways of deciding membership (the batch's indices by the inverse permutation when the
   * batch is small, every sample's rank otherwise) give the definition: sample i is in update
   * j of epoch e when pi_e(i) is in [j b, (j + 1) b); gather copies exactly those, in order.
   */
  @Test
  void membershipIsTheRankRangeOfThePermutation() {
    long n = 1000;
    for (long b : new long[] {30, 125, 400}) {  // 30 * 8 <= n: inverse; 125 * 8 = n: inverse; 400: ranks
      long perEpoch = (n + b - 1) / b;
      for (long update : new long[] {0, 1, perEpoch - 1, perEpoch, 3 * perEpoch + 2}) {
        BatchSelection sel = BatchSelection.forUpdate(n, b, 11, update);
        IndexPermutation pi = new IndexPermutation(n, Seeds.derive(11, Seeds.BATCHES, update / perEpoch));
        long lo = (update % perEpoch) * b;
        long hi = Math.min(lo + b, n);
        int m = 2;
        int first = 137;
        int cols = 500;
        double[] x = new double[m * cols];
        for (int i = 0; i < x.length; i++) {
          x[i] = i;
        }
        double[] out = new double[m * cols];
        int got = sel.gather(SampleBlock.of(first, m, cols, x), out);
        int expected = 0;
        for (long i = 0; i < n; i++) {
          boolean in = pi.apply(i) >= lo && pi.apply(i) < hi;
          assertEquals(in, sel.contains(i), "b=" + b + " update " + update + " sample " + i);
          if (in && i >= first && i < first + cols) {
            assertEquals(m * (i - first), out[expected * m], "b=" + b + " update " + update + " sample " + i);
            assertEquals(m * (i - first) + 1, out[expected * m + 1]);
            expected++;
          }
        }
        assertEquals(expected, got);
      }
    }
  }

  @Test
  void epochsShuffleDifferently() {
    // the first batch of 100 of 1000 samples in epochs 0, 1, ..., 20: two independent uniform
    // subsets of 100 share a hypergeometric number of samples, mean 100 * 100 / 1000 = 10 and
    // standard deviation sqrt(100 * 0.1 * 0.9 * 900 / 999) = 2.85
    int pairs = 20;
    int total = 0;
    for (int epoch = 0; epoch < pairs; epoch++) {
      BatchSelection a = BatchSelection.forUpdate(1000, 100, 3, 10L * epoch);
      BatchSelection b = BatchSelection.forUpdate(1000, 100, 3, 10L * (epoch + 1));
      assertEquals(epoch + 1, b.epoch());
      int same = 0;
      for (long i = 0; i < 1000; i++) {
        same += a.contains(i) && b.contains(i) ? 1 : 0;
      }
      // 7 standard deviations either side (the mean is 10): not the same batch, nor disjoint ones
      assertTrue(same >= 1 && same <= 30, "epochs " + epoch + " and " + (epoch + 1) + " share " + same);
      total += same;
    }
    // the mean of 20 overlaps: standard deviation 2.85 / sqrt(20) = 0.64; 10 +- 3 is 4.7 of them
    double mean = total / (double) pairs;
    assertTrue(Math.abs(mean - 10) <= 3, "mean overlap " + mean);
    assertThrows(IllegalArgumentException.class, () -> BatchSelection.forUpdate(10, 11, 1, 0));
  }
}
