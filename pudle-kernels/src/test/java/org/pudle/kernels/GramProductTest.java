package org.pudle.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The coders' product {@code H y - e} on the supports and by GEMM against a plain loop, and the
 * lasso and IHT solvers reaching the support products on sparse codes.
 */
class GramProductTest {
  private static final int M = 20;
  private static final int P = 40;

  private static double[] gram(double[] d) {
    double[] h = new double[P * P];
    for (int i = 0; i < P; i++) {
      for (int j = 0; j < P; j++) {
        double s = 0;
        for (int r = 0; r < M; r++) {
          s += d[r + i * M] * d[r + j * M];
        }
        h[i + j * P] = s;
      }
    }
    return h;
  }

  @Test
  void bothWaysGiveTheProductOnTheColumnsStillIterating() {
    double[] d = TestData.gaussian(M * P, 3);
    double[] h = gram(d);
    int cols = 50;
    SplittableRandom rng = new SplittableRandom(9);
    for (int nonZerosPerColumn : new int[] {2, P}) {
      double[] y = new double[P * cols];
      for (int j = 0; j < cols; j++) {
        for (int q = 0; q < nonZerosPerColumn; q++) {
          y[j * P + (nonZerosPerColumn == P ? q : rng.nextInt(P))] = rng.nextGaussian();
        }
      }
      double[] e = TestData.gaussian(P * cols, 4);
      boolean[] done = new boolean[cols];
      for (int j = 0; j < cols; j += 3) {
        done[j] = true;
      }
      double[] g = new double[P * cols];
      KernelStatistics.Counts before = KernelStatistics.snapshot();
      new GramProduct(h, P, KernelStatistics.Counter.LASSO_SUPPORT, KernelStatistics.Counter.LASSO_DENSE)
          .apply(y, e, g, cols, done);
      KernelStatistics.Counts ran = KernelStatistics.snapshot().minus(before);
      if (nonZerosPerColumn == 2) {
        assertTrue(ran.get(KernelStatistics.Counter.LASSO_SUPPORT) >= cols - 17, "sparse codes: " + ran);
      } else {
        assertTrue(ran.get(KernelStatistics.Counter.LASSO_DENSE) >= cols, "dense codes: " + ran);
      }
      for (int j = 0; j < cols; j++) {
        if (done[j]) {
          continue;
        }
        for (int i = 0; i < P; i++) {
          double s = -e[j * P + i];
          double scale = Math.abs(e[j * P + i]);
          for (int k = 0; k < P; k++) {
            s += h[i + k * P] * y[j * P + k];
            scale += Math.abs(h[i + k * P] * y[j * P + k]);
          }
          assertEquals(s, g[j * P + i], 1e-14 * scale, "entry " + i + " of column " + j);
        }
      }
    }
  }

  @Test
  void theSolversRunTheirProductsOnTheSupportsOfSparseCodes() {
    TestData.Problem pr = TestData.problem(M, P, 3, 64, 12);
    KernelStatistics.Counts before = KernelStatistics.snapshot();
    FistaLasso.Result lasso = new FistaLasso(pr.d(), M, P, 0.2, FistaLasso.Options.DEFAULT).solve(pr.x(), 0, pr.n());
    assertEquals(0, lasso.unconverged());
    assertTrue(lasso.maxKkt() <= FistaLasso.Options.DEFAULT.tolerance());
    IhtCoding.Result iht = new IhtCoding(pr.d(), M, P, IhtCoding.Options.DEFAULT).solve(pr.x(), 0, pr.n());
    KernelStatistics.Counts ran = KernelStatistics.snapshot().minus(before);
    assertTrue(ran.get(KernelStatistics.Counter.LASSO_SUPPORT) > 0, ran.toString());
    assertTrue(ran.get(KernelStatistics.Counter.IHT_SUPPORT) > 0, ran.toString());
    assertTrue(iht.unconverged() < pr.n(), "IHT converged on some columns");
  }
}
