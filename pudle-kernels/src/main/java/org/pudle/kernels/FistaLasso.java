package org.pudle.kernels;

import java.util.Arrays;

import org.netlib.util.intW;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.linalg.Norms;

import dev.ludovic.netlib.blas.BLAS;

/**
 * Solves the lasso {@code min_z 1/2 ||x - D z||^2 + lambda ||z||_1} (paper eq. (1)) for every
 * column of a block, to a tolerance on the optimality conditions.
 *
 * <p>FISTA (Beck and Teboulle) with step {@code 1/L}, {@code L = sigma_max(D)^2}, on the whole
 * block, its products with {@code H = D^T D} by GEMM or on the supports of the iterates of the
 * columns still iterating ({@link GramProduct}), and the gradient-based adaptive restart of
 * O'Donoghue and Candes per column.
 * The iterate change alone is not trusted: every {@code checkEvery} iterations the KKT residual
 * <pre>
 *   kkt(z) = max_j { |g_j + lambda sign(z_j)|  if z_j != 0;   max(|g_j| - lambda, 0)  if z_j = 0 },
 *   g = D^T (D z - x)
 * </pre>
 * is computed per column. Once a column's residual is small its support is taken as found and the
 * column is polished: the lasso restricted to the support with the signs fixed is solved exactly,
 * {@code (D_S^T D_S) z_S = D_S^T x - lambda sign(z_S)} (Cholesky), and the result is accepted when
 * it keeps the signs and its KKT residual is within the tolerance. A column is done when its
 * residual is at most {@code tolerance}.
 *
 * <p>With {@code positive}, the codes are kept non-negative: the lasso over {@code z >= 0}, whose
 * proximal step is {@code max(v - lambda / L, 0)} and whose KKT residual at a zero entry is
 * {@code max(-g_j - lambda, 0)} (the polish then keeps every entry positive).
 *
 * <p>Prepared once per dictionary ({@code H = D^T D} and {@code L}); {@link #solve} allocates its
 * own scratch, so one instance may serve several threads.
 */
public final class FistaLasso {

  /**
   * @param tolerance      the KKT residual a column must reach
   * @param maxIterations  the FISTA iteration cap; unconverged columns are reported, not hidden
   * @param checkEvery     iterations between KKT checks
   * @param polishBelow    the KKT residual below which a support polish is tried (0 disables it)
   * @param positive       solve the lasso over non-negative codes
   */
  public record Options(double tolerance, int maxIterations, int checkEvery, double polishBelow, boolean positive)
      implements java.io.Serializable {
    /** KKT residual 1e-11, at most 20000 iterations, checks every 10, polish below 1e-3. */
    public static final Options DEFAULT = new Options(1e-11, 20000, 10, 1e-3);

    /** Codes of either sign. */
    public Options(double tolerance, int maxIterations, int checkEvery, double polishBelow) {
      this(tolerance, maxIterations, checkEvery, polishBelow, false);
    }

    /** The same options, with codes of either sign ({@code false}) or non-negative ones. */
    public Options withPositive(boolean nonNegative) {
      return new Options(tolerance, maxIterations, checkEvery, polishBelow, nonNegative);
    }

    public Options {
      if (!(tolerance > 0)) {
        throw new IllegalArgumentException("lasso tolerance: expected a positive value, got " + tolerance);
      }
      if (maxIterations < 1 || checkEvery < 1) {
        throw new IllegalArgumentException("lasso iterations: expected positive counts, got max " + maxIterations
            + ", check every " + checkEvery);
      }
      if (!(polishBelow >= 0)) {
        throw new IllegalArgumentException("lasso polish threshold: expected >= 0, got " + polishBelow);
      }
    }
  }

  /**
   * The codes of a block and how well they solve the lasso.
   *
   * @param z           the codes, p x cols column-major
   * @param kkt         the KKT residual of each column
   * @param iterations  the FISTA iterations run on the block
   * @param unconverged the columns whose residual is above the tolerance
   */
  public record Result(double[] z, double[] kkt, int iterations, int unconverged) {
    /** The largest KKT residual of the block. */
    public double maxKkt() {
      double mx = 0;
      for (double k : kkt) {
        mx = Math.max(mx, k);
      }
      return mx;
    }
  }

  private final BLAS blas = Blas.blas();
  private final double[] d;
  private final int m;
  private final int p;
  private final double lambda;
  private final Options options;
  private final double[] h;
  private final double lipschitz;

