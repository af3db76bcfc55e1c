package org.pudle.kernels;

import org.pudle.kernels.linalg.Blas;

import dev.ludovic.netlib.blas.BLAS;

/**
 * The sparse coding step of NOODL (Rambhatla, Li and Haupt, ICLR 2019; docs/math.md#noodl): iterative
 * hard thresholding on every column of a block,
 * <pre>
 *   z^(0)   = HT_{C/2}(D^T x)
 *   z^(r+1) = HT_tau(z^(r) - eta_x D^T (D z^(r) - x)),      HT_b(v) = v 1{|v| >= b}
 * </pre>
 * with {@code C} a lower bound on the magnitude of the non-zero code entries (1 for the synthetic
 * amplitudes Uniform(1, 2)). On a fixed support the iteration is gradient descent on the least
 * squares {@code 1/2 ||x - D_S z_S||^2}, so its limit is unbiased, unlike the lasso's.
 *
 * <p>A column stops when {@code ||z^(r+1) - z^(r)||_2 <= tolerance ||z^(r+1)||_2} (or both are
 * zero), and is then left alone while the others go on, so a column's code does not depend on the
 * other columns of its block (to rounding: the products with {@code H = D^T D} run by GEMM or on
 * the codes' supports, {@link GramProduct}, as the block's non-zeros make cheaper). Columns still moving after {@code maxIterations} are reported, not
 * hidden. (The authors' MATLAB code stops on the change of the error to the true codes, which a
 * learner does not know.)
 *
 * <p>With {@code positive}, both thresholds keep only positive entries ({@code v 1{v >= b}}): the
 * codes are non-negative.
 *
 * <p>Prepared once per dictionary ({@code H = D^T D}); {@link #solve} allocates its own scratch,
 * so one instance may serve several threads.
 */
public final class IhtCoding {

  /**
   * @param c             {@code C}: the initial hard threshold is {@code C/2}
   * @param etaX          the IHT step {@code eta_x}, positive
   * @param tau           the IHT threshold {@code tau}, positive
   * @param tolerance     the relative change of a column's code at which it stops
   * @param maxIterations the iteration cap
   * @param positive      keep only positive entries (non-negative codes)
   */
  public record Options(double c, double etaX, double tau, double tolerance, int maxIterations, boolean positive)
      implements java.io.Serializable {
    /** NOODL's published settings: C = 1, eta_x = 0.2, tau = 0.1; relative change 1e-12, at most 5000 iterations. */
    public static final Options DEFAULT = new Options(1, 0.2, 0.1, 1e-12, 5000);

    /** Codes of either sign. */
    public Options(double c, double etaX, double tau, double tolerance, int maxIterations) {
      this(c, etaX, tau, tolerance, maxIterations, false);
    }

    /** The same options, with codes of either sign ({@code false}) or non-negative ones. */
    public Options withPositive(boolean nonNegative) {
      return new Options(c, etaX, tau, tolerance, maxIterations, nonNegative);
    }

    public Options {
      if (!(c >= 0) || Double.isInfinite(c)) {
        throw new IllegalArgumentException("noodl.c: expected a non-negative bound, got " + c);
      }
      if (!(etaX > 0) || Double.isInfinite(etaX)) {
        throw new IllegalArgumentException("noodl.eta.x: expected a positive step, got " + etaX);
      }
      if (!(tau > 0) || Double.isInfinite(tau)) {
        throw new IllegalArgumentException("noodl.tau: expected a positive threshold, got " + tau);
      }
      if (!(tolerance > 0) || Double.isInfinite(tolerance)) {
        throw new IllegalArgumentException("noodl.tolerance: expected a positive value, got " + tolerance);
      }
      if (maxIterations < 0) {
        throw new IllegalArgumentException("noodl.max.iterations: expected a non-negative count, got "
            + maxIterations);
      }
    }
  }

