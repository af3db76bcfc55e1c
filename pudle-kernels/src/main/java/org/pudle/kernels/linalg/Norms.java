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
   * The relative residual at which {@link #spectral} stops:
   * {@code ||A^T u - sigma v|| <= 1e-13 sigma} for the returned Ritz triplet ({@code A v = sigma u}
   * holds to rounding), so some singular value of A lies within {@code 1e-13 sigma} of the result.
   */
  static final double LANCZOS_TOLERANCE = 1e-13;

  /** The largest Krylov dimension of {@link #spectral} before a thick restart. */
  static final int KRYLOV_DIMENSION = 64;

  /** How many Ritz vectors a thick restart keeps. */
  static final int KEPT_ON_RESTART = 32;

  /**
   * Steps between convergence checks: a check is a dense SVD of B (0.3 ms at j = 64, as much as
   * the two products with a 1000 x 1500 A), so checking every step would cost a third of the run.
   */
  static final int CHECK_EVERY = 4;

  /**
   * One run of {@link #spectralEstimate}: the largest Ritz value {@code sigma}, the Lanczos steps
   * taken (each one product with A and one with A^T, the cost of one power iteration), the thick
   * restarts, the residual {@code ||A^T u - sigma v||} of the returned triplet, and whether it met
   * {@link #LANCZOS_TOLERANCE} (or the Krylov space became invariant) within the step limit.
   */
  public record SpectralEstimate(double sigma, int steps, int restarts, double residual, boolean converged) {}

  /**
   * The spectral norm {@code sigma_max(A)} of a rows x cols matrix by Golub-Kahan-Lanczos
   * bidiagonalization with full reorthogonalization of both bases and thick restarts
   * ({@link #spectralEstimate}); agrees with {@link #singularValues}{@code [0]} to about
   * {@code 1e-13} relative.
   *
   * @param start a unit-free starting direction of length {@code cols}, or null; when non-null it
   *              is overwritten with the converged right singular vector, so the next call on a
   *              nearby matrix starts warm (left as it is when A is zero or not finite)
   * @param maxIterations the most Lanczos steps, at least 1
   */
  public static double spectral(double[] a, int rows, int cols, double[] start, int maxIterations) {
    return spectralEstimate(a, rows, cols, start, maxIterations).sigma();
  }

  /** {@link #spectral(double[], int, int, double[], int)} from a fixed start, at most 5000 steps. */
  public static double spectral(double[] a, int rows, int cols) {
    return spectral(a, rows, cols, null, 5000);
  }

  /**
   * {@link #spectral(double[], int, int, double[], int)} with its step count and residual.
   *
   * <p>Golub-Kahan-Lanczos from {@code v_1 = start}: {@code A V_j = U_j B_j} and
   * {@code A^T U_j = V_j B_j^T + beta_j v_{j+1} e_j^T}, with U and V kept orthonormal by two
   * classical Gram-Schmidt passes each step (dgemv). From the SVD {@code B_j = P S Q^T} (LAPACK
   * dgesdd) the Ritz triplet {@code (s_1, U_j p_1, V_j q_1)} has residual
   * {@code |beta_j e_j^T p_1|}; it stops when that is at most {@link #LANCZOS_TOLERANCE}
   * {@code s_1} (checked every {@link #CHECK_EVERY} steps). At {@link #KRYLOV_DIMENSION} steps it
   * restarts from the leading {@link #KEPT_ON_RESTART} Ritz vectors and {@code v_{j+1}} (the thick
   * restart of Baglama and Reichel's IRLBA), after which B is upper triangular rather than
   * bidiagonal; B is therefore held dense, each column as the coefficients the Gram-Schmidt passes
   * on the U side find. A Krylov space that becomes invariant ({@code alpha} or {@code beta} at
   * most the tolerance times the largest seen) ends the run: its Ritz values are singular values of
   * A, though not necessarily the largest when the start is exactly orthogonal to the top right
   * singular vector (a block-diagonal A with a start inside one block), as with power iteration.
   * If the given start yields {@code A v = 0}, the fixed generic start is tried; a zero matrix
   * gives 0. A non-finite {@code ||A v||} or {@code ||A^T u||} is returned as it is.
   */
  public static SpectralEstimate spectralEstimate(double[] a, int rows, int cols, double[] start, int maxSteps) {
    if (maxSteps < 1) {
      throw new IllegalArgumentException("maxSteps: expected at least 1, got " + maxSteps);
    }
    if (a.length < (long) rows * cols) {
      throw new IllegalArgumentException("a: expected " + rows + " x " + cols + " entries, got " + a.length);
    }
    if (start != null && start.length < cols) {
      throw new IllegalArgumentException("start: expected " + cols + " entries, got " + start.length);
    }
    if (rows == 0 || cols == 0) {
      return new SpectralEstimate(0, 0, 0, 0, true);
    }
    double startNorm = start == null ? 0 : frobenius(start, 0, cols);
    boolean given = startNorm > 0 && Double.isFinite(startNorm);
    Lanczos lanczos = new Lanczos(a, rows, cols);
    SpectralEstimate e = lanczos.run(given ? start : null, maxSteps, start);
    if (e == null && given) {
      // A v_1 = 0 from the given start: A is zero or the start lies in its null space
      e = lanczos.run(null, maxSteps, start);
    }
    return e == null ? new SpectralEstimate(0, given ? 2 : 1, 0, 0, true) : e;
  }

  /** The state of one Golub-Kahan-Lanczos run; see {@link #spectralEstimate}. */
  private static final class Lanczos {
    private final BLAS blas = Blas.blas();
    private final double[] a;
    private final int rows;
    private final int cols;
    /** The largest Krylov dimension; the bases hold one column more for an invariant last step. */
    private final int kmax;
    private final int ld;
    /** U (rows x ld) and V (cols x ld), column-major. */
    private final double[] u;
    private final double[] v;
    /** B (ld x ld), column-major, upper triangular. */
    private final double[] b;
    /** The SVD of the leading j x j block of B: P (ld x ld), S, Q^T (ld x ld). */
    private final double[] p;
    private final double[] s;
    private final double[] qt;
    private final double[] bCopy;
    private final double[] work;
    private final int[] iwork;
    private final double[] coefficients;

    Lanczos(double[] a, int rows, int cols) {
      this.a = a;
      this.rows = rows;
      this.cols = cols;
      this.kmax = Math.min(KRYLOV_DIMENSION, Math.min(rows, cols));
      this.ld = kmax + 1;
      this.u = new double[rows * ld];
      this.v = new double[cols * ld];
      this.b = new double[ld * ld];
      this.p = new double[ld * ld];
      this.s = new double[ld];
      this.qt = new double[ld * ld];
      this.bCopy = new double[ld * ld];
      this.iwork = new int[8 * ld];
      this.coefficients = new double[ld];
      double[] query = new double[1];
      org.netlib.util.intW info = new org.netlib.util.intW(0);
      Blas.lapack().dgesdd("S", ld, ld, bCopy, ld, s, p, ld, qt, ld, query, -1, iwork, info);
      this.work = new double[Math.max(1, (int) query[0])];
    }

    /**
     * Runs from {@code from} (or the generic start when null) and writes the Ritz vector into
     * {@code out} when non-null; null when {@code A v_1 = 0}.
     */
    SpectralEstimate run(double[] from, int maxSteps, double[] out) {
      Arrays.fill(b, 0);
      if (from != null) {
        System.arraycopy(from, 0, v, 0, cols);
      } else {
        // a fixed, generic start: not orthogonal to the top singular vector in practice
        for (int i = 0; i < cols; i++) {
          v[i] = 1.0 + 0.5 * Math.sin(1.0 + 7.0 * i);
        }
      }
      divide(v, 0, cols, frobenius(v, 0, cols));
      int j = 0;
      int steps = 0;
      int restarts = 0;
      double largest = 0;
      while (true) {
        // U side: alpha_j u_j = A v_j - U_j (U_j^T A v_j); the coefficients are column j of B
        blas.dgemv("N", rows, cols, 1.0, a, 0, rows, v, j * cols, 1, 0.0, u, j * rows, 1);
        steps++;
        orthogonalize(u, rows, j, b, j * ld);
        double alpha = frobenius(u, j * rows, rows);
        if (!Double.isFinite(alpha)) {
          return new SpectralEstimate(alpha, steps, restarts, Double.NaN, false);
        }
        if (j == 0 && alpha == 0) {
          return null;
        }
        boolean invariant = j == rows || alpha <= LANCZOS_TOLERANCE * largest;
        if (invariant) {
          // A v_j lies in span(U_j): the singular values of [B_j, b] are singular values of A
          b[j + j * ld] = 0;
          return finish(j + 1, steps, restarts, alpha, true, out);
        }
        b[j + j * ld] = alpha;
        largest = Math.max(largest, alpha);
        divide(u, j * rows, rows, alpha);
        // V side: beta_j v_{j+1} = A^T u_j - V_{j+1} (V_{j+1}^T A^T u_j)
        int next = (j + 1) * cols;
        blas.dgemv("T", rows, cols, 1.0, a, 0, rows, u, j * rows, 1, 0.0, v, next, 1);
        orthogonalize(v, cols, j + 1, null, 0);
        double beta = frobenius(v, next, cols);
        if (!Double.isFinite(beta)) {
          return new SpectralEstimate(beta, steps, restarts, Double.NaN, false);
        }
        j++;
        if (j == cols || beta <= LANCZOS_TOLERANCE * largest) {
          // A^T u_j lies in span(V_j) (all of R^cols when j = cols): B_j's singular values are A's
          return finish(j, steps, restarts, beta, true, out);
        }
        largest = Math.max(largest, beta);
        if (j % CHECK_EVERY == 0 || j == kmax || steps >= maxSteps) {
          svd(j);
          double residual = Math.abs(beta * p[j - 1]);
          boolean converged = residual <= LANCZOS_TOLERANCE * s[0];
          if (converged || steps >= maxSteps) {
            return ritz(j, steps, restarts, residual, converged, out);
          }
        }
        divide(v, next, cols, beta);
        if (j == kmax && j < rows) {
          // only reached when kmax = KRYLOV_DIMENSION < min(rows, cols)
          restart(j);
          j = KEPT_ON_RESTART;
          restarts++;
        }
      }
    }

    /** Keeps the leading Ritz vectors of the j-step factorization; v_{j+1} becomes v_{l+1}. */
    private void restart(int j) {
      int l = KEPT_ON_RESTART;
      double[] vl = new double[cols * l];
      blas.dgemm("N", "T", cols, l, j, 1.0, v, 0, cols, qt, 0, ld, 0.0, vl, 0, cols);
      double[] ul = new double[rows * l];
      blas.dgemm("N", "N", rows, l, j, 1.0, u, 0, rows, p, 0, ld, 0.0, ul, 0, rows);
      System.arraycopy(v, j * cols, v, l * cols, cols);
      System.arraycopy(vl, 0, v, 0, cols * l);
      System.arraycopy(ul, 0, u, 0, rows * l);
      Arrays.fill(b, 0);
      for (int i = 0; i < l; i++) {
        b[i + i * ld] = s[i];
      }
    }

    /** The SVD of B's leading j x j block into P, S and Q^T. */
    private void svd(int j) {
      for (int c = 0; c < j; c++) {
        System.arraycopy(b, c * ld, bCopy, c * j, j);
      }
      org.netlib.util.intW info = new org.netlib.util.intW(0);
      Blas.lapack().dgesdd("S", j, j, bCopy, j, s, p, ld, qt, ld, work, work.length, iwork, info);
      if (info.val != 0) {
        throw new ArithmeticException("dgesdd did not converge (info = " + info.val + ")");
      }
    }

    /** {@link #ritz} after the SVD of B's leading j x j block. */
    private SpectralEstimate finish(int j, int steps, int restarts, double residual, boolean converged,
        double[] out) {
      svd(j);
      return ritz(j, steps, restarts, residual, converged, out);
    }

    /**
     * Sets {@code out} to the right Ritz vector V_j q_1 and returns the estimate, from the SVD of
     * the leading j x j block of B already in P, S and Q^T.
     */
    private SpectralEstimate ritz(int j, int steps, int restarts, double residual, boolean converged,
        double[] out) {
      if (out != null) {
        blas.dgemv("N", cols, j, 1.0, v, 0, cols, qt, 0, ld, 0.0, out, 0, 1);
        divide(out, 0, cols, frobenius(out, 0, cols));
      }
      return new SpectralEstimate(s[0], steps, restarts, residual, converged);
    }

    /**
     * Takes column j of {@code basis} (n rows) out of the span of columns 0..j-1 by classical
     * Gram-Schmidt twice; adds the coefficients into {@code into[off..off+j)} when non-null.
     */
    private void orthogonalize(double[] basis, int n, int j, double[] into, int off) {
      if (j == 0) {
        return;
      }
      for (int pass = 0; pass < 2; pass++) {
        blas.dgemv("T", n, j, 1.0, basis, 0, n, basis, j * n, 1, 0.0, coefficients, 0, 1);
        blas.dgemv("N", n, j, -1.0, basis, 0, n, coefficients, 0, 1, 1.0, basis, j * n, 1);
        if (into != null) {
          for (int i = 0; i < j; i++) {
            into[off + i] += coefficients[i];
          }
        }
      }
    }
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

  private static void divide(double[] x, int off, int len, double by) {
    for (int i = off; i < off + len; i++) {
      x[i] /= by;
    }
  }
}
