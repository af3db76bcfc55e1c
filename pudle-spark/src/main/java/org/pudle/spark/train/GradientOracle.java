package org.pudle.spark.train;

import org.pudle.kernels.GradientSums;

/**
 * Computes the gradient sums of one update of a learning method: over all samples (full batch)
 * or over the mini-batch of that update. Each method's oracle holds everything else it needs (the
 * encoder and its schedule for PUDLE, the lasso's lambda for altmin, the IHT settings for NOODL,
 * the convolutional encoder and the crops for the denoiser). The Spark implementations run one
 * distributed pass ({@link PassOracle}); the local one runs the kernels in this JVM.
 */
public interface GradientOracle {

  /**
   * The sums at the parameters {@code d} (a dictionary, or a filter bank) for update
   * {@code update} (0-based).
   *
   * @param d not modified
   */
  Result gradient(double[] d, int update);

  /**
   * @param kernelSeconds seconds spent inside the kernels, summed over tasks
   */
  record Result(GradientSums sums, double kernelSeconds) {}
}
