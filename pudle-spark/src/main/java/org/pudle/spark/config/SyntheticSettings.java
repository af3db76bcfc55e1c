package org.pudle.spark.config;

import java.util.List;
import java.util.regex.Pattern;

import org.pudle.kernels.data.SignMode;

/** The keys of the synthetic data (the paper's sparse model): {@link SyntheticParams}. */
public final class SyntheticSettings {
  private SyntheticSettings() {}

  /** {@code c/log(m)}: a multiple of the natural log of m. */
  static final Pattern OVER_LOG_M = Pattern.compile("\\s*([0-9.eE+-]+)\\s*/\\s*log\\s*\\(\\s*m\\s*\\)\\s*");

  public static final Setting<Integer> M = Setting.integer("m", "50")
      .check(v -> v >= 1, "a positive dimension")
      .doc("signal dimension");
  public static final Setting<Integer> P = Setting.integer("p", "100")
      .check(v -> v >= 1, "a positive number of atoms")
      .doc("number of atoms");
  public static final Setting<Integer> K = Setting.integer("k", "5")
      .doc("non-zeros per synthetic code (1 <= k <= p)");
  public static final Setting<Long> N = Setting.longInteger("n", "10000")
      .check(v -> v >= 1, "at least one sample")
      .doc("number of synthetic samples");
  public static final Setting<Long> SEED = Setting.longInteger("seed", "1")
      .doc("seed of D_tilde, D0, the samples and the mini-batches");
  public static final Setting<SignMode> SIGN = Setting.of("sign", "per-sample", SignMode::parse,
      "none, per-sample or per-entry").format(SignMode::key)
      .doc("code signs: none, per-sample (authors' code) or per-entry");
  public static final Setting<Double> NOISE = Setting.real("noise", "0")
      .check(v -> v >= 0 && !v.isInfinite(), "a non-negative standard deviation")
      .doc("standard deviation of additive Gaussian noise on x");
  /** Kept as written: {@code c/log(m)} is resolved with m ({@link SyntheticParams#tauB}). */
  public static final Setting<String> INIT_TAU = Setting.of("init.tau", "0.55/log(m)", SyntheticSettings::tauText,
      "a number or c/log(m)")
      .doc("tau_B of D0 = D_tilde + tau_B B, B ~ N(0, 1/m); a number or c/log(m) (natural log)");

  public static final List<Setting<?>> ALL = List.of(M, P, K, N, SEED, SIGN, NOISE, INIT_TAU);

  private static String tauText(String text) {
    if (!OVER_LOG_M.matcher(text).matches()) {
      Double.parseDouble(text);
    }
    return text;
  }
}
