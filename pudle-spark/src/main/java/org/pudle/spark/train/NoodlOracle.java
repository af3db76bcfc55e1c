package org.pudle.spark.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.IhtCoding;
import org.pudle.spark.agg.NoodlAggregator;
import org.pudle.spark.data.SampleBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NOODL's dictionary direction by one distributed pass: IHT codes per sample, then
 * {@code mean (D z - x) sign(z)^T}; a gradient-descent step with it is NOODL's update
 * {@code D <- D + eta_A mean (x - D z) sign(z)^T}.
 */
public final class NoodlOracle extends DistributedOracle<NoodlAggregator> {
  private static final Logger LOG = LoggerFactory.getLogger(NoodlOracle.class);

  private final IhtCoding.Options options;
  private long lastUnconverged;

  public NoodlOracle(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, IhtCoding.Options options,
      int depth, long n, long batchSize, long seed) {
    super(sc, blocks, m, p, depth, n, batchSize, seed);
    this.options = options;
  }

  @Override
  protected NoodlAggregator aggregator(Broadcast<double[]> dictionary, int update) {
    return new NoodlAggregator(dictionary, m, p, options, batch(update));
  }

  @Override
  protected Result result(NoodlAggregator agg, int update) {
    lastUnconverged = agg.unconverged();
    if (lastUnconverged > 0) {
      LOG.warn("update {}: {} IHT codes were still moving after {} iterations (relative change > {})", update + 1,
          lastUnconverged, options.maxIterations(), options.tolerance());
    }
    return super.result(agg, update);
  }

  /** The codes still moving at the cap in the last pass. */
  public long lastUnconverged() {
    return lastUnconverged;
  }
}
