package org.pudle.spark.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.data.SampleBlock;

/**
 * What the Spark oracles share: the cached blocks, the aggregation depth, and the mini-batch of
 * each update.
 */
abstract class DistributedOracle implements GradientOracle {
  protected final JavaSparkContext sc;
  protected final JavaRDD<SampleBlock> blocks;
  protected final int m;
  protected final int p;
  protected final int depth;
  private final long n;
  private final long batchSize;
  private final long seed;

  /**
   * @param batchSize samples per update, 0 for full batch
   */
  DistributedOracle(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, int depth, long n, long batchSize,
      long seed) {
    this.sc = sc;
    this.blocks = blocks;
    this.m = m;
    this.p = p;
    this.depth = depth;
    this.n = n;
    this.batchSize = batchSize;
    this.seed = seed;
  }

  /** The batch of update {@code update}, or null for full batch. */
  protected BatchSelection batch(int update) {
    return batchSize > 0 ? BatchSelection.forUpdate(n, batchSize, seed, update) : null;
  }
}
