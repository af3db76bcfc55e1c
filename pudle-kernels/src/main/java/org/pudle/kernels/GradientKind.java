package org.pudle.kernels;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The three gradients of PUDLE (paper eq. (8); docs/math.md#the-gradients), each averaged over the
 * samples of a batch.
 */
public enum GradientKind {
  /** {@code g_dec = mean (D z_T - x) z_T^T}: backpropagation through the decoder only. */
  DEC("dec"),
  /** {@code g_ae-ls}: backpropagation through encoder and decoder of {@code 1/2 ||x - D z_T||^2}. */
  AE_LS("ae-ls"),
  /** {@code g_ae-lasso}: the same for the lasso loss {@code 1/2 ||x - D z_T||^2 + lambda ||z_T||_1}. */
  AE_LASSO("ae-lasso");

  private final String key;

  GradientKind(String key) {
    this.key = key;
  }

  /** The name used in configs, CSV files and on the command line. */
  public String key() {
    return key;
  }

  /** Whether the gradient backpropagates through the unfolded encoder. */
  public boolean throughEncoder() {
    return this != DEC;
  }

  /** Parses {@code dec}, {@code ae-ls} or {@code ae-lasso} (case-insensitive). */
  public static GradientKind parse(String s) {
    String k = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (GradientKind g : values()) {
      if (g.key.equals(k)) {
        return g;
      }
    }
    throw new IllegalArgumentException("unknown gradient kind '" + s + "': expected one of "
        + Arrays.stream(values()).map(GradientKind::key).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return key;
  }
}
