package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.GradientSums;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.agg.BlockAggregator;
import org.pudle.spark.data.SampleBlock;

/** A mini-batch's samples are gathered across blocks and reach the kernel together. */
class BlockAggregatorTest {
  private static final int M = 3;
  private static final int P = 2;

  /** Records the width of every accumulate call and sums the samples into the first column. */
  private static final class Recording extends BlockAggregator<Recording> {
    private static final long serialVersionUID = 1L;
    final List<Integer> calls = new ArrayList<>();

    Recording(BatchSelection batch) {
      super(null, M, P, batch);
    }

    @Override
    protected void accumulate(double[] x, int cols, GradientSums sums) {
      calls.add(cols);
      double[] g = sums.gradientBuffer();
      for (int c = 0; c < cols; c++) {
        for (int i = 0; i < M; i++) {
          g[i] += x[c * M + i];
        }
      }
      sums.addStatistics(cols, 0, 0, 0);
    }

    @Override
    protected void mergeExtra(Recording other) {
      calls.addAll(other.calls);
    }
  }

  /** Sample i is (i, 2i, 3i). */
  private static List<SampleBlock> blocks(int n, int width) {
    List<SampleBlock> out = new ArrayList<>();
    for (int first = 0; first < n; first += width) {
      int cols = Math.min(width, n - first);
      double[] x = new double[M * cols];
      for (int c = 0; c < cols; c++) {
        for (int i = 0; i < M; i++) {
          x[c * M + i] = (first + c) * (i + 1.0);
        }
      }
      out.add(SampleBlock.of(first, M, cols, x));
    }
    return out;
  }

  private static double[] expectedSum(int n, BatchSelection batch) {
    double[] s = new double[M * P];
    for (int j = 0; j < n; j++) {
      if (batch.contains(j)) {
        for (int i = 0; i < M; i++) {
          s[i] += j * (i + 1.0);
        }
      }
    }
    return s;
  }

  @Test
  void batchSamplesOfManyBlocksMakeOneKernelCall() {
    int n = 140;
    BatchSelection batch = BatchSelection.forUpdate(n, 30, 5, 2);
    Recording agg = new Recording(batch);
    for (SampleBlock b : blocks(n, 7)) {
      agg.add(b);
    }
    assertTrue(agg.calls.isEmpty(), "nothing runs before the partition is done: " + agg.calls);
    GradientSums s = agg.sums();
    assertEquals(List.of(30), agg.calls);
    assertEquals(30, s.count());
    assertArrayEquals(expectedSum(n, batch), s.gradientBuffer(), 0.0);
    agg.sums();
    assertEquals(List.of(30), agg.calls, "the gathered samples are added once");
  }

  @Test
  void aFullBufferIsAccumulatedAndMergesFinishBothSides() {
    int n = 3000;
    BatchSelection batch = BatchSelection.forUpdate(n, 2500, 1, 0);
    List<SampleBlock> all = blocks(n, 100);
    Recording a = new Recording(batch);
    Recording b = new Recording(batch);
    for (int i = 0; i < all.size(); i++) {
      (i < 20 ? a : b).add(all.get(i));
    }
    int inA = 0;
    for (int j = 0; j < 2000; j++) {
      inA += batch.contains(j) ? 1 : 0;
    }
    assertEquals(List.of(BlockAggregator.GATHER_COLUMNS), a.calls, "a full buffer runs at once");
    a.merge(b);
    assertEquals(List.of(BlockAggregator.GATHER_COLUMNS, inA - BlockAggregator.GATHER_COLUMNS, 2500 - inA), a.calls);
    assertEquals(2500, a.sums().count());
    assertArrayEquals(expectedSum(n, batch), a.sums().gradientBuffer(), 0.0);
  }

  @Test
  void withoutABatchEveryBlockRunsAsItComes() {
    Recording agg = new Recording(null);
    for (SampleBlock b : blocks(20, 7)) {
      agg.add(b);
    }
    assertEquals(List.of(7, 7, 6), agg.calls);
  }
}
