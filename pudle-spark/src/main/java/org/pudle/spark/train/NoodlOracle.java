package org.pudle.spark.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.IhtCoding;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.agg.DistributedPass;
import org.pudle.spark.agg.NoodlAggregator;
import org.pudle.spark.data.SampleBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NOODL's dictionary direction by one distributed pass: IHT codes per sample, then
 * {@code mean (D z - x) sign(z)^T}; a gradient-descent step with it is NOODL's update
 * {@code D <- D + eta_A mean (x - D z) sign(z)^T}. The encoder argument is not used.
 */
public final class NoodlOracle extends DistributedOracle {
  private static final Logger LOG = LoggerFactory.getLogger(NoodlOracle.class);

  private final IhtCoding.Options options;
  private int lastMaxIterations;
  private long lastUnconverged;

  public NoodlOracle(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, IhtCoding.Options options,
      int depth, long n, long batchSize, long seed) {
    super(sc, blocks, m, p, depth, n, batchSize, seed);
    this.options = options;
  }

  @Override
  public Result gradient(double[] d, EncoderParams encoder, int update) {
    BatchSelection batch = batch(update);
    NoodlAggregator agg = DistributedPass.aggregate(sc, blocks, d,
        bc -> new NoodlAggregator(bc, m, p, options, batch), NoodlAggregator::add, NoodlAggregator::merge, depth);
    lastMaxIterations = agg.maxIterations();
    lastUnconverged = agg.unconverged();
    if (lastUnconverged > 0) {
      LOG.warn("update {}: {} IHT codes were still moving after {} iterations (relative change > {})", update + 1,
          lastUnconverged, options.maxIterations(), options.tolerance());
    }
    return new Result(agg.sums(), agg.kernelSeconds());
  }

  /** The most IHT iterations of a code in the last pass. */
  public int lastMaxIterations() {
    return lastMaxIterations;
  }

  /** The codes still moving at the cap in the last pass. */
  public long lastUnconverged() {
    return lastUnconverged;
  }
}
