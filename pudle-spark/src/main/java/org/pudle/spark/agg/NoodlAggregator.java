package org.pudle.spark.agg;

import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.IhtCoding;
import org.pudle.kernels.NoodlGradient;

/**
 * The aggregator of NOODL: the IHT codes of each block, then
 * {@code sum (D z - x) sign(z)^T}. Also tracks the coding: the most IHT iterations of any sample
 * and the number of samples whose code was still moving at the cap.
 */
public final class NoodlAggregator extends BlockAggregator<NoodlAggregator> {
  private static final long serialVersionUID = 1L;

  private final IhtCoding.Options options;
  private int maxIterations;
  private long unconverged;

  /**
   * @param batch the samples of this update, or null for all of them
   */
  public NoodlAggregator(Broadcast<double[]> dictionary, int m, int p, IhtCoding.Options options,
      BatchSelection batch) {
    super(dictionary, m, p, batch);
    this.options = options;
  }

  @Override
  protected void accumulate(double[] x, int cols, GradientSums sums) {
    IhtCoding coding = OperatorCache.iht(dictionary.id(), dictionary.value(), m, p, options);
    IhtCoding.Result res = NoodlGradient.accumulate(coding, x, 0, cols, sums);
    maxIterations = Math.max(maxIterations, res.maxIterations());
    unconverged += res.unconverged();
  }

  @Override
  protected void mergeExtra(NoodlAggregator other) {
    maxIterations = Math.max(maxIterations, other.maxIterations);
    unconverged += other.unconverged;
  }

  /** The most IHT iterations any sample's code took. */
  public int maxIterations() {
    finish();
    return maxIterations;
  }

  /** Samples whose code was still moving at the iteration cap. */
  public long unconverged() {
    finish();
    return unconverged;
  }
}
