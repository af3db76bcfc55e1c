package org.pudle.kernels;

import org.pudle.kernels.linalg.Blas;

/**
 * A dictionary {@code D} (m x p, column-major) with the ISTA iteration matrix
 * {@code G = I - alpha D^T D} (p x p) of the unfolded encoder, computed once per dictionary and
 * shared read-only by every block and thread that encodes with it.
 *
 * <p>The arrays are not copied: callers must not modify {@code D} while the operator is in use.
 */
public final class DictionaryOperator {
  private final double[] d;
  private final int m;
  private final int p;
  private final double alpha;
  private final double[] g;

  private DictionaryOperator(double[] d, int m, int p, double alpha, double[] g) {
    this.d = d;
    this.m = m;
    this.p = p;
    this.alpha = alpha;
    this.g = g;
  }

  /**
   * Builds {@code G = I - alpha D^T D} with one SYRK (m p^2 flops).
   *
   * @param d the dictionary, m x p column-major, length {@code m * p}; not modified
   */
  public static DictionaryOperator of(double[] d, int m, int p, double alpha) {
    if (m < 1 || p < 1) {
      throw new IllegalArgumentException("dictionary shape: expected m >= 1 and p >= 1, got " + m + " x " + p);
    }
    if (d.length != (long) m * p) {
      throw new IllegalArgumentException(
          "dictionary: expected " + m + " x " + p + " = " + (long) m * p + " entries, got " + d.length);
    }
    double[] g = new double[p * p];
    Blas.blas().dsyrk("U", "T", p, m, -alpha, d, 0, m, 0.0, g, 0, p);
    for (int j = 0; j < p; j++) {
      g[j + j * p] += 1.0;
      for (int i = 0; i < j; i++) {
        g[j + i * p] = g[i + j * p];
      }
    }
    return new DictionaryOperator(d, m, p, alpha, g);
  }

  /** The dictionary, m x p column-major (shared, do not modify). */
  public double[] d() {
    return d;
  }

  /** {@code G = I - alpha D^T D}, p x p column-major (shared, do not modify). */
  public double[] g() {
    return g;
  }

  public int m() {
    return m;
  }

  public int p() {
    return p;
  }

  public double alpha() {
    return alpha;
  }
}
