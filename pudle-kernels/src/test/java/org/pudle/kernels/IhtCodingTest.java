package org.pudle.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;

class IhtCodingTest {

  /** D^T (D z - x) for one column, with plain loops. */
  private static double[] residualCorrelation(double[] d, int m, int p, double[] x, int xOff, double[] z, int zOff) {
    double[] r = new double[m];
    for (int j = 0; j < p; j++) {
      for (int i = 0; i < m; i++) {
        r[i] += d[i + j * m] * z[zOff + j];
      }
    }
    for (int i = 0; i < m; i++) {
      r[i] -= x[xOff + i];
    }
    double[] g = new double[p];
    for (int j = 0; j < p; j++) {
      for (int i = 0; i < m; i++) {
        g[j] += d[i + j * m] * r[i];
      }
    }
    return g;
  }

  /**
   * With the generating dictionary and noiseless samples, NOODL's coding finds the true codes.
   * (IHT has other fixed points: at 50 x 100, k = 3, one sample in 200 stops on a wrong support,
   * so this uses the less coherent 100 x 150.)
   */
  @Test
  void recoversTheTrueCodesAtTheGeneratingDictionary() {
    int m = 100;
    int p = 150;
    int k = 3;
    int n = 40;
    SyntheticModel model = new SyntheticModel(m, p, k, 5, SignMode.PER_ENTRY, 0);
    double[] dTilde = model.dictionaryTilde();
    double[] x = new double[m * n];
    int[] support = new int[k * n];
    double[] amplitude = new double[k * n];
    model.generate(dTilde, 0, n, x, 0, support, amplitude);
    double[] truth = new double[p * n];
    model.denseCodes(support, amplitude, n, truth, 0);
    IhtCoding.Result res = new IhtCoding(dTilde, m, p, IhtCoding.Options.DEFAULT).solve(x, 0, n);
    assertEquals(0, res.unconverged());
    // the iteration's fixed point on the true support is the true code; the stopping rule leaves
    // an error of about tolerance / (1 - rate)
    double rel = TestData.relativeDifference(res.z(), truth);
    assertTrue(rel <= 1e-10, "relative code error " + rel);
  }

  /**
   * Positive codes: with non-negative generating amplitudes (no signs) the one-sided coding finds
   * the same true codes; on signed samples it keeps no negative entry.
   */
  @Test
  void positiveCodesAreNonNegative() {
    int m = 100;
    int p = 150;
    int k = 3;
    int n = 30;
    IhtCoding.Options positive = IhtCoding.Options.DEFAULT.withPositive(true);
    SyntheticModel unsigned = new SyntheticModel(m, p, k, 5, SignMode.NONE, 0);
    double[] dTilde = unsigned.dictionaryTilde();
    double[] x = new double[m * n];
    int[] support = new int[k * n];
    double[] amplitude = new double[k * n];
    unsigned.generate(dTilde, 0, n, x, 0, support, amplitude);
    double[] truth = new double[p * n];
    unsigned.denseCodes(support, amplitude, n, truth, 0);
    IhtCoding.Result res = new IhtCoding(dTilde, m, p, positive).solve(x, 0, n);
    assertEquals(0, res.unconverged());
    assertTrue(TestData.relativeDifference(res.z(), truth) <= 1e-10);

    TestData.Problem pr = TestData.problem(40, 60, 2, 20, 23);
    double[] z = new IhtCoding(pr.d(), 40, 60, positive).solve(pr.x(), 0, 20).z();
    double[] signed = new IhtCoding(pr.d(), 40, 60, IhtCoding.Options.DEFAULT).solve(pr.x(), 0, 20).z();
    int negative = 0;
    int positiveEntries = 0;
    for (int i = 0; i < z.length; i++) {
      assertTrue(z[i] >= 0, "entry " + i + ": " + z[i]);
      negative += signed[i] < 0 ? 1 : 0;
      positiveEntries += z[i] > 0 ? 1 : 0;
    }
    assertTrue(negative > 0 && positiveEntries > 0, negative + " negative signed entries, " + positiveEntries
        + " positive ones");
  }

  /**
   * At a perturbed dictionary a converged code is a fixed point of HT_tau(z - eta_x g): least
   * squares on its support (g_S = 0), every kept entry at least tau, every other |eta_x g_j| < tau.
   */
  @Test
  void convergedCodesAreFixedPointsOfTheIteration() {
    int m = 40;
    int p = 60;
    int n = 25;
    TestData.Problem pr = TestData.problem(m, p, 2, n, 23);
    IhtCoding.Options o = IhtCoding.Options.DEFAULT;
    IhtCoding.Result res = new IhtCoding(pr.d(), m, p, o).solve(pr.x(), 0, n);
    assertEquals(0, res.unconverged());
    for (int c = 0; c < n; c++) {
      double[] g = residualCorrelation(pr.d(), m, p, pr.x(), c * m, res.z(), c * p);
      int nnz = 0;
      for (int j = 0; j < p; j++) {
        double z = res.z()[c * p + j];
        if (z != 0) {
          nnz++;
          assertTrue(Math.abs(z) >= o.tau(), "column " + c + ", atom " + j + ": kept entry " + z + " below tau");
          assertTrue(Math.abs(g[j]) <= 1e-9, "column " + c + ", atom " + j + ": not least squares on the support, g = "
              + g[j]);
        } else {
          assertTrue(Math.abs(o.etaX() * g[j]) < o.tau(), "column " + c + ", atom " + j + ": would enter, g = " + g[j]);
        }
      }
      assertTrue(nnz > 0, "column " + c + " has an empty code");
    }
  }