  /**
   * The codes of a block.
   *
   * @param z           the codes, p x cols column-major
   * @param iterations  the IHT iterations each column ran
   * @param unconverged the columns still above the tolerance at the cap
   */
  public record Result(double[] z, int[] iterations, int unconverged) {
    /** The most iterations any column ran. */
    public int maxIterations() {
      int mx = 0;
      for (int it : iterations) {
        mx = Math.max(mx, it);
      }
      return mx;
    }
  }

  private final BLAS blas = Blas.blas();
  private final double[] d;
  private final int m;
  private final int p;
  private final Options options;
  private final double[] h;

  /**
   * @param d the dictionary m x p, column-major; not modified, not copied
   */
  public IhtCoding(double[] d, int m, int p, Options options) {
    if (m < 1 || p < 1) {
      throw new IllegalArgumentException("dictionary shape: expected m, p >= 1, got " + m + " x " + p);
    }
    if (d.length != (long) m * p) {
      throw new IllegalArgumentException("dictionary: expected " + m + " x " + p + " entries, got " + d.length);
    }
    this.d = d;
    this.m = m;
    this.p = p;
    this.options = options;
    this.h = new double[p * p];
    blas.dsyrk("U", "T", p, m, 1.0, d, 0, m, 0.0, h, 0, p);
    for (int j = 0; j < p; j++) {
      for (int i = 0; i < j; i++) {
        h[j + i * p] = h[i + j * p];
      }
    }
  }

  public int m() {
    return m;
  }

  public int p() {
    return p;
  }

  public Options options() {
    return options;
  }

  /** The dictionary (shared, do not modify). */
  public double[] dictionary() {
    return d;
  }

  /**
   * Codes the {@code cols} columns of {@code x} starting at {@code xOff}.
   *
   * @param x not modified
   */
  public Result solve(double[] x, int xOff, int cols) {
    if (cols < 0 || xOff < 0 || xOff + (long) m * cols > x.length) {
      throw new IllegalArgumentException("block: need " + (long) m * cols + " entries from offset " + xOff
          + ", array has " + x.length);
    }
    int pb = p * cols;
    double[] e = new double[pb];
    int[] iterations = new int[cols];
    if (cols == 0) {
      return new Result(e, iterations, 0);
    }
    // E = D^T X; z^(0) = HT_{C/2}(E)
    blas.dgemm("T", "N", p, cols, m, 1.0, d, 0, m, x, xOff, m, 0.0, e, 0, p);
    double[] z = new double[pb];
    double init = options.c() / 2;
    boolean positive = options.positive();
    for (int i = 0; i < pb; i++) {
      z[i] = (positive ? e[i] : Math.abs(e[i])) >= init ? e[i] : 0.0;
    }
    double[] g = new double[pb];
    boolean[] done = new boolean[cols];
    int remaining = cols;
    double eta = options.etaX();
    double tau = options.tau();
    double tol = options.tolerance();
    GramProduct product = new GramProduct(h, p, KernelStatistics.Counter.IHT_SUPPORT,
        KernelStatistics.Counter.IHT_DENSE);
    for (int it = 0; it < options.maxIterations() && remaining > 0; it++) {
      // g = H z - E = D^T (D z - x), on the columns still iterating
      product.apply(z, e, g, cols, done);
      for (int j = 0; j < cols; j++) {
        if (done[j]) {
          continue;
        }
        double change = 0;
        double norm = 0;
        for (int i = j * p; i < (j + 1) * p; i++) {
          double v = z[i] - eta * g[i];
          double zi = (positive ? v : Math.abs(v)) >= tau ? v : 0.0;
          double dz = zi - z[i];
          change += dz * dz;
          norm += zi * zi;
          z[i] = zi;
        }
        iterations[j]++;
        if (change <= tol * tol * norm) {
          done[j] = true;
          remaining--;
        }
      }
    }
    return new Result(z, iterations, remaining);
  }
}
