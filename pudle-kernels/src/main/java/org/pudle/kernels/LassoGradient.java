package org.pudle.kernels;

import org.pudle.kernels.linalg.Blas;

/**
 * The analytic gradient of alternating minimization (Algorithm 1 of the paper) on a block:
 * {@code g_hat = sum_i (D z_hat^i - x^i)(z_hat^i)^T} with {@code z_hat} the lasso solution for
 * D, solved to the solver's KKT tolerance.
 */
public final class LassoGradient {
  private LassoGradient() {}

  /**
   * Adds the block's {@code sum (D z_hat - x) z_hat^T} and the statistics of its codes to
   * {@code sums}, and returns the solver's result (codes and KKT residuals).
   *
   * @param x not modified
   */
  public static FistaLasso.Result accumulate(FistaLasso solver, double[] x, int xOff, int cols, GradientSums sums) {
    int m = solver.m();
    int p = solver.p();
    FistaLasso.Result res = solver.solve(x, xOff, cols);
    if (cols == 0) {
      return res;
    }
    double[] z = res.z();
    double[] r = new double[m * cols];
    System.arraycopy(x, xOff, r, 0, m * cols);
    var blas = Blas.blas();
    blas.dgemm("N", "N", m, cols, p, 1.0, solver.dictionary(), 0, m, z, 0, p, -1.0, r, 0, m);
    blas.dgemm("N", "T", m, p, cols, 1.0, r, 0, m, z, 0, p, 1.0, sums.gradientBuffer(), 0, m);
    double loss = 0;
    for (double v : r) {
      loss += v * v;
    }
    double l1 = 0;
    long nnz = 0;
    for (double v : z) {
      if (v != 0) {
        l1 += Math.abs(v);
        nnz++;
      }
    }
    sums.addStatistics(cols, 0.5 * loss, l1, nnz);
    return res;
  }
}
