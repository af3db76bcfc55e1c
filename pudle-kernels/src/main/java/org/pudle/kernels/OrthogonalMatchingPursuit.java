package org.pudle.kernels;

import org.pudle.kernels.linalg.Blas;

import dev.ludovic.netlib.blas.BLAS;

/**
 * Orthogonal matching pursuit (Pati, Rezaiifar and Krishnaprasad 1993) on every column of a
 * block: a greedy code with at most {@code K} non-zeros. Starting from the empty support S and
 * the residual {@code r = x}, each step adds the atom most correlated with the residual,
 * <pre>
 *   j = argmax_{i not in S} |d_i^T r| / ||d_i||,        S <- S + {j},
 *   z_S = argmin ||x - D_S z_S||^2 = (D_S^T D_S)^{-1} D_S^T x,    r = x - D_S z_S,
 * </pre>
 * so that the residual is orthogonal to every chosen atom. The least squares of each step reuse
 * the Cholesky factor of {@code G_SS = D_S^T D_S} from the step before, grown by one row
 * ({@code L w = G_Sj}, new pivot {@code sqrt(G_jj - w^T w)}), and the correlations are updated
 * as {@code D^T r = D^T x - G_{:S} z_S} with the Gram matrix {@code G = D^T D} prepared once, as
 * in the Cholesky-OMP of Rubinstein, Zibulevsky and Elad (2008). Everything is in double.
 *
 * <p>A column stops before {@code K} atoms when the residual is orthogonal to every atom to
 * rounding (its largest normalized correlation is at most {@value #ORTHOGONAL} times the first
 * step's) or when the best atom lies in the span of the chosen ones (its pivot is at most
 * {@value #DEPENDENT} {@code G_jj}). Columns of D that are zero are never chosen.
 *
 * <p>{@link #solve} allocates its own scratch, so one instance may serve several threads.
 */
public final class OrthogonalMatchingPursuit {
  /** The relative correlation below which the residual counts as orthogonal to every atom. */
  static final double ORTHOGONAL = 1e-12;
  /** The relative pivot below which an atom counts as dependent on the chosen ones. */
  static final double DEPENDENT = 1e-12;

  private final BLAS blas = Blas.blas();
  private final double[] d;
  private final int m;
  private final int p;
  private final int maxNonZeros;
  private final double[] g;
  private final double[] norms;

  /**
   * @param d           the dictionary m x p, column-major; not modified, not copied
   * @param maxNonZeros K, the most non-zeros of a code, at least 1 (more than min(m, p) acts as
   *                    min(m, p))
   */
  public OrthogonalMatchingPursuit(double[] d, int m, int p, int maxNonZeros) {
    if (m < 1 || p < 1) {
      throw new IllegalArgumentException("dictionary shape: expected m, p >= 1, got " + m + " x " + p);
    }
    if (d.length != (long) m * p) {
      throw new IllegalArgumentException("dictionary: expected " + m + " x " + p + " entries, got " + d.length);
    }
    if (maxNonZeros < 1) {
      throw new IllegalArgumentException("maxNonZeros: expected at least 1, got " + maxNonZeros);
    }
    this.d = d;
    this.m = m;
    this.p = p;
    this.maxNonZeros = Math.min(maxNonZeros, Math.min(m, p));
    this.g = new double[p * p];
    blas.dsyrk("U", "T", p, m, 1.0, d, 0, m, 0.0, g, 0, p);
    for (int j = 0; j < p; j++) {
      for (int i = 0; i < j; i++) {
        g[j + i * p] = g[i + j * p];
      }
    }
    this.norms = new double[p];
    for (int j = 0; j < p; j++) {
      norms[j] = Math.sqrt(g[j + j * p]);
    }
  }

  public int m() {
    return m;
  }

  public int p() {
    return p;
  }

  /** K: the most non-zeros of a code (capped at min(m, p)). */
  public int maxNonZeros() {
    return maxNonZeros;
  }

  /** The dictionary (shared, do not modify). */
  public double[] dictionary() {
    return d;
  }

