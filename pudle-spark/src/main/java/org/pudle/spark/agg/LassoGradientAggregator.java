package org.pudle.spark.agg;

import java.io.Serializable;

import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.LassoGradient;
import org.pudle.spark.data.SampleBlock;

/**
 * The aggregator of alternating minimization (Algorithm 1): the lasso codes of each block by
 * FISTA to the KKT tolerance, then {@code sum (D z_hat - x) z_hat^T}. Also tracks how well the
 * lasso was solved: the largest KKT residual and the number of samples above the tolerance.
 */
public final class LassoGradientAggregator implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Broadcast<double[]> dictionary;
  private final int m;
  private final int p;
  private final double lambda;
  private final FistaLasso.Options options;
  private final BatchSelection batch;
  private GradientSums sums;
  private double maxKkt;
  private long unconverged;
  private long nanos;
  private transient double[] gathered;

  /**
   * @param batch the samples of this update, or null for all of them
   */
  public LassoGradientAggregator(Broadcast<double[]> dictionary, int m, int p, double lambda,
      FistaLasso.Options options, BatchSelection batch) {
    this.dictionary = dictionary;
    this.m = m;
    this.p = p;
    this.lambda = lambda;
    this.options = options;
    this.batch = batch;
  }

  public LassoGradientAggregator add(SampleBlock block) {
    if (block.m() != m) {
      throw new IllegalArgumentException("sample block starting at " + block.first() + " has m = " + block.m()
          + ", the dictionary has m = " + m);
    }
    if (sums == null) {
      sums = new GradientSums(m, p);
    }
    double[] x = block.x();
    int cols = block.cols();
    if (batch != null) {
      if (gathered == null || gathered.length < x.length) {
        gathered = new double[x.length];
      }
      cols = batch.gather(block, gathered);
      x = gathered;
    }
    if (cols == 0) {
      return this;
    }
    long t0 = System.nanoTime();
    FistaLasso solver = OperatorCache.lasso(dictionary.id(), dictionary.value(), m, p, lambda, options);
    FistaLasso.Result res = LassoGradient.accumulate(solver, x, 0, cols, sums);
    nanos += System.nanoTime() - t0;
    maxKkt = Math.max(maxKkt, res.maxKkt());
    unconverged += res.unconverged();
    return this;
  }

  public LassoGradientAggregator merge(LassoGradientAggregator other) {
    if (other.sums != null) {
      if (sums == null) {
        sums = other.sums;
      } else {
        sums.merge(other.sums);
      }
    }
    maxKkt = Math.max(maxKkt, other.maxKkt);
    unconverged += other.unconverged;
    nanos += other.nanos;
    return this;
  }

  public GradientSums sums() {
    return sums == null ? new GradientSums(m, p) : sums;
  }

  /** The largest KKT residual of any code. */
  public double maxKkt() {
    return maxKkt;
  }

  /** Samples whose code did not reach the KKT tolerance. */
  public long unconverged() {
    return unconverged;
  }

  /** Seconds in the solver and the gradient GEMMs, summed over tasks. */
  public double kernelSeconds() {
    return nanos * 1e-9;
  }
}
