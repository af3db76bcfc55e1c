package org.pudle.kernels.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.linalg.Norms.SpectralEstimate;

/** {@link Norms#spectral} (Golub-Kahan-Lanczos) against LAPACK's dense SVD. */
class NormsTest {
  /** The agreement asked of the Lanczos norm: ten times its stopping tolerance. */
  private static final double AGREEMENT = 1e-12;

  @Test
  void spectralMatchesTheDenseSvdOnManyShapes() {
    int[][] shapes = {{1, 1}, {1, 2}, {2, 1}, {2, 2}, {1, 50}, {50, 1}, {2, 7}, {7, 2}, {5, 9}, {300, 40},
        {40, 300}, {64, 64}, {65, 65}, {120, 200}, {200, 120}};
    for (int[] shape : shapes) {
      int rows = shape[0];
      int cols = shape[1];
      double[] a = gaussian(rows * cols, 31L * rows + cols);
      String what = rows + " x " + cols;
      assertAgrees(a, rows, cols, what);
    }
  }

  /**
   * A 1000 x 1500 Gaussian matrix has a clustered top spectrum (gaps of about 1% at the edge):
   * power iteration needs about a thousand steps, Lanczos under a hundred, with a thick restart.
   */
  @Test
  void clusteredSpectrumOfALargeGaussianMatrix() {
    int rows = 1000;
    int cols = 1500;
    double[] a = gaussian(rows * cols, 7);
    double[] s = Norms.singularValues(a, rows, cols);
    assertTrue(s[0] - s[1] < 0.02 * s[0], "the test needs a clustered top: " + s[0] + ", " + s[1]);
    double[] v = new double[cols];
    SpectralEstimate e = Norms.spectralEstimate(a, rows, cols, v, 5000);
    assertTrue(e.converged());
    assertTrue(e.restarts() >= 1, "the Krylov space was restarted: " + e);
    assertEquals(s[0], e.sigma(), AGREEMENT * s[0]);
    assertSingularVector(a, rows, cols, e.sigma(), v, "1000 x 1500");
    // warm from its own singular vector: the same value after at most one check
    SpectralEstimate again = Norms.spectralEstimate(a, rows, cols, v, 5000);
    assertEquals(s[0], again.sigma(), AGREEMENT * s[0]);
    assertTrue(again.steps() <= Norms.CHECK_EVERY, "warm start steps: " + again);
  }

  @Test
  void repeatedTopSingularValue() {
    int rows = 120;
    int cols = 90;
    double[] sigma = new double[cols];
    for (int i = 0; i < cols; i++) {
      sigma[i] = i < 3 ? 5.0 : 2.0 / (1 + i);
    }
    double[] a = withSingularValues(rows, cols, sigma, 11);
    assertEquals(5.0, Norms.singularValues(a, rows, cols)[1], 1e-13 * 5, "the construction");
    assertAgrees(a, rows, cols, "sigma_1 = sigma_2 = sigma_3");
    // and equal to within the tolerance but not exactly
    sigma[1] = 5.0 * (1 - 1e-14);
    double[] b = withSingularValues(rows, cols, sigma, 12);
    assertAgrees(b, rows, cols, "sigma_2 = sigma_1 (1 - 1e-14)");
  }

  @Test
  void rankOneMatrices() {
    for (int[] shape : new int[][] {{70, 40}, {40, 70}, {1, 30}, {30, 1}}) {
      int rows = shape[0];
      int cols = shape[1];
      double[] x = gaussian(rows, 3);
      double[] y = gaussian(cols, 4);
      double[] a = new double[rows * cols];
      for (int c = 0; c < cols; c++) {
        for (int r = 0; r < rows; r++) {
          a[r + c * rows] = x[r] * y[c];
        }
      }
      double exact = Norms.frobenius(x) * Norms.frobenius(y);
      double[] v = new double[cols];
      SpectralEstimate e = Norms.spectralEstimate(a, rows, cols, v, 5000);
      String what = "rank one " + rows + " x " + cols;
      assertEquals(exact, e.sigma(), AGREEMENT * exact, what);
      assertTrue(e.converged() && e.steps() <= 2, what + ": " + e);
      assertSingularVector(a, rows, cols, e.sigma(), v, what);
    }
  }

  @Test
  void zeroAndEmptyMatrices() {
    double[] start = {0.3, -0.4, 1.2};
    assertEquals(0.0, Norms.spectral(new double[12], 4, 3, start, 5000), 0.0);
    assertArrayEquals(new double[] {0.3, -0.4, 1.2}, start, 0.0, "a zero matrix leaves the start as it was");
    assertEquals(0.0, Norms.spectral(new double[12], 4, 3), 0.0);
    assertEquals(0.0, Norms.spectral(new double[1], 1, 1), 0.0);
    assertEquals(0.0, Norms.spectral(new double[0], 0, 5), 0.0);
    assertEquals(0.0, Norms.spectral(new double[0], 5, 0, new double[0], 10), 0.0);
  }

  @Test
  void aStartInTheNullSpaceFallsBackToTheGenericStart() {
    double[] a = {0, 0, 2, 1}; // columns (0, 0) and (2, 1): e_1 is in the null space
    double[] start = {1, 0};
    assertEquals(Math.sqrt(5), Norms.spectral(a, 2, 2, start, 5000), 1e-15);
    assertEquals(0.0, start[0], 1e-15);
    assertEquals(1.0, Math.abs(start[1]), 1e-15);
  }

