package org.pudle.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LassoGradientTest {

  /** sum_i min_z 1/2 ||x_i - D z||^2 + lambda ||z||_1, by the solver at high accuracy. */
  private static double lassoValue(double[] d, int m, int p, double[] x, int n, double lambda) {
    FistaLasso s = new FistaLasso(d, m, p, lambda, new FistaLasso.Options(1e-13, 100000, 10, 1e-3));
    FistaLasso.Result r = s.solve(x, 0, n);
    assertEquals(0, r.unconverged());
    double v = 0;
    for (int c = 0; c < n; c++) {
      for (int i = 0; i < m; i++) {
        double res = -x[c * m + i];
        for (int j = 0; j < p; j++) {
          res += d[i + j * m] * r.z()[c * p + j];
        }
        v += 0.5 * res * res;
      }
      for (int j = 0; j < p; j++) {
        v += lambda * Math.abs(r.z()[c * p + j]);
      }
    }
    return v;
  }

  /**
   * Danskin: with a unique lasso solution, g_hat = sum (D z_hat - x) z_hat^T is the gradient of
   * the lasso's optimal value in D, so central differences of that value must agree with it.
   */
  @Test
  void gHatIsTheGradientOfTheLassoValue() {
    int m = 10;
    int p = 16;
    int n = 4;
    double lambda = 0.2;
    TestData.Problem pr = TestData.problem(m, p, 2, n, 17);
    GradientSums sums = new GradientSums(m, p);
    FistaLasso solver = new FistaLasso(pr.d(), m, p, lambda, FistaLasso.Options.DEFAULT);
    FistaLasso.Result res = LassoGradient.accumulate(solver, pr.x(), 0, n, sums);
    assertEquals(0, res.unconverged());
    assertEquals(n, sums.count());
    double h = 1e-5;
    double[] fd = new double[m * p];
    for (int q = 0; q < m * p; q++) {
      double[] plus = pr.d().clone();
      double[] minus = pr.d().clone();
      plus[q] += h;
      minus[q] -= h;
      fd[q] = (lassoValue(plus, m, p, pr.x(), n, lambda) - lassoValue(minus, m, p, pr.x(), n, lambda)) / (2 * h);
    }
    double rel = TestData.relativeDifference(sums.gradientBuffer(), fd);
    assertTrue(rel <= 1e-6, "relative difference to finite differences " + rel);
  }

  @Test
  void optimizersStepAsDefined() {
    double[] theta = {1, 2};
    Optimizer.gradientDescent(0.5).step(theta, new double[] {0.2, -4});
    assertArrayEquals(new double[] {0.9, 4.0}, theta, 1e-15);
    Adam adam = new Adam(0.1, 0.9, 0.999, 1e-8);
    double[] a = {1, 2};
    double[] b = {1, 2};
    Optimizer.AdamOptimizer opt = Optimizer.adam(adam, 2);
    Adam.State s = Adam.State.initial(2);
    for (int k = 0; k < 3; k++) {
      double[] g = {0.3 * k - 0.1, 1.0 / (k + 1)};
      opt.step(a, g);
      s = adam.step(b, g, s);
    }
    assertArrayEquals(b, a, 0.0);
    assertEquals(3, opt.state().step());
  }
}
