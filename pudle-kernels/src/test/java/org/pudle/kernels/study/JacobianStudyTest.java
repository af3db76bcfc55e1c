package org.pudle.kernels.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.data.Seeds;

/** The Jacobian read-outs (Theorem 3.2) against central finite differences of z_t and z_hat. */
class JacobianStudyTest {
  private static final int M = 10;
  private static final int P = 16;
  private static final long SEED = 77;

  private static double[] perturbed(double[] d, double[] u, double[] w, double eps) {
    double[] out = d.clone();
    for (int j = 0; j < P; j++) {
      for (int i = 0; i < M; i++) {
        out[i + j * M] += eps * u[i] * w[j];
      }
    }
    return out;
  }

  private static double[] codes(double[] d, double[] x, int t) {
    double[] z = new double[P];
    new UnfoldedIstaCpu(DictionaryOperator.of(d, M, P, 0.2), EncoderParams.soft(t, 0.2, 0.2)).encode(x, 0, 1, z, 0);
    return z;
  }

  private static double[] lasso(double[] d, double[] x) {
    return new FistaLasso(d, M, P, 0.2, new FistaLasso.Options(1e-14, 100000, 10, 1e-3)).solve(x, 0, 1).z();
  }

  @Test
  void readOutsEqualFiniteDifferencesOfTheCodesAndTheLassoSolution() {
    DepthStudyKernelTest.Problem pr = DepthStudyKernelTest.problem(9, 5);
    DepthGrid grid = DepthGrid.of(1, 3, 8, 25);
    long first = 1000;
    DepthStudyKernel kernel = DepthStudyKernelTest.kernel(pr, grid, UnfoldedIstaCpu.DEFAULT_SCRATCH_BYTES);
    kernel.enableJacobian(SEED);
    DepthStudySums sums = new DepthStudySums(M, P, grid.size());
    kernel.add(pr.x(), 0, pr.zTilde(), 0, pr.n(), first, sums);
    assertEquals(pr.n(), sums.jacobianCount());
    double h = 1e-7;
    double[] expected = new double[grid.size()];
    double reference = 0;
    for (int c = 0; c < pr.n(); c++) {
      SplittableRandom rng = new SplittableRandom(Seeds.derive(SEED, DepthStudyKernel.DIRECTIONS, first + c));
      double[] u = new double[M];
      double[] w = new double[P];
      for (int i = 0; i < M; i++) {
        u[i] = rng.nextGaussian();
      }
      for (int i = 0; i < P; i++) {
        w[i] = rng.nextGaussian();
      }
      double[] x = java.util.Arrays.copyOfRange(pr.x(), c * M, (c + 1) * M);
      double[] plus = perturbed(pr.d(), u, w, h);
      double[] minus = perturbed(pr.d(), u, w, -h);
      double[] zp = lasso(plus, x);
      double[] zm = lasso(minus, x);
      double[] dHat = new double[P];
      for (int i = 0; i < P; i++) {
        dHat[i] = (zp[i] - zm[i]) / (2 * h);
        reference += dHat[i] * dHat[i];
      }
      for (int g = 0; g < grid.size(); g++) {
        double[] a = codes(plus, x, grid.depth(g));
        double[] b = codes(minus, x, grid.depth(g));
        for (int i = 0; i < P; i++) {
          double dz = (a[i] - b[i]) / (2 * h);
          expected[g] += (dz - dHat[i]) * (dz - dHat[i]);
        }
      }
    }
    assertEquals(reference, sums.jacobianReferenceSum(), 1e-5 * reference);
    assertTrue(reference > 1e-2, "J_hat E is not trivially zero: " + reference);
    for (int g = 0; g < grid.size(); g++) {
      assertEquals(expected[g], sums.jacobianErrorSum(g), 1e-5 * expected[g], "t = " + grid.depth(g));
    }
  }

  /** Theorem 3.2: J_t -> J_hat once the support is found; the error falls by orders of magnitude. */
  @Test
  void jacobianConvergesAtLargeDepth() {
    DepthStudyKernelTest.Problem pr = DepthStudyKernelTest.problem(30, 7);
    DepthGrid grid = DepthGrid.of(20, 200, 1500);
    DepthStudyKernel kernel = DepthStudyKernelTest.kernel(pr, grid, UnfoldedIstaCpu.DEFAULT_SCRATCH_BYTES);
    kernel.enableJacobian(SEED);
    DepthStudySums sums = new DepthStudySums(M, P, grid.size());
    kernel.add(pr.x(), 0, pr.zTilde(), 0, pr.n(), 0, sums);
    var rows = StudyEstimates.rows(grid, sums, java.util.List.of(sums));
    double ref = Math.sqrt(sums.jacobianReferenceSum() / pr.n());
    double early = rows.get(0).jacobianError() / ref;
    double mid = rows.get(3).jacobianError() / ref;
    double late = rows.get(6).jacobianError() / ref;
    assertTrue(early > 1e-2, "t = 20: " + early);
    // the root mean square is held up by the slowest samples (rho close to 1), still it falls 1e4-fold
    assertTrue(mid < 0.1 * early && late < 1e-4 * early, early + " -> " + mid + " -> " + late);
  }
}