  /** Each column stops on its own, so a column's code does not depend on its block. */
  @Test
  void codesDoNotDependOnTheBlock() {
    int m = 20;
    int p = 35;
    int n = 7;
    TestData.Problem pr = TestData.problem(m, p, 2, n, 3);
    IhtCoding coding = new IhtCoding(pr.d(), m, p, IhtCoding.Options.DEFAULT);
    IhtCoding.Result all = coding.solve(pr.x(), 0, n);
    for (int c = 0; c < n; c++) {
      IhtCoding.Result one = coding.solve(pr.x(), c * m, 1);
      assertEquals(all.iterations()[c], one.iterations()[0], "column " + c + " iterations");
      for (int j = 0; j < p; j++) {
        assertEquals(all.z()[c * p + j], one.z()[j], 1e-13 * (1 + Math.abs(one.z()[j])), "column " + c + ", atom " + j);
      }
    }
  }

  @Test
  void withoutIterationsTheCodeIsTheInitialHardThreshold() {
    int m = 12;
    int p = 20;
    int n = 5;
    TestData.Problem pr = TestData.problem(m, p, 2, n, 9);
    IhtCoding.Result res = new IhtCoding(pr.d(), m, p, new IhtCoding.Options(1.4, 0.2, 0.1, 1e-12, 0)).solve(pr.x(), 0,
        n);
    assertEquals(n, res.unconverged());
    for (int c = 0; c < n; c++) {
      for (int j = 0; j < p; j++) {
        double dtx = 0;
        for (int i = 0; i < m; i++) {
          dtx += pr.d()[i + j * m] * pr.x()[c * m + i];
        }
        assertEquals(Math.abs(dtx) >= 0.7 ? dtx : 0.0, res.z()[c * p + j], 1e-14, "column " + c + ", atom " + j);
      }
    }
  }

  @Test
  void noodlDirectionMatchesAPerSampleReference() {
    int m = 14;
    int p = 22;
    int n = 9;
    TestData.Problem pr = TestData.problem(m, p, 2, n, 31);
    IhtCoding coding = new IhtCoding(pr.d(), m, p, IhtCoding.Options.DEFAULT);
    GradientSums sums = new GradientSums(m, p);
    IhtCoding.Result res = NoodlGradient.accumulate(coding, pr.x(), 0, n, sums);
    double[] ref = new double[m * p];
    double loss = 0;
    double l1 = 0;
    long nnz = 0;
    for (int c = 0; c < n; c++) {
      double[] r = new double[m];
      for (int i = 0; i < m; i++) {
        r[i] = -pr.x()[c * m + i];
        for (int j = 0; j < p; j++) {
          r[i] += pr.d()[i + j * m] * res.z()[c * p + j];
        }
        loss += 0.5 * r[i] * r[i];
      }
      for (int j = 0; j < p; j++) {
        double z = res.z()[c * p + j];
        l1 += Math.abs(z);
        nnz += z != 0 ? 1 : 0;
        for (int i = 0; i < m; i++) {
          ref[i + j * m] += r[i] * Math.signum(z);
        }
      }
    }
    assertTrue(TestData.relativeDifference(sums.gradientBuffer(), ref) <= 1e-13);
    assertEquals(n, sums.count());
    assertEquals(loss / n, sums.meanLoss(), 1e-13 * (1 + loss));
    assertEquals(l1 / n, sums.meanL1(), 1e-13 * l1);
    assertEquals((double) nnz / n, sums.meanNonZeros(), 0.0);

    // merged halves equal one pass
    GradientSums a = new GradientSums(m, p);
    GradientSums b = new GradientSums(m, p);
    NoodlGradient.accumulate(coding, pr.x(), 0, 4, a);
    NoodlGradient.accumulate(coding, pr.x(), 4 * m, n - 4, b);
    assertTrue(TestData.relativeDifference(a.merge(b).gradientBuffer(), sums.gradientBuffer()) <= 1e-13);

    // an empty block adds nothing
    GradientSums empty = new GradientSums(m, p);
    NoodlGradient.accumulate(coding, pr.x(), 0, 0, empty);
    assertEquals(0, empty.count());
    assertArrayEquals(new double[m * p], empty.meanGradient(), 0.0);
  }

  /** At the generating dictionary the codes are exact, so NOODL's direction vanishes. */
  @Test
  void noodlDirectionVanishesAtTheGeneratingDictionary() {
    int m = 40;
    int p = 60;
    int n = 30;
    SyntheticModel model = new SyntheticModel(m, p, 2, 11, SignMode.PER_SAMPLE, 0);
    double[] dTilde = model.dictionaryTilde();
    double[] x = new double[m * n];
    model.generate(dTilde, 0, n, x, 0, null, null);
    GradientSums sums = new GradientSums(m, p);
    NoodlGradient.accumulate(new IhtCoding(dTilde, m, p, IhtCoding.Options.DEFAULT), x, 0, n, sums);
    double norm = org.pudle.kernels.linalg.Norms.frobenius(sums.meanGradient());
    assertTrue(norm <= 1e-10, "|g_noodl| at D_tilde = " + norm);
    assertTrue(sums.meanLoss() <= 1e-20, "residual at D_tilde " + sums.meanLoss());
  }

  @Test
  void invalidOptionsNameTheirKey() {
    var e = assertThrows(IllegalArgumentException.class, () -> new IhtCoding.Options(1, 0, 0.1, 1e-12, 10));
    assertTrue(e.getMessage().contains("noodl.eta.x"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new IhtCoding.Options(1, 0.2, -1, 1e-12, 10));
    assertTrue(e.getMessage().contains("noodl.tau"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new IhtCoding.Options(1, 0.2, 0.1, 1e-12, -1));
    assertTrue(e.getMessage().contains("noodl.max.iterations"), e.getMessage());
  }
}
