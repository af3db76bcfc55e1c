package org.pudle.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnfoldedIstaCpuTest {
  private static final int M = 8;
  private static final int P = 12;

  /** Soft and hard thresholds, each with and without lambda decay. */
  static List<EncoderParams> encoders() {
    return List.of(
        new EncoderParams(6, 0.2, 0.2, ThresholdKind.SOFT, 0, 1),
        new EncoderParams(6, 0.2, 0.2, ThresholdKind.SOFT, 0, 0.85),
        new EncoderParams(6, 0.2, 0.2, ThresholdKind.HARD, 0.1, 1),
        new EncoderParams(6, 0.2, 0.2, ThresholdKind.HARD, 0.1, 0.9));
  }

  static List<Arguments> variants() {
    List<Arguments> out = new ArrayList<>();
    for (EncoderParams e : encoders()) {
      for (GradientKind k : GradientKind.values()) {
        out.add(Arguments.of(k, e));
      }
    }
    return out;
  }

  private static UnfoldedIstaCpu kernel(double[] d, EncoderParams e) {
    return new UnfoldedIstaCpu(DictionaryOperator.of(d, M, P, e.alpha()), e);
  }

  private static double[] blockGradient(TestData.Problem pr, EncoderParams e, GradientKind kind) {
    GradientSums sums = new GradientSums(M, P);
    kernel(pr.d(), e).accumulate(kind, pr.x(), 0, pr.n(), sums);
    return sums.gradientBuffer();
  }

  /** Sum over samples of the loss whose gradient is {@code kind}, by the reference forward pass. */
  private static double totalLoss(TestData.Problem pr, double[] d, EncoderParams e, GradientKind kind,
      double[][] fixedCodes) {
    ReferenceUnfoldedIsta ref = new ReferenceUnfoldedIsta(d, M, P, e);
    double s = 0;
    for (int i = 0; i < pr.n(); i++) {
      double[] x = pr.column(i);
      if (kind == GradientKind.DEC) {
        // the decoder-only gradient: the code is held at its value for the unperturbed D
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
  void gradientMatchesCentralFiniteDifferences(GradientKind kind, EncoderParams e) {
    TestData.Problem pr = TestData.problem(M, P, 3, 5, 11);
    double[] grad = blockGradient(pr, e, kind);
    ReferenceUnfoldedIsta ref = new ReferenceUnfoldedIsta(pr.d(), M, P, e);
    double[][] codes = new double[pr.n()][];
    for (int i = 0; i < pr.n(); i++) {
      codes[i] = ref.forward(pr.column(i))[0][e.T()];
    }
    double h = 1e-6;
    double[] fd = new double[M * P];
    for (int q = 0; q < M * P; q++) {
      double[] plus = pr.d().clone();
      double[] minus = pr.d().clone();
      plus[q] += h;
      minus[q] -= h;
      fd[q] = (totalLoss(pr, plus, e, kind, codes) - totalLoss(pr, minus, e, kind, codes)) / (2 * h);
    }
    double rel = TestData.relativeDifference(grad, fd);
    assertTrue(rel <= 1e-6, kind + " " + e + ": relative error to finite differences " + rel);
    assertTrue(org.pudle.kernels.linalg.Norms.frobenius(grad) > 1e-3, "a vanishing gradient tests nothing");
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void blockedKernelMatchesPerSampleReference(GradientKind kind, EncoderParams e) {
    for (int b : new int[] {1, 2, 4, 7}) {
      TestData.Problem pr = TestData.problem(M, P, 3, b, 100 + b);
      double[] grad = blockGradient(pr, e, kind);
      ReferenceUnfoldedIsta ref = new ReferenceUnfoldedIsta(pr.d(), M, P, e);
      double[] expected = new double[M * P];
      for (int i = 0; i < b; i++) {
        double[] gi = ref.gradient(pr.column(i), kind);
        for (int q = 0; q < expected.length; q++) {
          expected[q] += gi[q];
        }
      }
      double rel = TestData.relativeDifference(grad, expected);
      assertTrue(rel <= 1e-12, kind + " B=" + b + ": relative difference " + rel);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"dec", "ae-ls", "ae-lasso"})
  void statisticsMatchReference(String kindName) {
    GradientKind kind = GradientKind.parse(kindName);
    EncoderParams e = EncoderParams.soft(10, 0.2, 0.2);
    TestData.Problem pr = TestData.problem(M, P, 3, 6, 5);
    GradientSums sums = new GradientSums(M, P);
    kernel(pr.d(), e).accumulate(kind, pr.x(), 0, pr.n(), sums);
    ReferenceUnfoldedIsta ref = new ReferenceUnfoldedIsta(pr.d(), M, P, e);
    double loss = 0;
    double l1 = 0;
    long nnz = 0;
    for (int i = 0; i < pr.n(); i++) {
      loss += ref.loss(pr.column(i), GradientKind.AE_LS);
      for (double z : ref.forward(pr.column(i))[0][e.T()]) {
        l1 += Math.abs(z);
        nnz += z != 0 ? 1 : 0;
      }
    }
    assertEquals(pr.n(), sums.count());
    assertEquals(loss / pr.n(), sums.meanLoss(), 1e-13 * loss);
    assertEquals(l1 / pr.n(), sums.meanL1(), 1e-13 * l1);
    assertEquals((double) nnz / pr.n(), sums.meanNonZeros(), 0.0);
    assertTrue(nnz > 0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"dec", "ae-ls", "ae-lasso"})
  void chunkingUnderASmallBudgetGivesTheSameSums(String kindName) {
    GradientKind kind = GradientKind.parse(kindName);
    EncoderParams e = new EncoderParams(5, 0.2, 0.2, ThresholdKind.SOFT, 0, 0.9);
    TestData.Problem pr = TestData.problem(M, P, 3, 9, 21);
    DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, e.alpha());
    GradientSums whole = new GradientSums(M, P);
    new UnfoldedIstaCpu(op, e).accumulate(kind, pr.x(), 0, pr.n(), whole);
    UnfoldedIstaCpu tiny = new UnfoldedIstaCpu(op, e, 1);
    assertEquals(1, tiny.chunkColumns(kind));
    GradientSums chunked = new GradientSums(M, P);
    tiny.accumulate(kind, pr.x(), 0, pr.n(), chunked);
    assertTrue(TestData.relativeDifference(chunked.gradientBuffer(), whole.gradientBuffer()) <= 1e-13);
    assertEquals(whole.meanLoss(), chunked.meanLoss(), 1e-14 * whole.meanLoss());
  }

  @Test
  void mergedHalvesEqualSequentialAdds() {
    EncoderParams e = EncoderParams.soft(8, 0.2, 0.2);
    TestData.Problem pr = TestData.problem(M, P, 3, 10, 3);
    UnfoldedIstaCpu k = kernel(pr.d(), e);
    GradientSums sequential = new GradientSums(M, P);
    k.accumulate(GradientKind.AE_LASSO, pr.x(), 0, 4, sequential);
    k.accumulate(GradientKind.AE_LASSO, pr.x(), 4 * M, 6, sequential);
    GradientSums left = new GradientSums(M, P);
    GradientSums right = new GradientSums(M, P);
    k.accumulate(GradientKind.AE_LASSO, pr.x(), 0, 4, left);
    k.accumulate(GradientKind.AE_LASSO, pr.x(), 4 * M, 6, right);
    GradientSums empty = new GradientSums(M, P);
    GradientSums merged = new GradientSums(M, P).merge(empty).merge(left).merge(empty).merge(right);
    assertArrayEquals(sequential.gradientBuffer(), merged.gradientBuffer(), 1e-13);
    assertEquals(sequential.count(), merged.count());
    assertEquals(sequential.meanL1(), merged.meanL1(), 1e-14);
  }

  @Test
  void emptyBlockAddsNothing() {
    EncoderParams e = EncoderParams.soft(3, 0.2, 0.2);
    TestData.Problem pr = TestData.problem(M, P, 3, 2, 3);
    GradientSums sums = new GradientSums(M, P);
    kernel(pr.d(), e).accumulate(GradientKind.AE_LS, pr.x(), 0, 0, sums);
    assertEquals(0, sums.count());
    assertArrayEquals(new double[M * P], sums.meanGradient());
  }

  @Test
  void encodeMatchesReferenceForward() {
    EncoderParams e = new EncoderParams(7, 0.2, 0.2, ThresholdKind.HARD, 0.15, 0.95);
    TestData.Problem pr = TestData.problem(M, P, 3, 5, 8);
    double[] z = new double[P * pr.n()];
    kernel(pr.d(), e).encode(pr.x(), 0, pr.n(), z, 0);
    ReferenceUnfoldedIsta ref = new ReferenceUnfoldedIsta(pr.d(), M, P, e);
    for (int i = 0; i < pr.n(); i++) {
      double[] zi = ref.forward(pr.column(i))[0][e.T()];
      for (int j = 0; j < P; j++) {
        assertEquals(zi[j], z[i * P + j], 1e-13);
      }
    }
  }

  /** With D = I: v_0 = alpha x, z_1 = S(v_0; alpha lambda); z_2 = S((1 - alpha) z_1 + alpha x; alpha lambda beta). */
  @Test
  void firstLayerUsesLambdaAndLaterLayersDecay() {
    double alpha = 0.5;
    double lambda = 1.0;
    double beta = 0.5;
    double[] eye = {1, 0, 0, 1};
    double[] x = {3.0, 1.2};
    UnfoldedIstaCpu one = new UnfoldedIstaCpu(DictionaryOperator.of(eye, 2, 2, alpha),
        new EncoderParams(1, alpha, lambda, ThresholdKind.SOFT, 0, beta));
    double[] z = new double[2];
    one.encode(x, 0, 1, z, 0);
    // level alpha * lambda = 0.5: z_1 = (1.0, 0.1)
    assertArrayEquals(new double[] {1.0, 0.1}, z, 1e-15);
    UnfoldedIstaCpu two = new UnfoldedIstaCpu(DictionaryOperator.of(eye, 2, 2, alpha),
        new EncoderParams(2, alpha, lambda, ThresholdKind.SOFT, 0, beta));
    two.encode(x, 0, 1, z, 0);
    // v_1 = 0.5 z_1 + 1.5 -> (2.0, 0.65); level 0.25 -> (1.75, 0.4)
    assertArrayEquals(new double[] {1.75, 0.4}, z, 1e-15);
    UnfoldedIstaCpu hard = new UnfoldedIstaCpu(DictionaryOperator.of(eye, 2, 2, alpha),
        new EncoderParams(2, alpha, lambda, ThresholdKind.HARD, 0.7, beta));
    hard.encode(x, 0, 1, z, 0);
    // z_1 = HT_0.7(1.5, 0.6) = (1.5, 0); v_1 = (2.25, 0.6); b_1 = 0.35 -> (2.25, 0.6)
    assertArrayEquals(new double[] {2.25, 0.6}, z, 1e-15);
  }

  @Test
  void rejectsMismatchedShapesAndParams() {
    double[] d = TestData.gaussian(M * P, 1);
    DictionaryOperator op = DictionaryOperator.of(d, M, P, 0.2);
    assertThrows(IllegalArgumentException.class, () -> DictionaryOperator.of(d, M, P + 1, 0.2));
    assertThrows(IllegalArgumentException.class, () -> new UnfoldedIstaCpu(op, EncoderParams.soft(3, 0.1, 0.2)));
    UnfoldedIstaCpu k = new UnfoldedIstaCpu(op, EncoderParams.soft(3, 0.2, 0.2));
    assertThrows(IllegalArgumentException.class,
        () -> k.accumulate(GradientKind.DEC, new double[M * 2], 0, 3, new GradientSums(M, P)));
    assertThrows(IllegalArgumentException.class,
        () -> k.accumulate(GradientKind.DEC, new double[M * 2], 0, 2, new GradientSums(M, P + 1)));
    assertThrows(IllegalArgumentException.class, () -> EncoderParams.soft(0, 0.2, 0.2));
    assertThrows(IllegalArgumentException.class, () -> EncoderParams.soft(3, 0.2, -0.2));
    assertThrows(IllegalArgumentException.class, () -> EncoderParams.soft(3, Double.NaN, 0.2));
    assertThrows(IllegalArgumentException.class, () -> new EncoderParams(3, 0.2, 0.2, ThresholdKind.HARD, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new EncoderParams(3, 0.2, 0.2, ThresholdKind.SOFT, 0, 1.5));
    assertThrows(IllegalArgumentException.class, () -> GradientKind.parse("ae-l2"));
  }

  @Test
  void gramIsSymmetricAndMatchesDefinition() {
    double[] d = TestData.gaussian(M * P, 4);
    DictionaryOperator op = DictionaryOperator.of(d, M, P, 0.3);
    for (int i = 0; i < P; i++) {
      for (int j = 0; j < P; j++) {
        double dot = 0;
        for (int r = 0; r < M; r++) {
          dot += d[r + i * M] * d[r + j * M];
        }
        assertEquals((i == j ? 1 : 0) - 0.3 * dot, op.g()[i + j * P], 1e-13);
      }
    }
  }
}