  /**
   * @param d the dictionary m x p, column-major; not modified, not copied
   */
  public FistaLasso(double[] d, int m, int p, double lambda, Options options) {
    if (d.length != (long) m * p) {
      throw new IllegalArgumentException("dictionary: expected " + m + " x " + p + " entries, got " + d.length);
    }
    if (!(lambda > 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("lambda: expected a positive value, got " + lambda);
    }
    this.d = d;
    this.m = m;
    this.p = p;
    this.lambda = lambda;
    this.options = options;
    this.h = new double[p * p];
    blas.dsyrk("U", "T", p, m, 1.0, d, 0, m, 0.0, h, 0, p);
    for (int j = 0; j < p; j++) {
      for (int i = 0; i < j; i++) {
        h[j + i * p] = h[i + j * p];
      }
    }
    double sigma = Norms.singularValues(d, m, p)[0];
    this.lipschitz = sigma * sigma;
  }

  public int m() {
    return m;
  }

  public int p() {
    return p;
  }

  public double lambda() {
    return lambda;
  }

  /** The dictionary (shared, do not modify). */
  public double[] dictionary() {
    return d;
  }

  /**
   * Solves the lasso for the {@code cols} columns of {@code x} starting at {@code xOff}.
   *
   * @param x not modified
   */
  public Result solve(double[] x, int xOff, int cols) {
    return solve(x, xOff, cols, null, 0);
  }

  /**
   * Solves the lasso for the {@code cols} columns of {@code x} starting at {@code xOff}, with
   * FISTA started from {@code z0} (p x cols at {@code z0Off}; null: from zero). A start near the
   * solution, such as the codes of many unfolded ISTA layers or the solution for a nearby
   * dictionary, lets the support polish settle most columns at the first KKT check. The result
   * meets the same tolerance whatever the start.
   *
   * @param x  not modified
   * @param z0 not modified; may be null
   */
  public Result solve(double[] x, int xOff, int cols, double[] z0, int z0Off) {
    if (cols < 0 || xOff < 0 || xOff + (long) m * cols > x.length) {
      throw new IllegalArgumentException("block: need " + (long) m * cols + " entries from offset " + xOff
          + ", array has " + x.length);
    }
    if (z0 != null && (z0Off < 0 || z0Off + (long) p * cols > z0.length)) {
      throw new IllegalArgumentException("start codes: need " + (long) p * cols + " entries from offset " + z0Off
          + ", array has " + z0.length);
    }
    int pb = p * cols;
    double[] e = new double[pb];
    if (cols == 0) {
      return new Result(e, new double[0], 0, 0);
    }
    blas.dgemm("T", "N", p, cols, m, 1.0, d, 0, m, x, xOff, m, 0.0, e, 0, p);
    double[] z = new double[pb];
    double[] zPrev = new double[pb];
    double[] y = new double[pb];
    if (z0 != null) {
      System.arraycopy(z0, z0Off, z, 0, pb);
      System.arraycopy(z0, z0Off, y, 0, pb);
    }
    double[] g = new double[pb];
    double[] t = new double[cols];
    Arrays.fill(t, 1.0);
    boolean[] done = new boolean[cols];
    double[] kkt = new double[cols];
    Arrays.fill(kkt, Double.POSITIVE_INFINITY);
    int remaining = cols;
    double invL = 1.0 / lipschitz;
    double level = lambda / lipschitz;
    boolean positive = options.positive();
    int it = 0;
    Polisher polisher = new Polisher();
    GramProduct product = new GramProduct(h, p, KernelStatistics.Counter.LASSO_SUPPORT,
        KernelStatistics.Counter.LASSO_DENSE);
    while (remaining > 0 && it < options.maxIterations()) {
      it++;
      // g = H y - E (the columns still iterating)
      product.apply(y, e, g, cols, done);
      for (int j = 0; j < cols; j++) {
        if (done[j]) {
          continue;
        }
        int o = j * p;
        double restart = 0;
        for (int i = o; i < o + p; i++) {
          double prev = z[i];
          double u = y[i] - invL * g[i];
          double a = (positive ? u : Math.abs(u)) - level;
          double zi = a > 0 ? (positive ? a : Math.copySign(a, u)) : 0.0;
          zPrev[i] = prev;
          z[i] = zi;
          restart += (y[i] - zi) * (zi - prev);
        }
        if (restart > 0) {
          t[j] = 1.0;
          System.arraycopy(z, o, y, o, p);
        } else {
          double tNext = 0.5 * (1 + Math.sqrt(1 + 4 * t[j] * t[j]));
          double w = (t[j] - 1) / tNext;
          for (int i = o; i < o + p; i++) {
            y[i] = z[i] + w * (z[i] - zPrev[i]);
          }
          t[j] = tNext;
        }
      }
      if (it % options.checkEvery() == 0 || it == options.maxIterations()) {
        // g = H z - E at the iterate itself
        product.apply(z, e, g, cols, done);
        for (int j = 0; j < cols; j++) {
          if (done[j]) {
            continue;
          }
          kkt[j] = kktResidual(z, g, j * p, p, lambda, positive);
          if (kkt[j] > options.tolerance() && kkt[j] <= options.polishBelow()) {
            double polished = polisher.polish(x, xOff, z, j);
            if (polished < kkt[j]) {
              kkt[j] = polished;
              System.arraycopy(polisher.candidate, 0, z, j * p, p);
              System.arraycopy(z, j * p, y, j * p, p);
              t[j] = 1.0;
            }
          }
          if (kkt[j] <= options.tolerance()) {
            done[j] = true;
            remaining--;
          }
        }
      }
    }
    return new Result(z, kkt, it, remaining);
  }

  /**
   * The KKT residual of one code given {@code g = D^T (D z - x)}, both at offset {@code off}.
   */
  public static double kktResidual(double[] z, double[] g, int off, int p, double lambda) {
    return kktResidual(z, g, off, p, lambda, false);
  }

  /**
   * The KKT residual of one code given {@code g = D^T (D z - x)}, both at offset {@code off}; for
   * the non-negative lasso ({@code positive}), a zero entry needs {@code g_j + lambda >= 0} only.
   */
  public static double kktResidual(double[] z, double[] g, int off, int p, double lambda, boolean positive) {
    double worst = 0;
    for (int i = off; i < off + p; i++) {
      double r = z[i] != 0 ? Math.abs(g[i] + lambda * Math.signum(z[i]))
          : Math.max((positive ? -g[i] : Math.abs(g[i])) - lambda, 0);
      if (!(r <= worst)) {
        worst = r;
      }
    }
    return worst;
  }

  /** The exact solve on a column's support, with scratch reused across columns. */
  private final class Polisher {
    private int[] support = new int[0];
    private double[] hs = new double[0];
    private double[] w = new double[0];
    private final double[] candidate = new double[p];
    private final double[] grad = new double[p];

    /**
     * Solves on the support of column {@code j} of {@code z} into {@link #candidate} and returns
     * its KKT residual, or +infinity when the solve fails or flips a sign.
     */
    double polish(double[] x, int xOff, double[] z, int j) {
      int o = j * p;
      int k = 0;
      for (int i = 0; i < p; i++) {
        if (z[o + i] != 0) {
          k++;
        }
      }
      if (k == 0 || k > m) {
        return Double.POSITIVE_INFINITY;
      }
      if (support.length < k) {
        support = new int[k];
        hs = new double[k * k];
        w = new double[k];
      }
      k = 0;
      for (int i = 0; i < p; i++) {
        if (z[o + i] != 0) {
          support[k++] = i;
        }
      }
      // H_SS and the right-hand side D_S^T x - lambda s, with D_S^T x read from g + H z
      for (int a = 0; a < k; a++) {
        for (int b = 0; b < k; b++) {
          hs[a + b * k] = h[support[a] + support[b] * p];
        }
        int col = support[a];
        w[a] = blas.ddot(m, d, col * m, 1, x, xOff + j * m, 1) - lambda * Math.signum(z[o + col]);
      }
      intW info = new intW(0);
      Blas.lapack().dposv("U", k, 1, hs, k, w, k, info);
      if (info.val != 0) {
        return Double.POSITIVE_INFINITY;
      }
      Arrays.fill(candidate, 0.0);
      for (int a = 0; a < k; a++) {
        int col = support[a];
        if (Math.signum(w[a]) != Math.signum(z[o + col])) {
          return Double.POSITIVE_INFINITY;
        }
        candidate[col] = w[a];
      }
      // grad = H candidate - D^T x
      blas.dgemv("T", m, p, -1.0, d, 0, m, x, xOff + j * m, 1, 0.0, grad, 0, 1);
      for (int a = 0; a < k; a++) {
        blas.daxpy(p, w[a], h, support[a] * p, 1, grad, 0, 1);
      }
      return kktResidual(candidate, grad, 0, p, lambda, options.positive());
    }
  }
}
