package org.pudle.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The backward pass from a stored depth t equals the trainer's kernel with T = t. */
class UnfoldedIstaDepthTest {
  private static final int M = 8;
  private static final int P = 12;

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("org.pudle.kernels.UnfoldedIstaCpuTest#variants")
  void everyDepthEqualsTheKernelTruncatedThere(GradientKind kind, EncoderParams e) {
    EncoderParams deep = e.withT(9);
    for (int b : new int[] {1, 2, 4, 7}) {
      TestData.Problem pr = TestData.problem(M, P, 3, b, 300 + b);
      DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, e.alpha());
      for (double density : new double[] {0, UnfoldedIstaCpu.DEFAULT_SPARSE_DENSITY, 0.6, 1}) {
        UnfoldedIstaCpu all = new UnfoldedIstaCpu(op, deep);
        all.setSparseDensity(density);
        all.forwardAll(pr.x(), 0, b);
        if (density == 1) {
          assertEquals(1, all.sparseFromLayer(), "every layer on the supports");
        }
        if (density == 0) {
          assertEquals(deep.T() + 1, all.sparseFromLayer(), "every layer by GEMM");
        }
        for (int t = 1; t <= deep.T(); t++) {
          GradientSums fromDepth = new GradientSums(M, P);
          all.accumulateFromDepth(kind, t, pr.x(), 0, b, fromDepth);
          GradientSums trainer = new GradientSums(M, P);
          new UnfoldedIstaCpu(op, deep.withT(t)).accumulate(kind, pr.x(), 0, b, trainer);
          double rel = TestData.relativeDifference(fromDepth.gradientBuffer(), trainer.gradientBuffer());
          assertTrue(rel <= 1e-12, kind + " t=" + t + " b=" + b + " density " + density + ": relative difference " + rel);
          assertEquals(trainer.meanLoss(), fromDepth.meanLoss(), 1e-13 * trainer.meanLoss());
          assertEquals(trainer.meanL1(), fromDepth.meanL1(), 1e-13 * trainer.meanL1());
          assertEquals(trainer.meanNonZeros(), fromDepth.meanNonZeros(), 0.0);
        }
      }
    }
  }

  /**
   * The shared backward of g_ae-ls and g_ae-lasso gives, bit for bit, what two separate read-outs
   * give: the same arithmetic in the same order. p = 150 also has layers whose supports exceed the
   * local copies (75 entries), run in place on pairs or by whole columns.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("org.pudle.kernels.UnfoldedIstaCpuTest#encoders")
  void bothAeKindsAtOnceEqualTwoReadOuts(EncoderParams e) {
    for (int[] shape : new int[][] {{M, P, 3, 7}, {40, 150, 12, 5}}) {
      int m = shape[0];
      int p = shape[1];
      int b = shape[3];
      EncoderParams deep = e.withT(12);
      TestData.Problem pr = TestData.problem(m, p, shape[2], b, 900 + p);
      DictionaryOperator op = DictionaryOperator.of(pr.d(), m, p, e.alpha());
      for (double density : new double[] {0, UnfoldedIstaCpu.DEFAULT_SPARSE_DENSITY, 1}) {
        UnfoldedIstaCpu all = new UnfoldedIstaCpu(op, deep);
        all.setSparseDensity(density);
        all.forwardAll(pr.x(), 0, b);
        for (int t = 1; t <= deep.T(); t++) {
          GradientSums ls = new GradientSums(m, p);
          GradientSums lasso = new GradientSums(m, p);
          all.accumulateFromDepth(GradientKind.AE_LS, t, pr.x(), 0, b, ls);
          all.accumulateFromDepth(GradientKind.AE_LASSO, t, pr.x(), 0, b, lasso);
          GradientSums ls2 = new GradientSums(m, p);
          GradientSums lasso2 = new GradientSums(m, p);
          all.accumulateAeFromDepth(t, pr.x(), 0, b, ls2, lasso2);
          String what = p + " atoms, t=" + t + ", density " + density;
          assertArrayEquals(ls.gradientBuffer(), ls2.gradientBuffer(), 0.0, "ae-ls " + what);
          assertArrayEquals(lasso.gradientBuffer(), lasso2.gradientBuffer(), 0.0,
              "ae-lasso " + what);
          assertEquals(ls.meanLoss(), ls2.meanLoss(), 0.0, what);
          assertEquals(lasso.meanL1(), lasso2.meanL1(), 0.0, what);
          assertEquals(lasso.count(), lasso2.count(), what);
          assertTrue(TestData.relativeDifference(ls.gradientBuffer(), lasso.gradientBuffer()) > 1e-6,
              "the two kinds differ: " + what);
        }
      }
    }
  }

  @Test
  void storedCodesAreTheEncodersCodesAtEachDepth() {
    EncoderParams e = EncoderParams.soft(6, 0.2, 0.2);
    TestData.Problem pr = TestData.problem(M, P, 3, 5, 17);
    DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, e.alpha());
    UnfoldedIsta.StoredCodes codes = new UnfoldedIstaCpu(op, e).forwardAll(pr.x(), 0, pr.n());
    for (int t = 1; t <= e.T(); t++) {
      double[] z = new double[P * pr.n()];
      new UnfoldedIstaCpu(op, e.withT(t)).encode(pr.x(), 0, pr.n(), z, 0);
      for (int q = 0; q < z.length; q++) {
        assertEquals(z[q], codes.array()[codes.offset(t) + q], 0.0, "t=" + t);
      }
    }
  }

  @Test
  void readOutsNeedAMatchingForwardPass() {
    EncoderParams e = EncoderParams.soft(4, 0.2, 0.2);
    TestData.Problem pr = TestData.problem(M, P, 3, 5, 17);
    UnfoldedIstaCpu k = new UnfoldedIstaCpu(DictionaryOperator.of(pr.d(), M, P, e.alpha()), e);
    GradientSums s = new GradientSums(M, P);
    assertThrows(IllegalStateException.class, () -> k.accumulateFromDepth(GradientKind.DEC, 2, pr.x(), 0, 5, s));
    k.forwardAll(pr.x(), 0, 5);
    assertThrows(IllegalStateException.class, () -> k.accumulateFromDepth(GradientKind.DEC, 2, pr.x(), 0, 4, s));
    assertThrows(IllegalArgumentException.class, () -> k.accumulateFromDepth(GradientKind.DEC, 5, pr.x(), 0, 5, s));
    assertThrows(IllegalArgumentException.class, () -> k.accumulateFromDepth(GradientKind.DEC, 0, pr.x(), 0, 5, s));
    k.accumulate(GradientKind.AE_LS, pr.x(), 0, 5, s);
    assertThrows(IllegalStateException.class, () -> k.accumulateFromDepth(GradientKind.DEC, 2, pr.x(), 0, 5, s));
    UnfoldedIstaCpu tiny = new UnfoldedIstaCpu(DictionaryOperator.of(pr.d(), M, P, e.alpha()), e, 1);
    assertThrows(IllegalArgumentException.class, () -> tiny.forwardAll(pr.x(), 0, 2));
  }

  @Test
  void warmStartedLassoMeetsTheSameTolerance() {
    TestData.Problem pr = TestData.problem(M, P, 3, 9, 23);
    FistaLasso solver = new FistaLasso(pr.d(), M, P, 0.2, FistaLasso.Options.DEFAULT);
    FistaLasso.Result cold = solver.solve(pr.x(), 0, pr.n());
    double[] start = new double[P * pr.n()];
    new UnfoldedIstaCpu(DictionaryOperator.of(pr.d(), M, P, 0.2), EncoderParams.soft(30, 0.2, 0.2))
        .encode(pr.x(), 0, pr.n(), start, 0);
    FistaLasso.Result warm = solver.solve(pr.x(), 0, pr.n(), start, 0);
    assertEquals(0, warm.unconverged());
    assertTrue(warm.maxKkt() <= FistaLasso.Options.DEFAULT.tolerance());
    assertTrue(warm.iterations() <= cold.iterations(), warm.iterations() + " vs " + cold.iterations());
    // a strictly convex lasso (k <= m, generic D): one solution, so both agree to the tolerance's scale
    for (int q = 0; q < start.length; q++) {
      assertEquals(cold.z()[q], warm.z()[q], 1e-9);
    }
  }
}
