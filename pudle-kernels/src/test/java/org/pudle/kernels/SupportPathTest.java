package org.pudle.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layers on the codes' supports (SupportPath, SupportBackward) against the GEMM layers, on a
 * shape where the codes get sparse, the frames screen and the backward runs on local copies: every
 * gradient kind with soft and hard thresholds, with and without decay, every block size, the
 * per-depth read-outs, encoding, chunking, and central finite differences of the reference loss.
 */
class SupportPathTest {
  private static final int M = 20;
  private static final int P = 40;
  private static final int K = 3;
  private static final int T = 40;

  static List<Arguments> variants() {
    List<Arguments> out = new ArrayList<>();
    EncoderParams[] encoders = {
      new EncoderParams(T, 0.2, 0.2, ThresholdKind.SOFT, 0, 1),
      new EncoderParams(T, 0.2, 0.2, ThresholdKind.SOFT, 0, 0.97),
      new EncoderParams(T, 0.2, 0.2, ThresholdKind.HARD, 0.15, 1),
      new EncoderParams(T, 0.2, 0.2, ThresholdKind.HARD, 0.15, 0.98),
    };
    for (EncoderParams e : encoders) {
      for (GradientKind k : GradientKind.values()) {
        out.add(Arguments.of(k, e));
      }
    }
    return out;
  }

  private static GradientSums sums(DictionaryOperator op, EncoderParams e, double density, GradientKind kind,
      TestData.Problem pr, long budget) {
    UnfoldedIstaCpu k = new UnfoldedIstaCpu(op, e, budget);
    k.setSparseDensity(density);
    return accumulated(k, kind, pr);
  }

  /** The sums of one accumulate call of {@code k} on all of {@code pr}'s samples. */
  private static GradientSums accumulated(UnfoldedIstaCpu k, GradientKind kind, TestData.Problem pr) {
    GradientSums s = new GradientSums(M, P);
    k.accumulate(kind, pr.x(), 0, pr.n(), s);
    return s;
  }

