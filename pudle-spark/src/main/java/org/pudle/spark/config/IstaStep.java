package org.pudle.spark.config;

import java.util.Locale;

/**
 * ISTA's step condition, checked in one place: the iteration {@code z <- S(z - alpha D^T (D z - x))}
 * converges for {@code alpha < 2 / sigma_max(D)^2} (the gradient step on the least-squares term is
 * then a contraction of its smooth part). Every job checks its step against the dictionary it
 * starts from; NOODL's IHT step {@code eta_x} has the same bound.
 */
public final class IstaStep {
  private IstaStep() {}

  /**
   * The step of {@code alpha = auto}: {@code 1 / sigma_max(D)^2}, ISTA's classical step 1/L (L the
   * Lipschitz constant of the least-squares gradient), a margin of a factor 2 inside
   * {@link #bound}. Training recomputes it from the dictionary before every update, so it stays
   * valid however D changes.
   */
  public static double auto(double sigmaMax) {
    return 1 / (sigmaMax * sigmaMax);
  }

  /** {@code 2 / sigma_max^2}: the steps below it converge. */
  public static double bound(double sigmaMaxSquared) {
    return 2 / sigmaMaxSquared;
  }

  /**
   * What is wrong with ISTA's step {@code alpha} for a dictionary with
   * {@code sigma_max(D)^2 = sigmaMaxSquared}, or null when it converges.
   *
   * @param dictionary what the dictionary is: {@code D0}, a file name
   */
  public static String violation(double alpha, double sigmaMaxSquared, String dictionary) {
    return violation("ISTA", "alpha", alpha, sigmaMaxSquared, dictionary);
  }

  /**
   * What is wrong with {@code step} of an iteration with ISTA's bound, or null when it converges.
   *
   * @param iteration the iteration in the message: {@code ISTA}, {@code IHT}
   * @param name      the step's name in the message: {@code alpha}, {@code eta_x}
   */
  public static String violation(String iteration, String name, double step, double sigmaMaxSquared,
      String dictionary) {
    double bound = bound(sigmaMaxSquared);
    if (step < bound) {
      return null;
    }
    return String.format(Locale.ROOT, "%s needs %s < 2 / sigma_max(D)^2 = %.6g for %s (sigma_max = %.6g), got %s",
        iteration, name, bound, dictionary, Math.sqrt(sigmaMaxSquared), step);
  }

  /**
   * Checks config key {@code alpha}.
   *
   * @param sigmaMax the largest singular value of the dictionary the encoder starts from
   * @throws ConfigException naming the key and its source when ISTA would diverge
   */
  public static void check(Config c, double alpha, double sigmaMax, String dictionary) {
    String v = violation(alpha, sigmaMax * sigmaMax, dictionary);
    if (v != null) {
      throw c.error(EncoderSettings.ALPHA.name(), v);
    }
  }
}
