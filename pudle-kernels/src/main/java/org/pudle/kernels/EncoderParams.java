package org.pudle.kernels;

import java.io.Serializable;

/**
 * The unfolded ISTA encoder (docs/math.md#the-unfolded-encoder): {@code T} layers
 * {@code z_{t+1} = S_t(z_t - alpha D^T (D z_t - x))}, {@code z_0 = 0}.
 *
 * <p>Conventions, pinned by the tests:
 * <ul>
 *   <li>layer {@code t} (mapping {@code z_t} to {@code z_{t+1}}, {@code t = 0..T-1}) uses
 *       {@code lambda_t = lambda * decay^t}, so the first layer uses {@code lambda}; the soft
 *       threshold level is {@code alpha * lambda_t};
 *   <li>with the hard threshold the level is {@code b_t = htB * decay^t};
 *   <li>the l1 term of the ae-lasso loss uses the base {@code lambda}, also with decay.
 * </ul>
 *
 * @param T       the number of unfolded layers, at least 1
 * @param alpha   the ISTA step, positive (ISTA converges for {@code alpha < 2 / sigma_max(D)^2})
 * @param lambda  the lasso weight, positive
 * @param threshold soft or hard thresholding
 * @param htB     the hard threshold {@code b}; ignored for the soft threshold
 * @param decay   {@code beta} in {@code lambda_t = lambda beta^t}, in (0, 1]; 1 means no decay
 */
public record EncoderParams(int T, double alpha, double lambda, ThresholdKind threshold, double htB, double decay)
    implements Serializable {

  public EncoderParams {
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
      throw new IllegalArgumentException("threshold: expected soft or hard, got null");
    }
    if (threshold == ThresholdKind.HARD && (!(htB > 0) || Double.isInfinite(htB))) {
      throw new IllegalArgumentException("ht.b: the hard threshold needs a positive b, got " + htB);
    }
    if (!(decay > 0 && decay <= 1)) {
      throw new IllegalArgumentException("lambda.decay: expected beta in (0, 1], got " + decay);
    }
  }

  /** A soft-threshold encoder without decay. */
  public static EncoderParams soft(int T, double alpha, double lambda) {
    return new EncoderParams(T, alpha, lambda, ThresholdKind.SOFT, 0, 1);
  }

  /** The same encoder with another depth. */
  public EncoderParams withT(int newT) {
    return new EncoderParams(newT, alpha, lambda, threshold, htB, decay);
  }

  /** The same encoder with another decay factor. */
  public EncoderParams withDecay(double newDecay) {
    return new EncoderParams(T, alpha, lambda, threshold, htB, newDecay);
  }

  /** The proximal operator of every layer. */
  public Threshold newThreshold() {
    double[] levels = new double[T];
    for (int t = 0; t < T; t++) {
      double scale = Math.pow(decay, t);
      levels[t] = threshold == ThresholdKind.SOFT ? alpha * lambda * scale : htB * scale;
    }
    return threshold == ThresholdKind.SOFT ? new Threshold.Soft(levels) : new Threshold.Hard(levels);
  }
}
