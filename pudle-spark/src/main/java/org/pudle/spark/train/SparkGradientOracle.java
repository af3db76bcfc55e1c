package org.pudle.spark.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.agg.DistributedPass;
import org.pudle.spark.agg.GradientAggregator;
import org.pudle.spark.data.SampleBlock;

/** The PUDLE gradient (Algorithm 2) by one distributed pass over a cached block RDD per update. */
public final class SparkGradientOracle extends DistributedOracle {
  private final GradientKind kind;
  private final long scratchBytes;
  private final String backend;

  /**
   * On the CPU backend.
   *
   * @param batchSize samples per update, 0 for full batch
   */
  public SparkGradientOracle(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, GradientKind kind,
      long scratchBytes, int depth, long n, long batchSize, long seed) {
    this(sc, blocks, m, p, kind, scratchBytes, depth, n, batchSize, seed, "cpu");
  }

  /**
   * @param batchSize samples per update, 0 for full batch
   * @param backend   the kernel backend by name ({@code Kernels.byName}: cpu, cuda or auto, with an
   *                  optional {@code :float}), resolved on each executor
   */
  public SparkGradientOracle(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, GradientKind kind,
      long scratchBytes, int depth, long n, long batchSize, long seed, String backend) {
    super(sc, blocks, m, p, depth, n, batchSize, seed);
    this.kind = kind;
    this.scratchBytes = scratchBytes;
    this.backend = backend;
  }

  @Override
  public Result gradient(double[] d, EncoderParams encoder, int update) {
    BatchSelection batch = batch(update);
    GradientAggregator agg = DistributedPass.aggregate(sc, blocks, d,
        bc -> new GradientAggregator(bc, m, p, encoder, kind, scratchBytes, backend, batch),
        GradientAggregator::add, GradientAggregator::merge, depth);
    return new Result(agg.sums(), agg.kernelSeconds());
  }
}
