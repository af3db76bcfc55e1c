package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    BatchSelection a = BatchSelection.forUpdate(1000, 100, 3, 0);
    BatchSelection b = BatchSelection.forUpdate(1000, 100, 3, 10);
    int same = 0;
    for (long i = 0; i < 1000; i++) {
      same += a.contains(i) == b.contains(i) && a.contains(i) ? 1 : 0;
    }
    // two independent 10% subsets share about 10 samples
    assertNotEquals(100, same);
    assertThrows(IllegalArgumentException.class, () -> BatchSelection.forUpdate(10, 11, 1, 0));
  }
}
