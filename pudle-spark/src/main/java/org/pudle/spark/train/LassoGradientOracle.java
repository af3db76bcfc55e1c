package org.pudle.spark.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.agg.DistributedPass;
import org.pudle.spark.agg.LassoGradientAggregator;
import org.pudle.spark.data.SampleBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gradient of alternating minimization (Algorithm 1), {@code g_hat}, by one distributed
 * pass: exact lasso codes per sample (FISTA to the KKT tolerance), then
 * {@code mean (D z_hat - x) z_hat^T}. The encoder's lambda is the lasso's; its other settings are
 * not used.
 */
public final class LassoGradientOracle extends DistributedOracle {
  private static final Logger LOG = LoggerFactory.getLogger(LassoGradientOracle.class);

  private final FistaLasso.Options options;
  private double lastMaxKkt;
  private long lastUnconverged;

  public LassoGradientOracle(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p,
      FistaLasso.Options options, int depth, long n, long batchSize, long seed) {
    super(sc, blocks, m, p, depth, n, batchSize, seed);
    this.options = options;
  }

  @Override
  public Result gradient(double[] d, EncoderParams encoder, int update) {
    BatchSelection batch = batch(update);
    LassoGradientAggregator agg = DistributedPass.aggregate(sc, blocks, d,
        bc -> new LassoGradientAggregator(bc, m, p, encoder.lambda(), options, batch),
        LassoGradientAggregator::add, LassoGradientAggregator::merge, depth);
    lastMaxKkt = agg.maxKkt();
    lastUnconverged = agg.unconverged();
    if (lastUnconverged > 0) {
      LOG.warn("update {}: {} lasso codes stopped above the KKT tolerance {} (largest residual {})", update + 1,
          lastUnconverged, options.tolerance(), lastMaxKkt);
    }
    return new Result(agg.sums(), agg.kernelSeconds());
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