  private static void assertSameSums(GradientSums dense, GradientSums other, String what) {
    double rel = TestData.relativeDifference(other.gradientBuffer(), dense.gradientBuffer());
    assertTrue(rel <= 1e-12, what + ": relative difference to the GEMM layers " + rel);
    assertEquals(dense.meanLoss(), other.meanLoss(), 1e-13 * dense.meanLoss(), what);
    assertEquals(dense.meanL1(), other.meanL1(), 1e-13 * dense.meanL1(), what);
    assertEquals(dense.meanNonZeros(), other.meanNonZeros(), 0.0, what);
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void supportLayersGiveTheGemmLayersSums(GradientKind kind, EncoderParams e) {
    KernelStatistics.Counts before = KernelStatistics.snapshot();
    for (int b : new int[] {1, 3, 16, 64}) {
      TestData.Problem pr = TestData.problem(M, P, K, b, 500 + b);
      DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, e.alpha());
      GradientSums dense = sums(op, e, 0, kind, pr, UnfoldedIsta.DEFAULT_SCRATCH_BYTES);
      for (double density : new double[] {1, 0.3, UnfoldedIsta.COST_MODEL}) {
        assertSameSums(dense, sums(op, e, density, kind, pr, UnfoldedIsta.DEFAULT_SCRATCH_BYTES),
            kind + " b=" + b + " density " + density);
      }
      // chunks of 5 columns: the frames of every chunk, P summed over the chunks
      long budget = 5 * 8L * ((T + 3L) * P + M) + 8L * P * P;
      GradientSums chunked = sums(op, e, 1, kind, pr, budget);
      assertSameSums(dense, chunked, kind + " b=" + b + " in chunks");
    }
    KernelStatistics.Counts done = KernelStatistics.snapshot().minus(before);
    assertTrue(done.get(KernelStatistics.Counter.FORWARD_SUPPORT) > 0, done.toString());
    if (kind.throughEncoder()) {
      assertTrue(done.get(KernelStatistics.Counter.BACKWARD_SUPPORT) > 0, done.toString());
    }
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void theCodesGrowAsTheFramesNeedWithTheSameSums(GradientKind kind, EncoderParams e) {
    // a training chunk starts with room for a few layers of codes; here the frames need more, so
    // the support path grows the array as it goes: the sums equal, to the bit, those of the same
    // kernel again (room enough from the start), and the GEMM layers'
    int b = 64;
    TestData.Problem pr = TestData.problem(M, P, K, b, 4242);
    DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, e.alpha());
    UnfoldedIstaCpu k = new UnfoldedIstaCpu(op, e);
    k.setSparseDensity(1);
    GradientSums first = accumulated(k, kind, pr);
    if (!kind.throughEncoder()) {
      assertEquals(2 * P * b, k.codesLength(), "g_dec keeps two layers of codes");
      return;
    }
    int grown = k.codesLength();
    assertTrue(grown > ChunkCodes.INITIAL_LAYERS * P * b && grown <= T * P * b,
        "codes: " + (double) grown / (P * b) + " layers of " + T);
    GradientSums again = accumulated(k, kind, pr);
    assertEquals(grown, k.codesLength());
    assertArrayEquals(again.gradientBuffer(), first.gradientBuffer());
    assertEquals(again.meanLoss(), first.meanLoss(), 0.0);
    assertSameSums(sums(op, e, 0, kind, pr, UnfoldedIsta.DEFAULT_SCRATCH_BYTES), first, kind + " grown");
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void aKernelsSumsDoNotDependOnWhatItRanBefore(GradientKind kind, EncoderParams e) {
    // pooled kernels keep their scratch between tasks: a used one must give a fresh one's sums, to the bit
    TestData.Problem pr = TestData.problem(M, P, K, 37, 31);
    DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, e.alpha());
    GradientSums want = accumulated(new UnfoldedIstaCpu(op, e), kind, pr);
    for (int[] before : new int[][] {{64, 5}, {3, 6}, {200, 7}}) {
      UnfoldedIstaCpu used = new UnfoldedIstaCpu(op, e);
      TestData.Problem other = TestData.problem(M, P, K, before[0], before[1]);
      accumulated(used, GradientKind.AE_LASSO, other);
      used.encode(other.x(), 0, other.n(), new double[P * other.n()], 0);
      accumulated(used, kind, other);
      GradientSums got = accumulated(used, kind, pr);
      assertArrayEquals(want.gradientBuffer(), got.gradientBuffer(),
          kind + " after " + before[0] + " columns");
    }
  }

