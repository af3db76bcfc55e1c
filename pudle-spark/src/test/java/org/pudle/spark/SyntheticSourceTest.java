package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SyntheticSource;

class SyntheticSourceTest {

  private static List<SampleBlock> collect(SyntheticSource source, int partitions, int blockSize) {
    List<SampleBlock> blocks = new ArrayList<>(source.blocks(SparkTestSupport.sc(), partitions, blockSize).collect());
    blocks.sort(Comparator.comparingLong(SampleBlock::first));
    return blocks;
  }

  private static double[] concatenate(List<SampleBlock> blocks, int m, long n) {
    double[] x = new double[(int) (m * n)];
    long next = 0;
    for (SampleBlock b : blocks) {
      assertEquals(next, b.first(), "blocks cover the samples without gaps");
      System.arraycopy(b.x(), 0, x, (int) (b.first() * m), b.x().length);
      next += b.cols();
    }
    assertEquals(n, next);
    return x;
  }

  @Test
  void sameSeedGivesSameSamplesForOneAndFourPartitions() {
    SyntheticModel model = new SyntheticModel(9, 15, 3, 21, SignMode.PER_ENTRY, 0.05);
    SyntheticSource source = new SyntheticSource(model, 101);
    List<SampleBlock> one = collect(source, 1, 16);
    List<SampleBlock> four = collect(source, 4, 10);
    double[] a = concatenate(one, 9, 101);
    double[] b = concatenate(four, 9, 101);
    assertArrayEquals(a, b, 0.0);
    // and the true codes travel with the blocks
    int[] supportOne = new int[3 * 101];
    for (SampleBlock blk : one) {
      System.arraycopy(blk.support(), 0, supportOne, (int) blk.first() * 3, blk.support().length);
    }
    for (SampleBlock blk : four) {
      for (int i = 0; i < blk.support().length; i++) {
        assertEquals(supportOne[(int) blk.first() * 3 + i], blk.support()[i]);
      }
    }
    // a different seed gives different data
    SyntheticSource other = new SyntheticSource(new SyntheticModel(9, 15, 3, 22, SignMode.PER_ENTRY, 0.05), 101);
    double[] c = concatenate(collect(other, 1, 101), 9, 101);
    assertEquals(false, java.util.Arrays.equals(a, c));
  }
}
