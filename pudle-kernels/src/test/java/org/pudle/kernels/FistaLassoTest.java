package org.pudle.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FistaLassoTest {

  /** g = D^T (D z - x) computed with plain loops, independent of the solver. */
  private static double[] lassoGradient(double[] d, int m, int p, double[] x, double[] z) {
    double[] r = new double[m];
    for (int j = 0; j < p; j++) {
      for (int i = 0; i < m; i++) {
        r[i] += d[i + j * m] * z[j];
      }
    }
    for (int i = 0; i < m; i++) {
      r[i] -= x[i];
    }
    double[] g = new double[p];
    for (int j = 0; j < p; j++) {
      for (int i = 0; i < m; i++) {
        g[j] += d[i + j * m] * r[i];
      }
    }
    return g;
  }

  private static double objective(double[] d, int m, int p, double[] x, double[] z, double lambda) {
    double s = 0;
    for (int i = 0; i < m; i++) {
      double r = -x[i];
      for (int j = 0; j < p; j++) {
        r += d[i + j * m] * z[j];
      }
      s += 0.5 * r * r;
    }
    for (double v : z) {
      s += lambda * Math.abs(v);
    }
    return s;
  }

  @Test
  void solutionsSatisfyTheLassoOptimalityConditions() {
    int m = 20;
    int p = 40;
    int n = 12;
    double lambda = 0.2;
    TestData.Problem pr = TestData.problem(m, p, 3, n, 7);
    FistaLasso solver = new FistaLasso(pr.d(), m, p, lambda, FistaLasso.Options.DEFAULT);
    FistaLasso.Result res = solver.solve(pr.x(), 0, n);
    assertEquals(0, res.unconverged());
    for (int c = 0; c < n; c++) {
      double[] z = new double[p];
      System.arraycopy(res.z(), c * p, z, 0, p);
      double[] g = lassoGradient(pr.d(), m, p, pr.column(c), z);
      double kkt = FistaLasso.kktResidual(z, g, 0, p, lambda);
      assertTrue(kkt <= 1e-10, "column " + c + ": KKT residual " + kkt);
      assertTrue(res.kkt()[c] <= FistaLasso.Options.DEFAULT.tolerance());
      // and it is a minimiser: no random nearby point does better
      double best = objective(pr.d(), m, p, pr.column(c), z, lambda);
      double[] noise = TestData.gaussian(p, 100 + c);
      for (double eps : new double[] {1e-3, 1e-5}) {
        double[] zz = z.clone();
        for (int j = 0; j < p; j++) {
          zz[j] += eps * noise[j];
        }
        assertTrue(objective(pr.d(), m, p, pr.column(c), zz, lambda) >= best - 1e-14);
      }
    }
  }

  /**
   * The non-negative lasso: every entry >= 0, and the optimality conditions over z >= 0 written
   * out here: g_j = -lambda where z_j > 0, g_j >= -lambda where z_j = 0.
   */
  @Test
  void positiveCodesSolveTheNonNegativeLasso() {
    int m = 20;
    int p = 40;
    int n = 12;
    double lambda = 0.1;
    TestData.Problem pr = TestData.problem(m, p, 3, n, 7);
    FistaLasso.Options o = FistaLasso.Options.DEFAULT.withPositive(true);
    FistaLasso.Result res = new FistaLasso(pr.d(), m, p, lambda, o).solve(pr.x(), 0, n);
    FistaLasso.Result signed = new FistaLasso(pr.d(), m, p, lambda, FistaLasso.Options.DEFAULT).solve(pr.x(), 0, n);
    assertEquals(0, res.unconverged());
    int negativeSigned = 0;
    for (int c = 0; c < n; c++) {
      double[] z = new double[p];
      System.arraycopy(res.z(), c * p, z, 0, p);
      double[] g = lassoGradient(pr.d(), m, p, pr.column(c), z);
      for (int j = 0; j < p; j++) {
        assertTrue(z[j] >= 0, "column " + c + ", atom " + j + ": " + z[j]);
        if (z[j] > 0) {
          assertEquals(-lambda, g[j], 1e-10, "column " + c + ", atom " + j + " (on the support)");
        } else {
          assertTrue(g[j] >= -lambda - 1e-10, "column " + c + ", atom " + j + ": g = " + g[j]);
        }
        negativeSigned += signed.z()[c * p + j] < 0 ? 1 : 0;
      }
      assertTrue(FistaLasso.kktResidual(z, g, 0, p, lambda, true) <= 1e-10);
    }
    assertTrue(negativeSigned > 0, "the signed lasso has negative entries on this data, so the constraint binds");
  }

  @Test
  void withoutPolishFistaAloneStillReachesTheTolerance() {
    int m = 15;
    int p = 25;
    TestData.Problem pr = TestData.problem(m, p, 2, 5, 9);
    FistaLasso solver = new FistaLasso(pr.d(), m, p, 0.2, new FistaLasso.Options(1e-9, 100000, 5, 0));
    FistaLasso.Result res = solver.solve(pr.x(), 0, 5);
    assertEquals(0, res.unconverged());
    assertTrue(res.maxKkt() <= 1e-9);
    FistaLasso polished = new FistaLasso(pr.d(), m, p, 0.2, FistaLasso.Options.DEFAULT);
    FistaLasso.Result ref = polished.solve(pr.x(), 0, 5);
    assertTrue(TestData.relativeDifference(res.z(), ref.z()) < 1e-7);
  }

  @Test
  void largeLambdaGivesZeroCodes() {
    int m = 10;
    int p = 15;
    TestData.Problem pr = TestData.problem(m, p, 2, 3, 2);
    FistaLasso solver = new FistaLasso(pr.d(), m, p, 1e3, FistaLasso.Options.DEFAULT);
    FistaLasso.Result res = solver.solve(pr.x(), 0, 3);
    for (double z : res.z()) {
      assertEquals(0.0, z);
    }
    assertEquals(0, res.unconverged());
  }

  @Test
  void unconvergedColumnsAreReported() {
    int m = 20;
    int p = 40;
    TestData.Problem pr = TestData.problem(m, p, 3, 4, 7);
    FistaLasso solver = new FistaLasso(pr.d(), m, p, 0.01, new FistaLasso.Options(1e-14, 3, 1, 0));
    FistaLasso.Result res = solver.solve(pr.x(), 0, 4);
    assertEquals(3, res.iterations());
    assertTrue(res.unconverged() > 0);
    assertTrue(res.maxKkt() > 1e-14);
  }
}