  @Test
  void theFramesScreenLayersOnThisShape() {
    KernelStatistics.Counts before = KernelStatistics.snapshot();
    for (EncoderParams e : new EncoderParams[] {EncoderParams.soft(T, 0.2, 0.2),
        new EncoderParams(T, 0.2, 0.2, ThresholdKind.HARD, 0.15, 1)}) {
      TestData.Problem pr = TestData.problem(M, P, K, 32, 77);
      sums(DictionaryOperator.of(pr.d(), M, P, e.alpha()), e, 1, GradientKind.AE_LS, pr,
          UnfoldedIsta.DEFAULT_SCRATCH_BYTES);
    }
    KernelStatistics.Counts done = KernelStatistics.snapshot().minus(before);
    // the comparisons above test the screened layers only if there are some
    assertTrue(done.get(KernelStatistics.Counter.FORWARD_SCREENED) > 0, done.toString());
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void everyDepthOnTheSupportsEqualsTheGemmKernelTruncatedThere(GradientKind kind, EncoderParams e) {
    int b = 6;
    TestData.Problem pr = TestData.problem(M, P, K, b, 900);
    DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, e.alpha());
    UnfoldedIstaCpu all = new UnfoldedIstaCpu(op, e);
    all.setSparseDensity(1);
    all.forwardAll(pr.x(), 0, b);
    assertEquals(1, all.sparseFromLayer());
    for (int t = 1; t <= T; t += 3) {
      GradientSums fromDepth = new GradientSums(M, P);
      all.accumulateFromDepth(kind, t, pr.x(), 0, b, fromDepth);
      GradientSums dense = sums(op, e.withT(t), 0, kind, pr, UnfoldedIsta.DEFAULT_SCRATCH_BYTES);
      assertSameSums(dense, fromDepth, kind + " depth " + t);
    }
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("variants")
  void encodingOnTheSupportsGivesTheGemmCodes(GradientKind kind, EncoderParams e) {
    if (kind != GradientKind.DEC) {
      return;
    }
    TestData.Problem pr = TestData.problem(M, P, K, 50, 31);
    DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, e.alpha());
    double[] dense = new double[P * pr.n()];
    double[] support = new double[P * pr.n()];
    UnfoldedIstaCpu k = new UnfoldedIstaCpu(op, e);
    k.setSparseDensity(0);
    k.encode(pr.x(), 0, pr.n(), dense, 0);
    k.setSparseDensity(1);
    k.encode(pr.x(), 0, pr.n(), support, 0);
    double scale = 0;
    for (double z : dense) {
      scale = Math.max(scale, Math.abs(z));
    }
    for (int q = 0; q < dense.length; q++) {
      assertEquals(dense[q] != 0, support[q] != 0, "support of entry " + q);
      assertEquals(dense[q], support[q], 1e-12 * scale, "entry " + q);
    }
  }

  /** Sum over samples of the loss whose gradient is {@code kind}, by the reference forward pass. */
  private static double totalLoss(TestData.Problem pr, double[] d, EncoderParams e, GradientKind kind,
      double[][] fixedCodes) {
    ReferenceUnfoldedIsta ref = new ReferenceUnfoldedIsta(d, M, P, e);
    double s = 0;
    for (int i = 0; i < pr.n(); i++) {
      double[] x = pr.column(i);
      if (kind == GradientKind.DEC) {
        double[] z = fixedCodes[i];
        for (int r = 0; r < M; r++) {
          double dz = 0;
          for (int j = 0; j < P; j++) {
            dz += d[r + j * M] * z[j];
          }
          s += 0.5 * (dz - x[r]) * (dz - x[r]);
        }
      } else {
        s += ref.loss(x, kind);
      }
    }
    return s;
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void supportGradientMatchesCentralFiniteDifferences(GradientKind kind, EncoderParams e) {
    EncoderParams shallow = e.withT(15);
    TestData.Problem pr = TestData.problem(M, P, K, 4, 41);
    DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, shallow.alpha());
    double[] grad = sums(op, shallow, 1, kind, pr, UnfoldedIsta.DEFAULT_SCRATCH_BYTES).gradientBuffer();
    ReferenceUnfoldedIsta ref = new ReferenceUnfoldedIsta(pr.d(), M, P, shallow);
    double[][] codes = new double[pr.n()][];
    for (int i = 0; i < pr.n(); i++) {
      codes[i] = ref.forward(pr.column(i))[0][shallow.T()];
    }
    double h = 1e-6;
    double[] fd = new double[M * P];
    for (int q = 0; q < M * P; q++) {
      double[] plus = pr.d().clone();
      double[] minus = pr.d().clone();
      plus[q] += h;
      minus[q] -= h;
      fd[q] = (totalLoss(pr, plus, shallow, kind, codes) - totalLoss(pr, minus, shallow, kind, codes)) / (2 * h);
    }
    double rel = TestData.relativeDifference(grad, fd);
    assertTrue(rel <= 1e-6, kind + " " + shallow + ": relative error to finite differences " + rel);
    assertTrue(org.pudle.kernels.linalg.Norms.frobenius(grad) > 1e-3, "a vanishing gradient tests nothing");
  }
}
