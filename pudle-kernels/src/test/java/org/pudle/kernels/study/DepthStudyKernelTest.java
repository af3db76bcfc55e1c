package org.pudle.kernels.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.linalg.Norms;

class DepthStudyKernelTest {
  private static final int M = 10;
  private static final int P = 16;
  private static final int K = 2;
  private static final double LAMBDA = 0.2;

  /** A small synthetic problem: D near D_tilde, a D* stand-in, samples with their true codes. */
  record Problem(double[] d, double[] dStar, double[] x, double[] zTilde, int n) {}

  static Problem problem(int n, long seed) {
    SyntheticModel model = new SyntheticModel(M, P, K, seed, SignMode.PER_SAMPLE, 0);
    double[] dTilde = model.dictionaryTilde();
    double[] d = model.initialDictionary(dTilde, 0.3);
    double[] dStar = model.initialDictionary(dTilde, 0.05);
    double[] x = new double[M * n];
    int[] support = new int[K * n];
    double[] amp = new double[K * n];
    model.generate(dTilde, 0, n, x, 0, support, amp);
    double[] z = new double[P * n];
    model.denseCodes(support, amp, n, z, 0);
    return new Problem(d, dStar, x, z, n);
  }

  static DepthStudyKernel kernel(Problem pr, DepthGrid grid, long scratch) {
    DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, 0.2);
    return new DepthStudyKernel(new UnfoldedIstaCpu(op, EncoderParams.soft(grid.max(), 0.2, LAMBDA), scratch), grid,
        new FistaLasso(pr.d(), M, P, LAMBDA, FistaLasso.Options.DEFAULT),
        new FistaLasso(pr.dStar(), M, P, LAMBDA, FistaLasso.Options.DEFAULT));
  }

  /** sum_i (D z_i - x_i) z_i^T by loops. */
  static double[] outer(double[] d, double[] x, double[] z, int n) {
    double[] g = new double[M * P];
    for (int i = 0; i < n; i++) {
      double[] r = new double[M];
      for (int a = 0; a < M; a++) {
        double s = -x[i * M + a];
        for (int j = 0; j < P; j++) {
          s += d[a + j * M] * z[i * P + j];
        }
        r[a] = s;
      }
      for (int j = 0; j < P; j++) {
        for (int a = 0; a < M; a++) {
          g[a + j * M] += r[a] * z[i * P + j];
        }
      }
    }
    return g;
  }

  static double relative(double[] a, double[] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) * (a[i] - b[i]);
      den += b[i] * b[i];
    }
    return Math.sqrt(num / den);
  }

  @Test
  void sumsEqualIndependentComputations() {
    Problem pr = problem(13, 3);
    DepthGrid grid = DepthGrid.of(1, 2, 5, 9, 14);
    for (long scratch : new long[] {UnfoldedIstaCpu.DEFAULT_SCRATCH_BYTES, 1}) {
      DepthStudySums sums = new DepthStudySums(M, P, grid.size());
      kernel(pr, grid, scratch).add(pr.x(), 0, pr.zTilde(), 0, pr.n(), sums);
      assertEquals(pr.n(), sums.count());
      assertEquals(0, sums.unconverged());
      DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, 0.2);
      for (int i = 0; i < grid.size(); i++) {
        int t = grid.depth(i);
        for (GradientKind kind : GradientKind.values()) {
          GradientSums ref = new GradientSums(M, P);
          new UnfoldedIstaCpu(op, EncoderParams.soft(t, 0.2, LAMBDA)).accumulate(kind, pr.x(), 0, pr.n(), ref);
          double rel = relative(sums.atDepth(kind, i).gradientBuffer(), ref.gradientBuffer());
          assertTrue(rel <= 1e-12, kind + " t=" + t + ": " + rel);
        }
      }
      FistaLasso.Result hat = new FistaLasso(pr.d(), M, P, LAMBDA, FistaLasso.Options.DEFAULT).solve(pr.x(), 0, pr.n());
      FistaLasso.Result star =
          new FistaLasso(pr.dStar(), M, P, LAMBDA, FistaLasso.Options.DEFAULT).solve(pr.x(), 0, pr.n());
      // codes solved from another start agree to the KKT tolerance's scale
      assertTrue(relative(sums.reference(DepthStudySums.Reference.HAT).gradientBuffer(),
          outer(pr.d(), pr.x(), hat.z(), pr.n())) <= 1e-9);
      assertTrue(relative(sums.reference(DepthStudySums.Reference.STAR).gradientBuffer(),
          outer(pr.d(), pr.x(), star.z(), pr.n())) <= 1e-9);
      assertTrue(relative(sums.reference(DepthStudySums.Reference.TILDE).gradientBuffer(),
          outer(pr.d(), pr.x(), pr.zTilde(), pr.n())) <= 1e-13);
      for (int i = 0; i < grid.size(); i++) {
        int t = grid.depth(i);
        double[] zt = new double[P * pr.n()];
        new UnfoldedIstaCpu(op, EncoderParams.soft(t, 0.2, LAMBDA)).encode(pr.x(), 0, pr.n(), zt, 0);
        double err = 0;
        long found = 0;
        for (int c = 0; c < pr.n(); c++) {
          double e = 0;
          boolean same = true;
          for (int j = 0; j < P; j++) {
            double dz = zt[c * P + j] - hat.z()[c * P + j];
            e += dz * dz;
            same &= (zt[c * P + j] != 0) == (hat.z()[c * P + j] != 0);
          }
          err += Math.sqrt(e);
          found += same ? 1 : 0;
        }
        assertEquals(err, sums.codeErrorSum(i), 1e-9 * err, "t=" + t);
        assertEquals(found, sums.supportFound(i), "t=" + t);
      }
      assertTrue(sums.supportFound(0) < pr.n(), "the first layer has not found every support yet");
    }
  }

  @Test
  void mergedGroupsEqualOnePass() {
    Problem pr = problem(11, 4);
    DepthGrid grid = DepthGrid.of(3, 7);
    DepthStudyKernel k = kernel(pr, grid, UnfoldedIstaCpu.DEFAULT_SCRATCH_BYTES);
    DepthStudySums whole = new DepthStudySums(M, P, 2);
    k.add(pr.x(), 0, pr.zTilde(), 0, 11, whole);
    DepthStudySums left = new DepthStudySums(M, P, 2);
    DepthStudySums right = new DepthStudySums(M, P, 2);
    k.add(pr.x(), 0, pr.zTilde(), 0, 4, left);
    k.add(pr.x(), 4 * M, pr.zTilde(), 4 * P, 7, right);
    DepthStudySums merged = new DepthStudySums(M, P, 2).merge(new DepthStudySums(M, P, 2)).merge(left).merge(right);
    assertEquals(11, merged.count());
    assertTrue(relative(merged.atDepth(GradientKind.AE_LASSO, 1).gradientBuffer(),
        whole.atDepth(GradientKind.AE_LASSO, 1).gradientBuffer()) <= 1e-13);
    assertEquals(whole.codeErrorSum(0), merged.codeErrorSum(0), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> merged.merge(new DepthStudySums(M, P, 3)));
  }

  /**
   * Theorem 3.3 on a small problem: at large t, g_dec and g_ae-lasso reach g_hat (ae-lasso first),
   * and g_ae-ls stays at a floor.
   */
  @Test
  void atLargeDepthDecAndAeLassoConvergeToGHat() {
    Problem pr = problem(40, 7);
    DepthGrid grid = DepthGrid.of(20, 100, 400, 1500);
    DepthStudySums sums = new DepthStudySums(M, P, grid.size());
    kernel(pr, grid, UnfoldedIstaCpu.DEFAULT_SCRATCH_BYTES).add(pr.x(), 0, pr.zTilde(), 0, pr.n(), sums);
    List<StudyEstimates.Row> rows = StudyEstimates.rows(grid, sums, List.of());
    double ghat = Norms.frobenius(sums.reference(DepthStudySums.Reference.HAT).meanGradient());
    double[][] err = new double[grid.size()][3];
    for (StudyEstimates.Row r : rows) {
      err[grid.indexOf(r.t())][r.kind().ordinal()] =
          r.error(DepthStudySums.Reference.HAT, StudyEstimates.Norm.FRO) / ghat;
    }
    int last = grid.size() - 1;
    int dec = GradientKind.DEC.ordinal();
    int ls = GradientKind.AE_LS.ordinal();
    int lasso = GradientKind.AE_LASSO.ordinal();
    assertTrue(err[last][dec] < 1e-5, "dec at t=1500: " + err[last][dec]);
    assertTrue(err[last][lasso] < 1e-9, "ae-lasso at t=1500: " + err[last][lasso]);
    for (int i = 1; i <= last; i++) {
      assertTrue(err[i][lasso] < err[i][dec], "ae-lasso ahead of dec at t=" + grid.depth(i));
    }
    // the ae-lasso error falls about twice as steeply on a log scale (t rho^2t against rho^t)
    double decDrop = Math.log(err[2][dec] / err[last][dec]);
    double lassoDrop = Math.log(err[2][lasso] / err[last][lasso]);
    assertTrue(lassoDrop > 1.8 * decDrop && lassoDrop < 2.2 * decDrop, decDrop + " vs " + lassoDrop);
    assertTrue(err[last][ls] > 0.1, "ae-ls is biased: " + err[last][ls]);
    assertTrue(Math.abs(err[last][ls] / err[2][ls] - 1) < 1e-2, "ae-ls has flattened: " + err[2][ls] + " -> "
        + err[last][ls]);
    assertEquals(1.0, rows.get(rows.size() - 1).supportFound(), 0.0);
    assertTrue(Double.isNaN(rows.get(0).se(DepthStudySums.Reference.HAT, StudyEstimates.Norm.FRO)), "no groups, no se");
  }

  @Test
  void jackknifeOfAMeanIsTheStandardErrorOfEqualGroupMeans() {
    // theta = mean; leave-one-out means of G equal groups: se_jack = sd(group means) / sqrt(G)
    double[] groupMeans = {1.0, 2.5, 0.5, 3.0};
    int g = groupMeans.length;
    double total = 0;
    for (double v : groupMeans) {
      total += v;
    }
    double[] leave = new double[g];
    double mean = total / g;
    double ss = 0;
    for (int i = 0; i < g; i++) {
      leave[i] = (total - groupMeans[i]) / (g - 1);
      ss += (groupMeans[i] - mean) * (groupMeans[i] - mean);
    }
    double expected = Math.sqrt(ss / (g - 1)) / Math.sqrt(g);
    assertEquals(expected, StudyEstimates.jackknife(leave), 1e-15);
    assertTrue(Double.isNaN(StudyEstimates.jackknife(new double[] {1.0})));
  }

  @Test
  void standardGridIsTheIssuesDefault() {
    DepthGrid g = DepthGrid.standard(200, 20, 10);
    assertEquals(30, g.size());
    assertEquals(1085, g.sum());
    assertEquals("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,25,32,40,50,63,80,100,126,159,200", g.toString());
    assertEquals(List.of(1, 2, 3), java.util.Arrays.stream(DepthGrid.standard(3, 20, 10).toArray()).boxed().toList());
    assertThrows(IllegalArgumentException.class, () -> DepthGrid.of(0, 3));
  }
}
