package org.pudle.kernels;

import org.pudle.kernels.linalg.Blas;

import dev.ludovic.netlib.blas.BLAS;

/**
 * The gradient product of the iterative coders, {@code G = H Y - E} with {@code H = D^T D}, for the
 * columns of a block that are still iterating (docs/math.md#layers-on-the-supports): by one GEMM
 * on the whole block, or column by column on the supports of Y ({@code 2 p |supp(y)|} flops per
 * column instead of {@code 2 p^2}), whichever {@link SupportCostModel#supportProduct} says is
 * cheaper for the block's current non-zeros. Both give the same numbers to rounding; the columns
 * that are done are not read (by GEMM they are computed and ignored). Used by {@link FistaLasso}
 * and {@link IhtCoding}. Not thread-safe (one per solve).
 */
final class GramProduct {
  private final BLAS blas = Blas.blas();
  private final double[] h;
  private final int p;
  private final KernelStatistics.Counter sparseCounter;
  private final KernelStatistics.Counter denseCounter;
  private double[][] columns;
  private double[] acc;

  /**
   * @param h      H, p x p symmetric, column-major (shared, not modified)
   * @param sparse the counter of column products on the supports
   * @param dense  the counter of column products by GEMM
   */
  GramProduct(double[] h, int p, KernelStatistics.Counter sparse, KernelStatistics.Counter dense) {
    this.h = h;
    this.p = p;
    this.sparseCounter = sparse;
    this.denseCounter = dense;
  }

  /**
   * {@code g = H y - e} on every column j of the {@code cols} with {@code !done[j]}; other columns
   * of g are left as they are or overwritten.
   */
  void apply(double[] y, double[] e, double[] g, int cols, boolean[] done) {
    long nonZeros = 0;
    int active = 0;
    for (int j = 0; j < cols; j++) {
      if (!done[j]) {
        active++;
        for (int i = j * p; i < (j + 1) * p; i++) {
          nonZeros += y[i] != 0 ? 1 : 0;
        }
      }
    }
    if (!SupportCostModel.supportProduct(nonZeros, active, p, cols)) {
      System.arraycopy(e, 0, g, 0, p * cols);
      blas.dgemm("N", "N", p, cols, p, 1.0, h, 0, p, y, 0, p, -1.0, g, 0, p);
      KernelStatistics.add(denseCounter, cols);
      return;
    }
    if (columns == null) {
      columns = new double[p][];
      for (int j = 0; j < p; j++) {
        columns[j] = java.util.Arrays.copyOfRange(h, j * p, (j + 1) * p);
      }
      acc = new double[p];
    }
    for (int j = 0; j < cols; j++) {
      if (!done[j]) {
        column(y, j * p, e, g);
      }
    }
    KernelStatistics.add(sparseCounter, active);
  }

  /** One column at offset o: the columns of H on the support of y, summed from 0 in ascending order. */
  private void column(double[] y, int o, double[] e, double[] g) {
    double[] a = acc;
    java.util.Arrays.fill(a, 0.0);
    for (int k = 0; k < p; k++) {
      double yk = y[o + k];
      if (yk != 0) {
        double[] hk = columns[k];
        for (int i = 0; i < p; i++) {
          a[i] = Math.fma(yk, hk[i], a[i]);
        }
      }
    }
    for (int i = 0; i < p; i++) {
      g[o + i] = a[i] - e[o + i];
    }
  }
}
