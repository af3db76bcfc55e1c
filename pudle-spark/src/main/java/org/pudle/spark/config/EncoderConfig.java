package org.pudle.spark.config;

import java.util.List;

import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.ThresholdKind;

/** Reads the encoder keys shared by every job into {@link EncoderParams}. */
public final class EncoderConfig {
  private EncoderConfig() {}

  public static final List<KeyDoc> KEYS = List.of(
      new KeyDoc("T", "200", "unfolded ISTA layers"),
      new KeyDoc("lambda", "0.2", "lasso weight lambda > 0"),
      new KeyDoc("alpha", "0.2", "ISTA step; must satisfy alpha < 2 / sigma_max(D0)^2"),
      new KeyDoc("threshold", "soft", "soft (sign(v) max(|v| - alpha lambda_t, 0)) or hard (v 1{|v| >= b_t})"),
      new KeyDoc("ht.b", "0.1", "b of the hard threshold"),
      new KeyDoc("lambda.decay", "1", "beta of lambda_t = lambda beta^t (and b_t = b beta^t); 1 = no decay"));

  public static final KeyDoc GRADIENT = new KeyDoc("gradient", "ae-ls", "dec, ae-ls or ae-lasso");

  public static EncoderParams from(Config c) {
    int T = c.integer("T", 200);
    double lambda = c.real("lambda", 0.2);
    double alpha = c.real("alpha", 0.2);
    ThresholdKind th = c.parse("threshold", ThresholdKind.SOFT, ThresholdKind::parse, "soft or hard");
    double b = c.real("ht.b", 0.1);
    double decay = c.real("lambda.decay", 1.0);
    if (T < 1) {
      throw c.error("T", "expected at least one layer, got " + T);
    }
    if (!(lambda > 0) || Double.isInfinite(lambda)) {
      throw c.error("lambda", "expected a positive value, got " + lambda);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw c.error("alpha", "expected a positive step, got " + alpha);
    }
    if (th == ThresholdKind.HARD && (!(b > 0) || Double.isInfinite(b))) {
      throw c.error("ht.b", "the hard threshold needs b > 0, got " + b);
    }
    if (!(decay > 0 && decay <= 1)) {
      throw c.error("lambda.decay", "expected beta in (0, 1], got " + decay);
    }
    return new EncoderParams(T, alpha, lambda, th, b, decay);
  }

  public static GradientKind gradient(Config c) {
    return c.parse("gradient", GradientKind.AE_LS, GradientKind::parse, "dec, ae-ls or ae-lasso");
  }

  /**
   * Rejects a step that ISTA cannot converge with: {@code alpha < 2 / sigma_max(D)^2}.
   *
   * @param sigmaMax the largest singular value of the dictionary the encoder starts from
   */
  public static void checkStep(Config c, double alpha, double sigmaMax, String dictionary) {
    double bound = 2 / (sigmaMax * sigmaMax);
    if (!(alpha < bound)) {
      throw c.error("alpha", String.format(java.util.Locale.ROOT,
          "ISTA needs alpha < 2 / sigma_max(D)^2 = %.6g for %s (sigma_max = %.6g), got %s", bound, dictionary,
          sigmaMax, alpha));
    }
  }
}
