package org.pudle.spark.agg;

import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.LassoGradient;

/**
 * The aggregator of alternating minimization (Algorithm 1): the lasso codes of each block by
 * FISTA to the KKT tolerance, then {@code sum (D z_hat - x) z_hat^T}. Also tracks how well the
 * lasso was solved: the largest KKT residual and the number of samples above the tolerance.
 */
public final class LassoGradientAggregator extends BlockAggregator<LassoGradientAggregator> {
  private static final long serialVersionUID = 1L;

  private final double lambda;
  private final FistaLasso.Options options;
  private double maxKkt;
  private long unconverged;

  /**
   * @param batch the samples of this update, or null for all of them
   */
  public LassoGradientAggregator(Broadcast<double[]> dictionary, int m, int p, double lambda,
      FistaLasso.Options options, BatchSelection batch) {
    super(dictionary, m, p, batch);
    this.lambda = lambda;
    this.options = options;
  }

  @Override
  protected void accumulate(double[] x, int cols, GradientSums sums) {
    FistaLasso solver = OperatorCache.lasso(dictionary.id(), dictionary.value(), m, p, lambda, options);
    FistaLasso.Result res = LassoGradient.accumulate(solver, x, 0, cols, sums);
    maxKkt = Math.max(maxKkt, res.maxKkt());
    unconverged += res.unconverged();
  }

  @Override
  protected void mergeExtra(LassoGradientAggregator other) {
    maxKkt = Math.max(maxKkt, other.maxKkt);
    unconverged += other.unconverged;
  }

  /** The largest KKT residual of any code. */
  public double maxKkt() {
    finish();
    return maxKkt;
  }

  /** Samples whose code did not reach the KKT tolerance. */
  public long unconverged() {
    finish();
    return unconverged;
  }
}
