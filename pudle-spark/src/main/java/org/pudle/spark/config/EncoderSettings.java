package org.pudle.spark.config;

import java.util.List;

import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.ThresholdKind;

/**
 * The keys of the unfolded ISTA encoder and its gradient. Their values are checked once, by
 * {@link EncoderParams} itself; {@link #from} names the key of a bad value.
 */
public final class EncoderSettings {
  private EncoderSettings() {}

  public static final Setting<Integer> T = Setting.integer("T", "200")
      .doc("unfolded ISTA layers");
  public static final Setting<Double> LAMBDA = Setting.real("lambda", "0.2")
      .doc("lasso weight lambda > 0");
  public static final Setting<Double> ALPHA = Setting.real("alpha", "0.2")
      .doc("ISTA step; must satisfy alpha < 2 / sigma_max(D0)^2");
  /**
   * {@code alpha} of {@code train} and {@code compare}: {@code auto} (null) or a step. Auto is
   * {@link IstaStep#auto}: {@code 1 / sigma_max(D)^2} of the dictionary of each update.
   */
  public static final Setting<Double> ALPHA_OR_AUTO = Setting.of("alpha", "auto", EncoderSettings::stepOrAuto,
      "auto or a positive number").nullAs("auto")
      .check(v -> v > 0 && !v.isInfinite(), "auto or a positive step")
      .doc("ISTA step: auto = 1 / sigma_max(D)^2 of the current dictionary, recomputed before every update (half "
          + "ISTA's bound 2 / sigma_max(D)^2, so it never fails); a number is checked against sigma_max(D0) and "
          + "then kept");
  public static final Setting<Double> LAMBDA_RELATIVE = Setting.real("lambda.relative", "0")
      .check(v -> v >= 0 && v < 1, "a fraction in [0, 1)")
      .doc("lambda relative to the data: lambda = this fraction of max over the samples of max|D0^T x| (the "
          + "smallest lambda with all codes zero); 0 = use lambda as given. The absolute value is in run.properties");
  public static final Setting<ThresholdKind> THRESHOLD = Setting.of("threshold", "soft", ThresholdKind::parse,
      "soft or hard")
      .doc("soft (sign(v) max(|v| - alpha lambda_t, 0)) or hard (v 1{|v| >= b_t})");
  public static final Setting<Double> HT_B = Setting.real("ht.b", "0.1")
      .doc("b of the hard threshold");
  public static final Setting<Double> LAMBDA_DECAY = Setting.real("lambda.decay", "1")
      .doc("beta of lambda_t = lambda beta^t (and b_t = b beta^t); 1 = no decay");
  public static final Setting<GradientKind> GRADIENT = Setting.of("gradient", "ae-ls", GradientKind::parse,
      "dec, ae-ls or ae-lasso").format(GradientKind::key)
      .doc("dec, ae-ls or ae-lasso");

  /** The encoder keys, without {@code gradient}. */
  public static final List<Setting<?>> ALL = List.of(T, LAMBDA, ALPHA, THRESHOLD, HT_B, LAMBDA_DECAY);

  /** The encoder keys of {@code train}: {@code alpha} may be auto, {@code lambda} relative to the data. */
  public static final List<Setting<?>> TRAIN = List.of(T, LAMBDA, LAMBDA_RELATIVE, ALPHA_OR_AUTO, THRESHOLD, HT_B,
      LAMBDA_DECAY);

  /** The encoder of the config, checked by {@link EncoderParams}. */
  public static EncoderParams from(Config c) {
    return from(c, c.get(ALPHA));
  }

  /**
   * The encoder of the config with ISTA's step {@code alpha} (where {@code alpha = auto} was
   * resolved by the caller, or a placeholder until it is).
   */
  public static EncoderParams from(Config c, double alpha) {
    int t = c.get(T);
    double lambda = c.get(LAMBDA);
    ThresholdKind th = c.get(THRESHOLD);
    double b = c.get(HT_B);
    double decay = c.get(LAMBDA_DECAY);
    return c.construct(() -> new EncoderParams(t, alpha, lambda, th, b, decay));
  }

  private static Double stepOrAuto(String s) {
    return "auto".equalsIgnoreCase(s.trim()) ? null : Double.valueOf(s);
  }
}