  /**
   * The codes of the {@code cols} columns of {@code x} starting at {@code xOff}, p x cols
   * column-major, each with at most {@link #maxNonZeros} non-zeros.
   *
   * @param x not modified
   */
  public double[] solve(double[] x, int xOff, int cols) {
    if (cols < 0 || xOff < 0 || xOff + (long) m * cols > x.length) {
      throw new IllegalArgumentException("block: need " + (long) m * cols + " entries from offset " + xOff
          + ", array has " + x.length);
    }
    double[] z = new double[p * cols];
    if (cols == 0) {
      return z;
    }
    // A = D^T X, the correlations of the samples
    double[] a = new double[p * cols];
    blas.dgemm("T", "N", p, cols, m, 1.0, d, 0, m, x, xOff, m, 0.0, a, 0, p);
    Scratch s = new Scratch();
    for (int c = 0; c < cols; c++) {
      code(a, c * p, z, c * p, s);
    }
    return z;
  }

  /** Per-thread scratch of one column's pursuit. */
  private final class Scratch {
    final int k = maxNonZeros;
    final double[] corr = new double[p];
    final boolean[] chosen = new boolean[p];
    final int[] support = new int[k];
    /** The Cholesky factor of G_SS, lower triangular, row-major k x k. */
    final double[] l = new double[k * k];
    final double[] w = new double[k];
    final double[] coef = new double[k];
  }

  /** One column: {@code a[aOff..]} holds D^T x; the code goes to {@code z[zOff..]} (zero on entry). */
  private void code(double[] a, int aOff, double[] z, int zOff, Scratch s) {
    int kMax = s.k;
    System.arraycopy(a, aOff, s.corr, 0, p);
    java.util.Arrays.fill(s.chosen, false);
    double first = -1;
    int k = 0;
    while (k < kMax) {
      int j = -1;
      double best = 0;
      for (int i = 0; i < p; i++) {
        if (!s.chosen[i] && norms[i] > 0) {
          double v = Math.abs(s.corr[i]) / norms[i];
          if (v > best) {
            best = v;
            j = i;
          }
        }
      }
      if (first < 0) {
        first = best;
      }
      if (j < 0 || !(best > ORTHOGONAL * first)) {
        break;
      }
      // grow the factor: L w = G_Sj, pivot^2 = G_jj - w^T w
      double pivot2 = g[j + j * p];
      for (int r = 0; r < k; r++) {
        double v = g[s.support[r] + j * p];
        for (int c = 0; c < r; c++) {
          v -= s.l[r * kMax + c] * s.w[c];
        }
        s.w[r] = v / s.l[r * kMax + r];
        pivot2 -= s.w[r] * s.w[r];
      }
      if (!(pivot2 > DEPENDENT * g[j + j * p])) {
        break;
      }
      for (int c = 0; c < k; c++) {
        s.l[k * kMax + c] = s.w[c];
      }
      s.l[k * kMax + k] = Math.sqrt(pivot2);
      s.support[k] = j;
      s.chosen[j] = true;
      k++;
      // L L^T z_S = (D^T x)_S: forward, then backward substitution
      for (int r = 0; r < k; r++) {
        double v = a[aOff + s.support[r]];
        for (int c = 0; c < r; c++) {
          v -= s.l[r * kMax + c] * s.coef[c];
        }
        s.coef[r] = v / s.l[r * kMax + r];
      }
      for (int r = k - 1; r >= 0; r--) {
        double v = s.coef[r];
        for (int c = r + 1; c < k; c++) {
          v -= s.l[c * kMax + r] * s.coef[c];
        }
        s.coef[r] = v / s.l[r * kMax + r];
      }
      // D^T r = D^T x - G_{:S} z_S
      System.arraycopy(a, aOff, s.corr, 0, p);
      for (int r = 0; r < k; r++) {
        blas.daxpy(p, -s.coef[r], g, s.support[r] * p, 1, s.corr, 0, 1);
      }
    }
    for (int r = 0; r < k; r++) {
      z[zOff + s.support[r]] = s.coef[r];
    }
  }
}
