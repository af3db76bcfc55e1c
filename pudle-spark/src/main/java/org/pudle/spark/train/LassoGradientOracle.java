package org.pudle.spark.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.FistaLasso;
import org.pudle.spark.agg.LassoGradientAggregator;
import org.pudle.spark.data.SampleBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gradient of alternating minimization (Algorithm 1), {@code g_hat}, by one distributed
 * pass: exact lasso codes per sample (FISTA to the KKT tolerance), then
 * {@code mean (D z_hat - x) z_hat^T}.
 */
public final class LassoGradientOracle extends DistributedOracle<LassoGradientAggregator> {
  private static final Logger LOG = LoggerFactory.getLogger(LassoGradientOracle.class);

  private final double lambda;
  private final FistaLasso.Options options;
  private double lastMaxKkt;
  private long lastUnconverged;

  /**
   * @param lambda the lasso weight
   */
  public LassoGradientOracle(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, double lambda,
      FistaLasso.Options options, int depth, long n, long batchSize, long seed) {
    super(sc, blocks, m, p, depth, n, batchSize, seed);
    this.lambda = lambda;
    this.options = options;
  }

  @Override
  protected LassoGradientAggregator aggregator(Broadcast<double[]> dictionary, int update) {
    return new LassoGradientAggregator(dictionary, m, p, lambda, options, batch(update));
  }

  @Override
  protected Result result(LassoGradientAggregator agg, int update) {
    lastMaxKkt = agg.maxKkt();
    lastUnconverged = agg.unconverged();
    if (lastUnconverged > 0) {
      LOG.warn("update {}: {} lasso codes stopped above the KKT tolerance {} (largest residual {})", update + 1,
          lastUnconverged, options.tolerance(), lastMaxKkt);
    }
    return super.result(agg, update);
  }

  /** The largest KKT residual of the last pass. */
  public double lastMaxKkt() {
    return lastMaxKkt;
  }

  /** The codes above the tolerance in the last pass. */
  public long lastUnconverged() {
    return lastUnconverged;
  }
}
