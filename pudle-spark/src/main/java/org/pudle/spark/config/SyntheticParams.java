package org.pudle.spark.config;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;

/**
 * The synthetic data of docs/math.md#synthetic-data.
 *
 * @param tauB  {@code tau_B} of the initial dictionary {@code D0 = D_tilde + tau_B B}
 * @param noise the standard deviation of additive Gaussian noise on x
 */
public record SyntheticParams(int m, int p, int k, long n, long seed, SignMode sign, double noise, double tauB,
    String tauBText) {

  public static final List<KeyDoc> KEYS = List.of(
      new KeyDoc("m", "50", "signal dimension"),
      new KeyDoc("p", "100", "number of atoms"),
      new KeyDoc("k", "5", "non-zeros per synthetic code (1 <= k <= p)"),
      new KeyDoc("n", "10000", "number of synthetic samples"),
      new KeyDoc("seed", "1", "seed of D_tilde, D0, the samples and the mini-batches"),
      new KeyDoc("sign", "per-sample", "code signs: none, per-sample (authors' code) or per-entry"),
      new KeyDoc("noise", "0", "standard deviation of additive Gaussian noise on x"),
      new KeyDoc("init.tau", "0.55/log(m)", "tau_B of D0 = D_tilde + tau_B B, B ~ N(0, 1/m); a number or c/log(m) (natural log)"));

  private static final Pattern OVER_LOG_M = Pattern.compile("\\s*([0-9.eE+-]+)\\s*/\\s*log\\s*\\(\\s*m\\s*\\)\\s*");

  public static SyntheticParams from(Config c) {
    int m = c.integer("m", 50);
    int p = c.integer("p", 100);
    int k = c.integer("k", 5);
    long n = c.longValue("n", 10000);
    long seed = c.longValue("seed", 1);
    SignMode sign = c.parse("sign", SignMode.PER_SAMPLE, SignMode::parse, "none, per-sample or per-entry");
    double noise = c.real("noise", 0);
    String tauText = c.string("init.tau", "0.55/log(m)");
    if (m < 1) {
      throw c.error("m", "expected a positive dimension, got " + m);
    }
    if (p < 1) {
      throw c.error("p", "expected a positive number of atoms, got " + p);
    }
    if (k < 1 || k > p) {
      throw c.error("k", "expected 1 <= k <= p = " + p + ", got " + k);
    }
    if (n < 1) {
      throw c.error("n", "expected at least one sample, got " + n);
    }
    if (!(noise >= 0) || Double.isInfinite(noise)) {
      throw c.error("noise", "expected a non-negative standard deviation, got " + noise);
    }
    double tau = parseTau(c, tauText, m);
    return new SyntheticParams(m, p, k, n, seed, sign, noise, tau, tauText);
  }

  private static double parseTau(Config c, String text, int m) {
    double tau;
    Matcher over = OVER_LOG_M.matcher(text);
    try {
      if (over.matches()) {
        if (m < 2) {
          throw c.error("init.tau", "c/log(m) needs m >= 2, got m = " + m);
        }
        tau = Double.parseDouble(over.group(1)) / Math.log(m);
      } else {
        tau = Double.parseDouble(text);
      }
    } catch (NumberFormatException e) {
      throw c.error("init.tau", "expected a number or c/log(m), got '" + text + "'");
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
