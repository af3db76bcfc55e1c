package org.pudle.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract of every {@link UnfoldedIsta} backend: subclasses say how to {@link #create} one and
 * how close to exact arithmetic it is. Blocks are checked against the independent per-sample
 * reference at block sizes 1, 2, 4 and 7, gradients against central finite differences, merged
 * halves against sequential adds, and empty blocks and bad shapes.
 */
abstract class UnfoldedIstaContract {
  static final int M = 8;
  static final int P = 12;

  /** A kernel of the backend under test. */
  abstract UnfoldedIsta create(DictionaryOperator op, EncoderParams e);

  /** The relative difference allowed against the double-precision reference. */
  double tolerance() {
    return 1e-12;
  }

  /** Whether the backend computes in double (finite differences and exact statistics apply). */
  boolean doublePrecision() {
    return true;
  }

  /** Why the backend cannot run on this machine, or null when it can. */
  String unavailable() {
    return null;
  }

  @BeforeEach
  void requireBackend() {
    String why = unavailable();
    assumeTrue(why == null, why);
  }

  static List<Arguments> variants() {
    List<Arguments> out = new ArrayList<>();
    EncoderParams[] encoders = {
      new EncoderParams(6, 0.2, 0.2, ThresholdKind.SOFT, 0, 1),
      new EncoderParams(6, 0.2, 0.2, ThresholdKind.SOFT, 0, 0.85),
      new EncoderParams(6, 0.2, 0.2, ThresholdKind.HARD, 0.1, 1),
      new EncoderParams(6, 0.2, 0.2, ThresholdKind.HARD, 0.1, 0.9),
    };
    for (EncoderParams e : encoders) {
      for (GradientKind k : GradientKind.values()) {
        out.add(Arguments.of(k, e));
      }
    }
    return out;
  }

  private UnfoldedIsta kernel(double[] d, int m, int p, EncoderParams e) {
    return create(DictionaryOperator.of(d, m, p, e.alpha()), e);
  }

  private double[] blockGradient(TestData.Problem pr, EncoderParams e, GradientKind kind) {
    GradientSums sums = new GradientSums(pr.m(), pr.p());
    kernel(pr.d(), pr.m(), pr.p(), e).accumulate(kind, pr.x(), 0, pr.n(), sums);
    return sums.gradientBuffer();
  }

  private static double[] referenceSum(TestData.Problem pr, EncoderParams e, GradientKind kind) {
    ReferenceUnfoldedIsta ref = new ReferenceUnfoldedIsta(pr.d(), pr.m(), pr.p(), e);
    double[] expected = new double[pr.m() * pr.p()];
    for (int i = 0; i < pr.n(); i++) {
      double[] gi = ref.gradient(pr.column(i), kind);
      for (int q = 0; q < expected.length; q++) {
        expected[q] += gi[q];
      }
    }
    return expected;
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void blockedKernelMatchesPerSampleReference(GradientKind kind, EncoderParams e) {
    for (int b : new int[] {1, 2, 4, 7}) {
      TestData.Problem pr = TestData.problem(M, P, 3, b, 100 + b);
      double rel = TestData.relativeDifference(blockGradient(pr, e, kind), referenceSum(pr, e, kind));
      assertTrue(rel <= tolerance(), kind + " B=" + b + ": relative difference " + rel);
    }
  }

  /** A wider problem: several GEMM tiles' worth of columns in the CUDA kernels' terms. */
  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void widerBlockMatchesPerSampleReference(GradientKind kind, EncoderParams e) {
    TestData.Problem pr = TestData.problem(20, 33, 4, 150, 7);
    EncoderParams deeper = e.withT(9);
    double rel = TestData.relativeDifference(blockGradient(pr, deeper, kind), referenceSum(pr, deeper, kind));
    assertTrue(rel <= tolerance() * 10, kind + ": relative difference " + rel);
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void gradientMatchesCentralFiniteDifferences(GradientKind kind, EncoderParams e) {
    assumeTrue(doublePrecision(), "finite differences at h = 1e-6 need double precision");
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

  @ParameterizedTest
  @MethodSource("kinds")
  void statisticsMatchReference(GradientKind kind) {
    EncoderParams e = EncoderParams.soft(10, 0.2, 0.2);
    TestData.Problem pr = TestData.problem(M, P, 3, 6, 5);
    GradientSums sums = new GradientSums(M, P);
    kernel(pr.d(), M, P, e).accumulate(kind, pr.x(), 0, pr.n(), sums);
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
    assertEquals(loss / pr.n(), sums.meanLoss(), tolerance() * 10 * loss);
    assertEquals(l1 / pr.n(), sums.meanL1(), tolerance() * 10 * l1);
    assertEquals((double) nnz / pr.n(), sums.meanNonZeros(), 0.0);
    assertTrue(nnz > 0);
  }

  static GradientKind[] kinds() {
    return GradientKind.values();
  }

  @Test
  void mergedHalvesEqualSequentialAdds() {
    EncoderParams e = EncoderParams.soft(8, 0.2, 0.2);
    TestData.Problem pr = TestData.problem(M, P, 3, 10, 3);
    UnfoldedIsta k = kernel(pr.d(), M, P, e);
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
    kernel(pr.d(), M, P, e).accumulate(GradientKind.AE_LS, pr.x(), 0, 0, sums);
    assertEquals(0, sums.count());
    assertArrayEquals(new double[M * P], sums.meanGradient());
    kernel(pr.d(), M, P, e).encode(pr.x(), 0, 0, new double[0], 0);
  }

  @Test
  void encodeMatchesReferenceForward() {
    EncoderParams e = new EncoderParams(7, 0.2, 0.2, ThresholdKind.HARD, 0.15, 0.95);
    TestData.Problem pr = TestData.problem(M, P, 3, 5, 8);
    double[] z = new double[P * pr.n() + 3];
    kernel(pr.d(), M, P, e).encode(pr.x(), 0, pr.n(), z, 3);
    ReferenceUnfoldedIsta ref = new ReferenceUnfoldedIsta(pr.d(), M, P, e);
    for (int i = 0; i < pr.n(); i++) {
      double[] zi = ref.forward(pr.column(i))[0][e.T()];
      for (int j = 0; j < P; j++) {
        assertEquals(zi[j], z[3 + i * P + j], tolerance() * 10 + 1e-13);
      }
    }
  }

  @Test
  void blocksAtAnOffsetReadOnlyTheirColumns() {
    EncoderParams e = EncoderParams.soft(5, 0.2, 0.2);
    TestData.Problem pr = TestData.problem(M, P, 3, 9, 13);
    UnfoldedIsta k = kernel(pr.d(), M, P, e);
    GradientSums tail = new GradientSums(M, P);
    k.accumulate(GradientKind.AE_LS, pr.x(), 5 * M, 4, tail);
    double[] x = new double[4 * M];
    System.arraycopy(pr.x(), 5 * M, x, 0, x.length);
    GradientSums copy = new GradientSums(M, P);
    k.accumulate(GradientKind.AE_LS, x, 0, 4, copy);
    assertArrayEquals(copy.gradientBuffer(), tail.gradientBuffer(), 0.0);
    assertEquals(copy.meanLoss(), tail.meanLoss(), 0.0);
  }

  /** The per-depth read-outs: the backward pass from a stored depth t equals the kernel with T = t. */
  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void everyStoredDepthEqualsTheKernelTruncatedThere(GradientKind kind, EncoderParams e) {
    EncoderParams deep = e.withT(9);
    for (int b : new int[] {1, 2, 4, 7}) {
      TestData.Problem pr = TestData.problem(M, P, 3, b, 300 + b);
      DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, e.alpha());
      UnfoldedIsta all = create(op, deep);
      // chunks of what fits (on a small device, fewer than b columns), as the study does
      int width = all.maxStoredColumns();
      assertTrue(width >= 1);
      GradientSums[] depth = new GradientSums[deep.T() + 1];
      for (int t = 1; t <= deep.T(); t++) {
        depth[t] = new GradientSums(M, P);
      }
      for (int j = 0; j < b; j += width) {
        int w = Math.min(width, b - j);
        all.forwardAll(pr.x(), j * M, w);
        for (int t = 1; t <= deep.T(); t++) {
          all.accumulateFromDepth(kind, t, pr.x(), j * M, w, depth[t]);
        }
      }
      // a device backend holds the stored codes until this: the kernels below need the room
      all.releaseStoredCodes();
      for (int t = 1; t <= deep.T(); t++) {
        GradientSums fromDepth = depth[t];
        GradientSums trainer = new GradientSums(M, P);
        create(op, deep.withT(t)).accumulate(kind, pr.x(), 0, b, trainer);
        double rel = TestData.relativeDifference(fromDepth.gradientBuffer(), trainer.gradientBuffer());
        assertTrue(rel <= tolerance(), kind + " t=" + t + " b=" + b + ": relative difference " + rel);
        assertEquals(trainer.meanLoss(), fromDepth.meanLoss(), tolerance() * 10 * trainer.meanLoss());
        assertEquals(trainer.meanL1(), fromDepth.meanL1(), tolerance() * 10 * trainer.meanL1());
        assertEquals(trainer.count(), fromDepth.count());
        if (doublePrecision()) {
          assertEquals(trainer.meanNonZeros(), fromDepth.meanNonZeros(), 0.0);
        }
      }
    }
  }

  @Test
  void storedCodesAreTheEncodersCodesAtEachDepth() {
    EncoderParams e = EncoderParams.soft(6, 0.2, 0.2);
    TestData.Problem pr = TestData.problem(M, P, 3, 5, 17);
    DictionaryOperator op = DictionaryOperator.of(pr.d(), M, P, e.alpha());
    UnfoldedIsta.StoredCodes codes = create(op, e).forwardAll(pr.x(), 0, pr.n());
    assertEquals(P, codes.p());
    assertEquals(pr.n(), codes.b());
    for (int t = 1; t <= e.T(); t++) {
      double[] z = new double[P * pr.n()];
      create(op, e.withT(t)).encode(pr.x(), 0, pr.n(), z, 0);
      for (int q = 0; q < z.length; q++) {
        assertEquals(z[q], codes.array()[codes.offset(t) + q], 0.0, "t=" + t);
      }
    }
  }

  @Test
  void readOutsNeedAMatchingForwardPass() {
    EncoderParams e = EncoderParams.soft(4, 0.2, 0.2);
    TestData.Problem pr = TestData.problem(M, P, 3, 5, 17);
    UnfoldedIsta k = create(DictionaryOperator.of(pr.d(), M, P, e.alpha()), e);
    GradientSums s = new GradientSums(M, P);
    assertThrows(IllegalStateException.class, () -> k.accumulateFromDepth(GradientKind.DEC, 2, pr.x(), 0, 5, s));
    k.forwardAll(pr.x(), 0, 5);
    assertThrows(IllegalStateException.class, () -> k.accumulateFromDepth(GradientKind.DEC, 2, pr.x(), 0, 4, s));
    assertThrows(IllegalArgumentException.class, () -> k.accumulateFromDepth(GradientKind.DEC, 5, pr.x(), 0, 5, s));
    assertThrows(IllegalArgumentException.class, () -> k.accumulateFromDepth(GradientKind.DEC, 0, pr.x(), 0, 5, s));
    k.accumulateFromDepth(GradientKind.DEC, 2, pr.x(), 0, 5, s);
    k.releaseStoredCodes();
    assertThrows(IllegalStateException.class, () -> k.accumulateFromDepth(GradientKind.DEC, 2, pr.x(), 0, 5, s));
    k.forwardAll(pr.x(), 0, 5);
    k.accumulate(GradientKind.AE_LS, pr.x(), 0, 5, s);
    assertThrows(IllegalStateException.class, () -> k.accumulateFromDepth(GradientKind.DEC, 2, pr.x(), 0, 5, s));
    k.forwardAll(pr.x(), 0, 5);
    k.retarget(DictionaryOperator.of(pr.d(), M, P, e.alpha()), e);
    assertThrows(IllegalStateException.class, () -> k.accumulateFromDepth(GradientKind.DEC, 2, pr.x(), 0, 5, s));
    assertThrows(IllegalArgumentException.class, () -> k.setSparseDensity(1.5));
    assertThrows(IllegalArgumentException.class, () -> k.forwardAll(pr.x(), 0, 6));
    k.releaseStoredCodes();
    k.releaseStoredCodes();
  }

  /**
   * A kernel pointed at another dictionary and encoder (what a pool does between updates) gives
   * exactly what a new kernel gives, and allocates no more scratch for the same shapes.
   */
  @Test
  void retargetedKernelEqualsANewOneAndKeepsItsScratch() {
    EncoderParams first = EncoderParams.soft(5, 0.2, 0.2);
    EncoderParams second = new EncoderParams(7, 0.2, 0.15, ThresholdKind.HARD, 0.1, 0.9);
    TestData.Problem a = TestData.problem(M, P, 3, 9, 41);
    TestData.Problem b = TestData.problem(M, P, 3, 9, 42);
    UnfoldedIsta k = create(DictionaryOperator.of(a.d(), M, P, 0.2), first);
    k.accumulate(GradientKind.AE_LASSO, a.x(), 0, a.n(), new GradientSums(M, P));
    DictionaryOperator opB = DictionaryOperator.of(b.d(), M, P, 0.2);
    for (EncoderParams e : new EncoderParams[] {second, first}) {
      k.retarget(opB, e);
      assertEquals(e, k.params());
      for (GradientKind kind : GradientKind.values()) {
        GradientSums reused = new GradientSums(M, P);
        k.accumulate(kind, b.x(), 0, b.n(), reused);
        GradientSums fresh = new GradientSums(M, P);
        create(opB, e).accumulate(kind, b.x(), 0, b.n(), fresh);
        assertArrayEquals(fresh.gradientBuffer(), reused.gradientBuffer(), 0.0, kind + " " + e);
        assertEquals(fresh.meanLoss(), reused.meanLoss(), 0.0);
      }
    }
    long bytes = k.scratchBytesAllocated();
    assertTrue(bytes > 0, "scratch was allocated");
    k.retarget(DictionaryOperator.of(a.d(), M, P, 0.2), second);
    for (GradientKind kind : GradientKind.values()) {
      k.accumulate(kind, a.x(), 0, a.n(), new GradientSums(M, P));
    }
    k.encode(a.x(), 0, a.n(), new double[P * a.n()], 0);
    assertEquals(bytes, k.scratchBytesAllocated(), "no new scratch for shapes seen before");
    assertThrows(IllegalArgumentException.class,
        () -> k.retarget(DictionaryOperator.of(TestData.gaussian(M * (P + 1), 3), M, P + 1, 0.2), first));
    assertThrows(IllegalArgumentException.class,
        () -> k.retarget(DictionaryOperator.of(a.d(), M, P, 0.1), first));
  }

  @Test
  void rejectsMismatchedShapes() {
    double[] d = TestData.gaussian(M * P, 1);
    UnfoldedIsta k = create(DictionaryOperator.of(d, M, P, 0.2), EncoderParams.soft(3, 0.2, 0.2));
    assertThrows(IllegalArgumentException.class,
        () -> k.accumulate(GradientKind.DEC, new double[M * 2], 0, 3, new GradientSums(M, P)));
    assertThrows(IllegalArgumentException.class,
        () -> k.accumulate(GradientKind.DEC, new double[M * 2], 0, 2, new GradientSums(M, P + 1)));
    assertThrows(IllegalArgumentException.class, () -> k.encode(new double[M * 2], 0, 2, new double[P], 0));
    assertThrows(IllegalArgumentException.class,
        () -> create(DictionaryOperator.of(d, M, P, 0.2), EncoderParams.soft(3, 0.1, 0.2)));
  }
}
