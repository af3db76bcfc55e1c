package org.pudle.spark.train;

import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientSums;

/**
 * Computes the gradient sums of one update: over all samples (full batch) or over the mini-batch
 * of that update. The Spark implementation runs a distributed pass; the local one runs the
 * kernels in this JVM.
 */
public interface GradientOracle {

  /** The sums at dictionary {@code d} for update {@code update} (0-based). */
  Result gradient(double[] d, EncoderParams encoder, int update);

  /**
   * @param kernelSeconds seconds spent inside the kernels, summed over tasks
   */
  record Result(GradientSums sums, double kernelSeconds) {}
}
