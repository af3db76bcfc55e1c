package org.pudle.spark.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.agg.BlockAggregator;
import org.pudle.spark.data.SampleBlock;

/**
 * What the Spark oracles of the sample-block methods share: the cached blocks, the shape of the
 * dictionary, and the mini-batch of each update.
 *
 * @param <A> the method's aggregator
 */
abstract class DistributedOracle<A extends BlockAggregator<A>> extends PassOracle<SampleBlock, A> {
  protected final int m;
  protected final int p;
  private final long n;
  private final long batchSize;
  private final long seed;

  /**
   * @param batchSize samples per update, 0 for full batch
   */
  DistributedOracle(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, int depth, long n, long batchSize,
      long seed) {
    super(sc, blocks, depth);
    this.m = m;
    this.p = p;
    this.n = n;
    this.batchSize = batchSize;
    this.seed = seed;
  }

  /** The batch of update {@code update}, or null for full batch. */
  protected BatchSelection batch(int update) {
    return batchSize > 0 ? BatchSelection.forUpdate(n, batchSize, seed, update) : null;
  }
}
