package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.train.GradientOracle;
import org.pudle.spark.train.LocalGradientOracle;
import org.pudle.spark.train.SparkGradientOracle;

/** The distributed pass gives the single-process gradient whatever the partitioning. */
class DistributedGradientTest {
  private static final int M = 12;
  private static final int P = 20;
  private static final long N = 53;
  private static final SyntheticModel MODEL = new SyntheticModel(M, P, 3, 5, SignMode.PER_SAMPLE, 0.01);

  private static double relative(double[] a, double[] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) * (a[i] - b[i]);
      den += b[i] * b[i];
    }
    return Math.sqrt(num / den);
  }

  private static SampleBlock allSamples(SyntheticSource source) {
    double[] x = new double[(int) (M * N)];
    MODEL.generate(source.generatingDictionary().orElseThrow(), 0, (int) N, x, 0, null, null);
    return SampleBlock.of(0, M, (int) N, x);
  }

  @ParameterizedTest
  @EnumSource(GradientKind.class)
  void fullBatchGradientIsIndependentOfPartitioning(GradientKind kind) {
    SyntheticSource source = new SyntheticSource(MODEL, N);
    double[] d = MODEL.initialDictionary(source.generatingDictionary().orElseThrow(), 0.5);
    EncoderParams enc = new EncoderParams(15, 0.2, 0.1, ThresholdKind.SOFT, 0, 0.95);
    SampleBlock all = allSamples(source);
    GradientSums ref = new GradientSums(M, P);
    new UnfoldedIstaCpu(DictionaryOperator.of(d, M, P, enc.alpha()), enc).accumulate(kind, all.x(), 0, all.cols(), ref);
    for (int partitions : new int[] {1, 3, 8, 12}) {
      JavaRDD<SampleBlock> blocks = source.blocks(SparkTestSupport.sc(), partitions, 7);
      assertEquals(partitions, blocks.getNumPartitions());
      GradientOracle.Result res = new SparkGradientOracle(SparkTestSupport.sc(), blocks, M, P, kind, u -> enc, 1 << 20,
          2, N, 0, 5, KernelSpec.CPU).gradient(d, 0);
      assertEquals(N, res.sums().count());
      double rel = relative(res.sums().meanGradient(), ref.meanGradient());
      assertTrue(rel <= 1e-12, kind + ", " + partitions + " partitions: relative difference " + rel);
      assertEquals(ref.meanLoss(), res.sums().meanLoss(), 1e-12 * ref.meanLoss());
      assertEquals(ref.meanNonZeros(), res.sums().meanNonZeros(), 1e-12);
    }
  }

  @ParameterizedTest
  @EnumSource(value = GradientKind.class, names = {"DEC", "AE_LASSO"})
  void miniBatchesAreIndependentOfPartitioning(GradientKind kind) {
    SyntheticSource source = new SyntheticSource(MODEL, N);
    double[] d = MODEL.initialDictionary(source.generatingDictionary().orElseThrow(), 0.5);
    EncoderParams enc = new EncoderParams(10, 0.2, 0.2, ThresholdKind.HARD, 0.05, 1);
    LocalGradientOracle local = new LocalGradientOracle(List.of(allSamples(source)), M, P, kind, u -> enc, N, 13, 99,
        KernelSpec.CPU);
    for (int update : new int[] {0, 4, 7}) {
      GradientOracle.Result ref = local.gradient(d, update);
      long expected = update % 5 == 4 ? N - 4 * 13 : 13;
      assertEquals(expected, ref.sums().count(), "batch size of update " + update);
      for (int partitions : new int[] {1, 3}) {
        JavaRDD<SampleBlock> blocks = source.blocks(SparkTestSupport.sc(), partitions, 4);
        GradientOracle.Result res = new SparkGradientOracle(SparkTestSupport.sc(), blocks, M, P, kind, u -> enc,
            1 << 20, 3, N, 13, 99, KernelSpec.CPU).gradient(d, update);
        assertEquals(expected, res.sums().count());
        double rel = relative(res.sums().meanGradient(), ref.sums().meanGradient());
        assertTrue(rel <= 1e-12, kind + " update " + update + ", " + partitions + " partitions: " + rel);
      }
    }
  }
}
