package org.pudle.kernels.linalg;

import java.util.Arrays;

import dev.ludovic.netlib.blas.BLAS;

/** Matrix norms on column-major arrays. */
public final class Norms {
  private Norms() {}

  /** The Frobenius norm of the first {@code len} entries, with scaling against overflow. */
  public static double frobenius(double[] a, int off, int len) {
    double scale = 0;
    for (int i = off; i < off + len; i++) {
      scale = Math.max(scale, Math.abs(a[i]));
    }
    if (scale == 0 || !Double.isFinite(scale)) {
      return scale;
    }
    double s = 0;
    for (int i = off; i < off + len; i++) {
      double x = a[i] / scale;
      s += x * x;
    }
    return scale * Math.sqrt(s);
  }

  public static double frobenius(double[] a) {
    return frobenius(a, 0, a.length);
  }

  /**
   * The spectral norm {@code sigma_max(A)} of a rows x cols matrix by power iteration on
   * {@code A^T A}, stopped when the estimate changes by less than {@code 1e-12} relative over
   * five iterations, or after {@code maxIterations}.
   *
   * @param start a unit-free starting direction of length {@code cols}, or null; when non-null it
   *              is overwritten with the converged right singular vector, so the next call on a
   *              nearby matrix starts warm
   */
  public static double spectral(double[] a, int rows, int cols, double[] start, int maxIterations) {
    if (rows == 0 || cols == 0) {
      return 0;
    }
    BLAS blas = Blas.blas();
    double[] v = new double[cols];
    if (start != null && frobenius(start, 0, cols) > 0) {
      System.arraycopy(start, 0, v, 0, cols);
    } else {
      // a fixed, generic start: not orthogonal to the top singular vector in practice
      for (int i = 0; i < cols; i++) {
        v[i] = 1.0 + 0.5 * Math.sin(1.0 + 7.0 * i);
      }
    }
    scaleToUnit(v);
    double[] u = new double[rows];
    double sigma = 0;
    double settledAt = 0;
    int settled = 0;
    for (int it = 0; it < maxIterations; it++) {
      blas.dgemv("N", rows, cols, 1.0, a, 0, rows, v, 0, 1, 0.0, u, 0, 1);
      double next = frobenius(u, 0, rows);
      if (next == 0) {
        Arrays.fill(v, 0);
        return 0;
      }
      blas.dgemv("T", rows, cols, 1.0, a, 0, rows, u, 0, 1, 0.0, v, 0, 1);
      scaleToUnit(v);
      if (Math.abs(next - settledAt) <= 1e-12 * next) {
        if (++settled >= 5) {
          sigma = next;
          break;
        }
      } else {
        settled = 0;
        settledAt = next;
      }
      sigma = next;
    }
    if (start != null) {
      System.arraycopy(v, 0, start, 0, cols);
    }
    return sigma;
  }

  /** {@link #spectral(double[], int, int, double[], int)} from a fixed start, at most 5000 iterations. */
  public static double spectral(double[] a, int rows, int cols) {
    return spectral(a, rows, cols, null, 5000);
  }

  /** The singular values of a rows x cols matrix, descending, by LAPACK dgesdd. */
  public static double[] singularValues(double[] a, int rows, int cols) {
    double[] work1 = a.clone();
    int k = Math.min(rows, cols);
    double[] s = new double[k];
    if (k == 0) {
      return s;
    }
    int[] iwork = new int[8 * k];
    double[] query = new double[1];
    org.netlib.util.intW info = new org.netlib.util.intW(0);
    var lapack = Blas.lapack();
    lapack.dgesdd("N", rows, cols, work1, rows, s, new double[1], 1, new double[1], 1, query, -1, iwork, info);
    double[] work = new double[Math.max(1, (int) query[0])];
    lapack.dgesdd("N", rows, cols, work1, rows, s, new double[1], 1, new double[1], 1, work, work.length,
        iwork, info);
    if (info.val != 0) {
      throw new ArithmeticException("dgesdd did not converge (info = " + info.val + ")");
    }
    return s;
  }

  private static void scaleToUnit(double[] v) {
    double n = frobenius(v, 0, v.length);
    if (n > 0) {
      for (int i = 0; i < v.length; i++) {
        v[i] /= n;
      }
    }
  }
}
