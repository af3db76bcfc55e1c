package org.pudle.spark.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.agg.DistributedPass;
import org.pudle.spark.agg.GradientAggregator;
import org.pudle.spark.data.SampleBlock;

/** Gradient sums by one distributed pass over a cached block RDD per update. */
public final class SparkGradientOracle implements GradientOracle {
  private final JavaSparkContext sc;
  private final JavaRDD<SampleBlock> blocks;
  private final int m;
  private final int p;
  private final GradientKind kind;
  private final long scratchBytes;
  private final int depth;
  private final long n;
  private final long batchSize;
  private final long seed;
  private final String backend = "cpu";

  /**
   * @param batchSize samples per update, 0 for full batch
   */
  public SparkGradientOracle(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, GradientKind kind,
      long scratchBytes, int depth, long n, long batchSize, long seed) {
    this.sc = sc;
    this.blocks = blocks;
    this.m = m;
    this.p = p;
    this.kind = kind;
    this.scratchBytes = scratchBytes;
    this.depth = depth;
    this.n = n;
    this.batchSize = batchSize;
    this.seed = seed;
  }

  @Override
  public Result gradient(double[] d, EncoderParams encoder, int update) {
    BatchSelection batch = batchSize > 0 ? BatchSelection.forUpdate(n, batchSize, seed, update) : null;
    GradientAggregator agg = DistributedPass.aggregate(sc, blocks, d,
        bc -> new GradientAggregator(bc, m, p, encoder, kind, scratchBytes, backend, batch),
        GradientAggregator::add, GradientAggregator::merge, depth);
    return new Result(agg.sums(), agg.kernelSeconds());
  }
}
