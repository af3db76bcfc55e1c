package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.pudle.spark.agg.BatchSelection;

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
