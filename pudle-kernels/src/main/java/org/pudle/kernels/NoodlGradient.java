package org.pudle.kernels;

import org.pudle.kernels.linalg.Blas;

/**
 * The dictionary direction of NOODL (Rambhatla, Li and Haupt, ICLR 2019; docs/math.md#noodl) on a
 * block: {@code sum_i (D z^i - x^i) sign(z^i)^T} with {@code z} the IHT codes of
 * {@link IhtCoding}. NOODL's update {@code D <- D + eta_A mean_i (x^i - D z^i) sign(z^i)^T} is
 * then a gradient-descent step with this direction averaged over the batch. It is not the
 * gradient of a loss (the sign replaces the code in the outer product), so no finite-difference
 * check applies; the tests compare it with a per-sample reference.
 */
public final class NoodlGradient {
  private NoodlGradient() {}

  /**
   * Adds the block's {@code sum (D z - x) sign(z)^T} and the statistics of its codes to
   * {@code sums}, and returns the codes.
   *
   * @param x not modified
   */
  public static IhtCoding.Result accumulate(IhtCoding coding, double[] x, int xOff, int cols, GradientSums sums) {
    int m = coding.m();
    int p = coding.p();
    if (sums.m() != m || sums.p() != p) {
      throw new IllegalArgumentException("sums: expected " + m + " x " + p + ", got " + sums.m() + " x " + sums.p());
    }
    IhtCoding.Result res = coding.solve(x, xOff, cols);
    if (cols == 0) {
      return res;
    }
    double[] z = res.z();
    double[] r = new double[m * cols];
    System.arraycopy(x, xOff, r, 0, m * cols);
    var blas = Blas.blas();
    blas.dgemm("N", "N", m, cols, p, 1.0, coding.dictionary(), 0, m, z, 0, p, -1.0, r, 0, m);
    double[] s = new double[p * cols];
    double l1 = 0;
    long nnz = 0;
    for (int i = 0; i < s.length; i++) {
      double v = z[i];
      if (v != 0) {
        s[i] = Math.signum(v);
        l1 += Math.abs(v);
        nnz++;
      }
    }
    blas.dgemm("N", "T", m, p, cols, 1.0, r, 0, m, s, 0, p, 1.0, sums.gradientBuffer(), 0, m);
    double loss = 0;
    for (double v : r) {
      loss += v * v;
    }
    sums.addStatistics(cols, 0.5 * loss, l1, nnz);
    return res;
  }
}
