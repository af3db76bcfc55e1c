package org.pudle.spark.config;

import java.util.regex.Matcher;

import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;

/**
 * The synthetic data of docs/math.md#synthetic-data: samples {@code x = D_tilde z} with k-sparse
 * codes z (the keys of {@link SyntheticSettings}).
 *
 * @param tauB  {@code tau_B} of the initial dictionary {@code D0 = D_tilde + tau_B B}
 * @param noise the standard deviation of additive Gaussian noise on x
 */
public record SyntheticParams(int m, int p, int k, long n, long seed, SignMode sign, double noise, double tauB,
    String tauBText) {

  /** Reads the keys of {@link SyntheticSettings}. */
  public static SyntheticParams from(Config c) {
    int m = c.get(SyntheticSettings.M);
    int p = c.get(SyntheticSettings.P);
    int k = c.get(SyntheticSettings.K);
    long n = c.get(SyntheticSettings.N);
    long seed = c.get(SyntheticSettings.SEED);
    SignMode sign = c.get(SyntheticSettings.SIGN);
    double noise = c.get(SyntheticSettings.NOISE);
    String tauText = c.get(SyntheticSettings.INIT_TAU);
    if (k < 1 || k > p) {
      throw c.error("k", "expected 1 <= k <= p = " + p + ", got " + k);
    }
    return new SyntheticParams(m, p, k, n, seed, sign, noise, tauB(c, tauText, m), tauText);
  }

  /** {@code init.tau}: a number, or {@code c/log(m)} resolved with m. */
  private static double tauB(Config c, String text, int m) {
    double tau;
    Matcher over = SyntheticSettings.OVER_LOG_M.matcher(text);
    if (over.matches()) {
      if (m < 2) {
        throw c.error("init.tau", "c/log(m) needs m >= 2, got m = " + m);
      }
      tau = Double.parseDouble(over.group(1)) / Math.log(m);
    } else {
      tau = Double.parseDouble(text);
    }
    if (!(tau >= 0) || Double.isInfinite(tau)) {
      throw c.error("init.tau", "expected a non-negative value, got " + tau);
    }
    return tau;
  }

  /** The model that generates these data. */
  public SyntheticModel model() {
    return new SyntheticModel(m, p, k, seed, sign, noise);
  }
}
