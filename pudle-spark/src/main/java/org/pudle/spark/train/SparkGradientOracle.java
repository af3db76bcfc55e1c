package org.pudle.spark.train;

import java.util.function.IntFunction;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.agg.GradientAggregator;
import org.pudle.spark.data.SampleBlock;

/**
 * The PUDLE gradient (Algorithm 2) by one distributed pass over a cached block RDD per update: the
 * encoder of the update (its decay factor follows the schedule) on the kernels of the
 * {@code kernels} backend, borrowed on each executor.
 */
public final class SparkGradientOracle extends DistributedOracle<GradientAggregator> {
  private final GradientKind kind;
  private final IntFunction<EncoderParams> encoderAt;
  private final long scratchBytes;
  private final KernelSpec kernels;

  /**
   * @param encoderAt the encoder of update u (0-based)
   * @param batchSize samples per update, 0 for full batch
   * @param kernels   the kernel backend, resolved on each executor
   */
  public SparkGradientOracle(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, GradientKind kind,
      IntFunction<EncoderParams> encoderAt, long scratchBytes, int depth, long n, long batchSize, long seed,
      KernelSpec kernels) {
    super(sc, blocks, m, p, depth, n, batchSize, seed);
    this.kind = kind;
    this.encoderAt = encoderAt;
    this.scratchBytes = scratchBytes;
    this.kernels = kernels;
  }

  @Override
  protected GradientAggregator aggregator(Broadcast<double[]> dictionary, int update) {
    return new GradientAggregator(dictionary, m, p, encoderAt.apply(update), kind, scratchBytes, kernels,
        batch(update));
  }
}