  @Test
  void warmStartOnANearbyMatrixAgreesAndSavesSteps() {
    // a Gaussian matrix plus a rank-one spike: a separated top singular value, as in training
    // where consecutive dictionaries are close
    int rows = 150;
    int cols = 250;
    double[] a = gaussian(rows * cols, 21);
    double[] x = gaussian(rows, 22);
    double[] y = gaussian(cols, 23);
    for (int c = 0; c < cols; c++) {
      for (int r = 0; r < rows; r++) {
        a[r + c * rows] += 0.2 * x[r] * y[c];
      }
    }
    double[] warm = new double[cols];
    SpectralEstimate first = Norms.spectralEstimate(a, rows, cols, warm, 5000);
    assertEquals(Norms.singularValues(a, rows, cols)[0], first.sigma(), AGREEMENT * first.sigma());
    double[] step = gaussian(rows * cols, 24);
    for (int i = 0; i < a.length; i++) {
      a[i] += 1e-3 * step[i];
    }
    double exact = Norms.singularValues(a, rows, cols)[0];
    SpectralEstimate cold = Norms.spectralEstimate(a, rows, cols, null, 5000);
    SpectralEstimate warmed = Norms.spectralEstimate(a, rows, cols, warm, 5000);
    assertEquals(exact, cold.sigma(), AGREEMENT * exact);
    assertEquals(exact, warmed.sigma(), AGREEMENT * exact);
    assertTrue(warmed.steps() < cold.steps(), "warm " + warmed + " against cold " + cold);
    assertSingularVector(a, rows, cols, warmed.sigma(), warm, "warm");
  }

  @Test
  void stepLimitAndBadInput() {
    double[] a = gaussian(200 * 300, 5);
    double[] v = new double[300];
    SpectralEstimate capped = Norms.spectralEstimate(a, 200, 300, v, 3);
    assertEquals(3, capped.steps());
    assertTrue(!capped.converged() && capped.residual() > 0, capped.toString());
    // a lower bound: a Ritz value of A
    assertTrue(capped.sigma() <= Norms.singularValues(a, 200, 300)[0] * (1 + 1e-15));
    assertThrows(IllegalArgumentException.class, () -> Norms.spectral(a, 200, 300, v, 0));
    assertThrows(IllegalArgumentException.class, () -> Norms.spectral(a, 200, 300, new double[299], 10));
    assertThrows(IllegalArgumentException.class, () -> Norms.spectral(a, 201, 300));
    double[] nan = a.clone();
    nan[17] = Double.NaN;
    double[] start = v.clone();
    assertTrue(Double.isNaN(Norms.spectral(nan, 200, 300, start, 100)));
    assertArrayEquals(v, start, 0.0, "a NaN matrix leaves the start as it was");
  }

  private static void assertAgrees(double[] a, int rows, int cols, String what) {
    double exact = Norms.singularValues(a, rows, cols)[0];
    double[] v = new double[cols];
    SpectralEstimate e = Norms.spectralEstimate(a, rows, cols, v, 5000);
    assertTrue(e.converged(), what + ": " + e);
    assertEquals(exact, e.sigma(), AGREEMENT * exact, what);
    assertEquals(exact, Norms.spectral(a, rows, cols), AGREEMENT * exact, what + ", no start");
    assertSingularVector(a, rows, cols, e.sigma(), v, what);
    // warm from the returned vector: the same value
    assertEquals(exact, Norms.spectral(a, rows, cols, v, 5000), AGREEMENT * exact, what + ", warm");
  }

  /** {@code ||A^T A v - sigma^2 v|| <= 1e-12 sigma^2} for a unit v. */
  private static void assertSingularVector(double[] a, int rows, int cols, double sigma, double[] v, String what) {
    assertEquals(1.0, Norms.frobenius(v), 1e-14, what + ": a unit vector");
    double[] av = new double[rows];
    double[] atav = new double[cols];
    Blas.blas().dgemv("N", rows, cols, 1.0, a, 0, rows, v, 0, 1, 0.0, av, 0, 1);
    Blas.blas().dgemv("T", rows, cols, 1.0, a, 0, rows, av, 0, 1, 0.0, atav, 0, 1);
    for (int i = 0; i < cols; i++) {
      atav[i] -= sigma * sigma * v[i];
    }
    double residual = Norms.frobenius(atav);
    assertTrue(residual <= AGREEMENT * sigma * sigma, what + ": ||A^T A v - s^2 v|| = " + residual);
  }

  /** U diag(sigma) V^T with U, V from Gram-Schmidt on seeded Gaussian columns. */
  private static double[] withSingularValues(int rows, int cols, double[] sigma, long seed) {
    int k = sigma.length;
    double[] u = orthonormalColumns(rows, k, seed);
    double[] v = orthonormalColumns(cols, k, seed + 1000);
    double[] us = u.clone();
    for (int c = 0; c < k; c++) {
      for (int r = 0; r < rows; r++) {
        us[r + c * rows] *= sigma[c];
      }
    }
    double[] a = new double[rows * cols];
    Blas.blas().dgemm("N", "T", rows, cols, k, 1.0, us, 0, rows, v, 0, cols, 0.0, a, 0, rows);
    return a;
  }

  private static double[] orthonormalColumns(int n, int k, long seed) {
    double[] q = gaussian(n * k, seed);
    for (int c = 0; c < k; c++) {
      for (int pass = 0; pass < 2; pass++) {
        for (int d = 0; d < c; d++) {
          double dot = 0;
          for (int r = 0; r < n; r++) {
            dot += q[r + d * n] * q[r + c * n];
          }
          for (int r = 0; r < n; r++) {
            q[r + c * n] -= dot * q[r + d * n];
          }
        }
      }
      double norm = Norms.frobenius(q, c * n, n);
      for (int r = 0; r < n; r++) {
        q[r + c * n] /= norm;
      }
    }
    return q;
  }

  private static double[] gaussian(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = rng.nextGaussian();
    }
    return a;
  }
}
