package org.pudle.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.netlib.util.intW;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.linalg.Blas;

class OrthogonalMatchingPursuitTest {

  /**
   * OMP as its definition reads, with nothing reused between steps: the residual x - D_S z_S
   * formed explicitly, its correlations with every atom, and z_S from a fresh QR least squares
   * (LAPACK dgels) on the chosen columns.
   */
  private static double[] directOmp(double[] d, int m, int p, double[] x, int k) {
    List<Integer> support = new ArrayList<>();
    double[] r = x.clone();
    double[] coef = new double[0];
    for (int step = 0; step < k; step++) {
      int best = -1;
      double bestValue = 0;
      for (int j = 0; j < p; j++) {
        if (support.contains(j)) {
          continue;
        }
        double dot = 0;
        double norm = 0;
        for (int i = 0; i < m; i++) {
          dot += d[i + j * m] * r[i];
          norm += d[i + j * m] * d[i + j * m];
        }
        double v = Math.abs(dot) / Math.sqrt(norm);
        if (v > bestValue) {
          bestValue = v;
          best = j;
        }
      }
      support.add(best);
      int s = support.size();
      double[] a = new double[m * s];
      for (int c = 0; c < s; c++) {
        System.arraycopy(d, support.get(c) * m, a, c * m, m);
      }
      double[] b = x.clone();
      double[] work = new double[64 * (m + s)];
      intW info = new intW(0);
      Blas.lapack().dgels("N", m, s, 1, a, m, b, m, work, work.length, info);
      assertEquals(0, info.val, "dgels");
      coef = java.util.Arrays.copyOf(b, s);
      r = x.clone();
      for (int c = 0; c < s; c++) {
        for (int i = 0; i < m; i++) {
          r[i] -= d[i + support.get(c) * m] * coef[c];
        }
      }
    }
    double[] z = new double[p];
    for (int c = 0; c < support.size(); c++) {
      z[support.get(c)] = coef[c];
    }
    return z;
  }

  @Test
  void equalsADirectOmpOnASmallProblem() {
    int m = 12;
    int p = 20;
    int n = 9;
    // atoms of unequal norms: the choice divides by ||d_j||
    double[] d = TestData.gaussian(m * p, 3);
    for (int j = 0; j < p; j++) {
      for (int i = 0; i < m; i++) {
        d[i + j * m] *= 0.5 + j % 3;
      }
    }
    double[] x = TestData.gaussian(m * n, 4);
    for (int k : new int[] {1, 3, 6}) {
      double[] z = new OrthogonalMatchingPursuit(d, m, p, k).solve(x, 0, n);
      for (int c = 0; c < n; c++) {
        double[] xc = java.util.Arrays.copyOfRange(x, c * m, (c + 1) * m);
        double[] expected = directOmp(d, m, p, xc, k);
        double[] got = java.util.Arrays.copyOfRange(z, c * p, (c + 1) * p);
        int nonZeros = 0;
        for (int j = 0; j < p; j++) {
          assertEquals(expected[j] == 0, got[j] == 0, "K = " + k + ", column " + c + ": the support, atom " + j);
          assertEquals(expected[j], got[j], 1e-12 * (1 + Math.abs(expected[j])), "K = " + k + ", column " + c);
          nonZeros += got[j] != 0 ? 1 : 0;
        }
        assertEquals(k, nonZeros, "a Gaussian sample uses all K atoms");
      }
    }
  }

