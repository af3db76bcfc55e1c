package org.pudle.kernels.conv;

import java.io.Serializable;

/**
 * The unfolded convolutional ISTA encoder of the denoiser (paper section 4 and appendix B.3):
 * {@code z_0 = 0}, {@code z_{t+1} = S(z_t - alpha D^T (D z_t - y))} for {@code t = 0..T-1}, with
 * {@code D} the transposed strided convolution and {@code S} a {@link ConvThreshold} at level
 * {@code alpha lambda} (soft) or {@code b} (hard). The paper's denoiser: T = 15, alpha = 0.1.
 *
 * @param T         unfolded layers, at least 1
 * @param alpha     ISTA step, positive
 * @param lambda    lasso weight, positive (the soft thresholds; also the l1 weight of ae-lasso)
 * @param threshold the proximal step
 * @param htB       the bias b of the hard thresholds, positive when one is used
 */
public record ConvEncoderParams(int T, double alpha, double lambda, ConvThreshold threshold, double htB)
    implements Serializable {

  public ConvEncoderParams {
    if (T < 1) {
      throw new IllegalArgumentException("T: expected at least 1 layer, got " + T);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("alpha: expected a positive step, got " + alpha);
    }
    if (!(lambda > 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("lambda: expected a positive value, got " + lambda);
    }
    if (threshold == null) {
      throw new IllegalArgumentException("threshold: expected one, got null");
    }
    if (threshold.hard() && (!(htB > 0) || Double.isInfinite(htB))) {
      throw new IllegalArgumentException("ht.b: the hard threshold needs a positive b, got " + htB);
    }
  }

  /** The threshold level of every layer: {@code alpha lambda} for the soft thresholds, {@code b} for the hard ones. */
  public double level() {
    return threshold.hard() ? htB : alpha * lambda;
  }
}
