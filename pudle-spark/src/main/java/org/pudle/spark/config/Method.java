package org.pudle.spark.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The dictionary-learning methods of the trainer. All run in the same driver loop
 * (the trainer's: oracle, optimizer step, column constraint, metrics) and differ in
 * their oracle and optimizer.
 */
public enum Method {
  /**
   * PUDLE (Algorithm 2): the gradient backpropagated through the T unfolded ISTA layers
   * ({@code gradient = dec | ae-ls | ae-lasso}, soft or hard threshold, lambda decay), then Adam.
   */
  PUDLE("pudle"),
  /**
   * Alternating minimization (Algorithm 1): exact lasso codes by FISTA to the KKT tolerance, then
   * {@code D <- D - eta g_hat}, {@code g_hat = mean (D z_hat - x) z_hat^T}.
   */
  ALTMIN("altmin"),
  /**
   * NOODL (Rambhatla et al., ICLR 2019): codes by iterative hard thresholding, then
   * {@code D <- D + eta_A mean (x - D z) sign(z)^T}.
   */
  NOODL("noodl");

  private final String key;

  Method(String key) {
    this.key = key;
  }

  /** The name used in configs and outputs. */
  public String key() {
    return key;
  }

  /** Parses {@code pudle}, {@code altmin} or {@code noodl} (case-insensitive). */
  public static Method parse(String s) {
    String k = s.trim().toLowerCase(Locale.ROOT);
    for (Method m : values()) {
      if (m.key.equals(k)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown method '" + s + "': expected one of "
        + Arrays.stream(values()).map(Method::key).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return key;
  }
}