  /** Without noise and with an incoherent dictionary, K = k steps find the generating code. */
  @Test
  void recoversNoiselessSparseCodes() {
    int m = 64;
    int p = 96;
    int k = 3;
    int n = 20;
    SyntheticModel model = new SyntheticModel(m, p, k, 11, SignMode.PER_ENTRY, 0);
    double[] dTilde = model.dictionaryTilde();
    double[] x = new double[m * n];
    int[] support = new int[k * n];
    double[] amplitude = new double[k * n];
    model.generate(dTilde, 0, n, x, 0, support, amplitude);
    double[] truth = new double[p * n];
    model.denseCodes(support, amplitude, n, truth, 0);
    double[] z = new OrthogonalMatchingPursuit(dTilde, m, p, k).solve(x, 0, n);
    for (int i = 0; i < truth.length; i++) {
      assertEquals(truth[i] == 0, z[i] == 0, "support at " + i);
      assertEquals(truth[i], z[i], 1e-12, "code entry " + i);
    }
  }

  /** A sample in the span of two atoms stops after two; a zero sample has a zero code; a zero atom is never chosen. */
  @Test
  void stopsEarlyWhenTheResidualVanishes() {
    int m = 8;
    int p = 10;
    // the unit vectors and two mixtures: x = 2 e_1 - 0.5 e_7 is found in two steps
    double[] basis = new double[m * p];
    for (int i = 0; i < m; i++) {
      basis[i + i * m] = 1;
    }
    basis[8 * m] = basis[8 * m + 2] = Math.sqrt(0.5);
    basis[9 * m + 3] = basis[9 * m + 5] = Math.sqrt(0.5);
    double[] x = new double[2 * m];
    x[1] = 2;
    x[7] = -0.5;
    double[] z = new OrthogonalMatchingPursuit(basis, m, p, 5).solve(x, 0, 2);
    double[] expected = new double[2 * p];
    expected[1] = 2;
    expected[7] = -0.5;
    assertArrayEquals(expected, z, 0.0, "two atoms, then the zero sample's zero code");

    double[] d = TestData.gaussian(m * p, 5);
    java.util.Arrays.fill(d, 4 * m, 5 * m, 0.0);
    double[] y = TestData.gaussian(m, 6);
    double[] code = new OrthogonalMatchingPursuit(d, m, p, 5).solve(y, 0, 1);
    assertEquals(0.0, code[4], "the zero atom");
    int nonZeros = 0;
    for (double v : code) {
      nonZeros += v != 0 ? 1 : 0;
    }
    assertEquals(5, nonZeros);
  }

  /**
   * Columns are coded alone: any block size gives the same codes and supports (the GEMM of D^T X
   * may round differently for another number of columns).
   */
  @Test
  void blockSizesDoNotChangeTheCodes() {
    int m = 10;
    int p = 16;
    int n = 7;
    double[] d = TestData.gaussian(m * p, 8);
    double[] x = TestData.gaussian(m * n, 9);
    OrthogonalMatchingPursuit omp = new OrthogonalMatchingPursuit(d, m, p, 4);
    double[] all = omp.solve(x, 0, n);
    for (int b : new int[] {1, 2, 4, 3}) {
      for (int c0 = 0; c0 < n; c0 += b) {
        int cols = Math.min(b, n - c0);
        double[] part = omp.solve(x, c0 * m, cols);
        for (int i = 0; i < part.length; i++) {
          double expected = all[c0 * p + i];
          assertEquals(expected == 0, part[i] == 0, "block " + b + ": the support");
          assertEquals(expected, part[i], 1e-13 * (1 + Math.abs(expected)), "block " + b);
        }
      }
    }
    assertEquals(0, omp.solve(x, 0, 0).length);
  }

  @Test
  void checksItsArguments() {
    double[] d = TestData.gaussian(12, 1);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new OrthogonalMatchingPursuit(d, 3, 4, 0))
        .getMessage().contains("maxNonZeros"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new OrthogonalMatchingPursuit(d, 3, 5, 1))
        .getMessage().contains("3 x 5"));
    assertEquals(3, new OrthogonalMatchingPursuit(d, 3, 4, 10).maxNonZeros(), "capped at min(m, p)");
    assertThrows(IllegalArgumentException.class, () -> new OrthogonalMatchingPursuit(d, 3, 4, 1).solve(d, 6, 3));
  }
}
