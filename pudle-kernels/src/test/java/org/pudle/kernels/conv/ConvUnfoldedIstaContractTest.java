package org.pudle.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.linalg.Norms;

/**
 * The contract of {@link ConvUnfoldedIsta}, run for every backend through {@link #create}: gradients
 * against central finite differences of a loop reference, the forward pass and statistics against
 * that reference, scratch reuse across image shapes, shape errors; and the shared pieces (the
 * convolution pair and its adjointness, thresholds, geometry, the step bound).
 */
abstract class ConvUnfoldedIstaContractTest {

  /** A kernel of the backend under test. */
  abstract ConvUnfoldedIsta create(double[] filters, int k, int stride, int channels, ConvEncoderParams e);

  /** Why the backend cannot run on this machine, or null when it can. */
  String unavailable() {
    return null;
  }

  @BeforeEach
  void requireBackend() {
    String why = unavailable();
    assumeTrue(why == null, why);
  }


  static double[] gaussian(int n, long seed, double scale) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = scale * rng.nextGaussian();
    }
    return a;
  }

  static double relativeDifference(double[] a, double[] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) * (a[i] - b[i]);
      den += b[i] * b[i];
    }
    return Math.sqrt(num / den);
  }

  /** A smooth clean image in [0, 1] and its noisy version. */
  static double[][] pair(ConvGeometry g, long seed) {
    double[] clean = new double[g.pixels()];
    SplittableRandom rng = new SplittableRandom(seed);
    double fx = 0.3 + 0.4 * rng.nextDouble();
    double fy = 0.2 + 0.5 * rng.nextDouble();
    for (int y = 0; y < g.height(); y++) {
      for (int x = 0; x < g.width(); x++) {
        clean[y * g.width() + x] = 0.5 + 0.3 * Math.sin(fx * x) * Math.cos(fy * y) + 0.1 * rng.nextDouble();
      }
    }
    double[] noisy = clean.clone();
    for (int i = 0; i < noisy.length; i++) {
      noisy[i] += 0.1 * rng.nextGaussian();
    }
    return new double[][] {noisy, clean};
  }

  @Test
  void transposedConvolutionIsTheExactAdjointOfTheConvolution() {
    int[][] shapes = {{3, 2, 3, 9, 11}, {9, 4, 64, 129, 129}, {5, 1, 4, 12, 7}, {4, 4, 2, 12, 16}, {3, 5, 3, 13, 8},
      {9, 4, 8, 321, 37}};
    long seed = 1;
    for (int[] s : shapes) {
      ConvGeometry g = new ConvGeometry(s[0], s[1], s[2], s[3], s[4]);
      double[] w = gaussian(g.filterSize(), seed++, 1);
      double[] z = gaussian(g.codeSize(), seed++, 1);
      double[] r = gaussian(g.pixels(), seed++, 1);
      double[] dz = new double[g.pixels()];
      double[] dtr = new double[g.codeSize()];
      double[] cols = new double[g.taps() * g.positions()];
      StridedConvolution.synthesis(g, w, z, 0, dz, 0, false, cols);
      StridedConvolution.analysis(g, w, r, 0, 1.0, 0.0, dtr, cols);
      double lhs = 0;
      double absL = 0;
      for (int i = 0; i < dz.length; i++) {
        lhs += dz[i] * r[i];
        absL += Math.abs(dz[i] * r[i]);
      }
      double rhs = 0;
      for (int i = 0; i < z.length; i++) {
        rhs += z[i] * dtr[i];
      }
      // both sides sum the same products in different orders: rounding of order n eps sum |terms|
      double bound = 8 * Math.ulp(1.0) * Math.sqrt(g.pixels() * (double) g.taps() * g.channels()) * absL;
      assertTrue(Math.abs(lhs - rhs) <= bound, g + ": <Dz, r> = " + lhs + ", <z, D^T r> = " + rhs + ", bound " + bound);
      assertTrue(Math.abs(lhs) > 1e-3 * absL / Math.sqrt(dz.length), "a vanishing product tests nothing");

      // and each map against the loop definition
      assertTrue(relativeDifference(dz, ReferenceConvIsta.synthesis(w, g, z)) <= 1e-13, g + " synthesis");
      assertTrue(relativeDifference(dtr, ReferenceConvIsta.analysis(w, g, r)) <= 1e-13, g + " analysis");
    }
  }

  @Test
  void correlationIsTheFilterGradientOfTheInnerProduct() {
    // d/dW <r, D z> = Col(r) z^T, checked entry by entry: <r, D z> is linear in W
    ConvGeometry g = new ConvGeometry(3, 2, 2, 7, 9);
    double[] w = gaussian(g.filterSize(), 5, 1);
    double[] z = gaussian(g.codeSize(), 6, 1);
    double[] r = gaussian(g.pixels(), 7, 1);
    double[] cols = new double[g.taps() * g.positions()];
    StridedConvolution.im2col(g, r, 0, cols);
    double[] grad = new double[g.filterSize()];
    StridedConvolution.correlate(g, cols, z, 0, 1.0, grad);
    for (int q = 0; q < w.length; q++) {
      double[] e = new double[w.length];
      e[q] = 1;
      double[] de = ReferenceConvIsta.synthesis(e, g, z);
      double expected = 0;
      for (int i = 0; i < de.length; i++) {
        expected += r[i] * de[i];
      }
      assertEquals(expected, grad[q], 1e-12 * (1 + Math.abs(expected)), "tap " + q);
    }
  }

  static List<Arguments> variants() {
    List<Arguments> out = new ArrayList<>();
    ConvEncoderParams[] encoders = {
      new ConvEncoderParams(5, 0.1, 0.1, ConvThreshold.SOFT_NONNEG, 0),
      new ConvEncoderParams(5, 0.1, 0.1, ConvThreshold.SOFT, 0),
      new ConvEncoderParams(5, 0.1, 0.1, ConvThreshold.HARD, 0.02),
      new ConvEncoderParams(5, 0.1, 0.1, ConvThreshold.HARD_NONNEG, 0.02),
    };
    for (ConvEncoderParams e : encoders) {
      for (GradientKind kind : GradientKind.values()) {
        out.add(Arguments.of(kind, e));
      }
    }
    return out;
  }

  private static final ConvGeometry SMALL = new ConvGeometry(3, 2, 3, 9, 11);

  private static double totalLoss(double[] w, ConvGeometry g, ConvEncoderParams e, GradientKind kind,
      List<double[][]> pairs, List<double[]> fixedCodes) {
    ReferenceConvIsta ref = new ReferenceConvIsta(w, g, e);
    double s = 0;
    for (int i = 0; i < pairs.size(); i++) {
      double[][] p = pairs.get(i);
      s += kind == GradientKind.DEC ? ref.decoderLoss(fixedCodes.get(i), p[1]) : ref.loss(p[0], p[1], kind);
    }
    return s;
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void gradientMatchesCentralFiniteDifferences(GradientKind kind, ConvEncoderParams e) {
    ConvGeometry g = SMALL;
    double[] w = ConvFilters.random(g.k(), g.channels(), 3);
    List<double[][]> pairs = List.of(pair(g, 11), pair(g, 12));
    ConvUnfoldedIsta kernel = create(w, g.k(), g.stride(), g.channels(), e);
    GradientSums sums = new GradientSums(g.taps(), g.channels());
    List<double[]> codes = new ArrayList<>();
    for (double[][] p : pairs) {
      kernel.accumulate(kind, p[0], p[1], g.height(), g.width(), sums);
      codes.add(new ReferenceConvIsta(w, g, e).encode(p[0]));
    }
    double[] grad = sums.gradientBuffer();
    double h = 1e-6;
    double[] fd = new double[w.length];
    for (int q = 0; q < w.length; q++) {
      double[] plus = w.clone();
      double[] minus = w.clone();
      plus[q] += h;
      minus[q] -= h;
      fd[q] = (totalLoss(plus, g, e, kind, pairs, codes) - totalLoss(minus, g, e, kind, pairs, codes)) / (2 * h);
    }
    double rel = relativeDifference(grad, fd);
    assertTrue(rel <= 1e-6, kind + " " + e + ": relative error to finite differences " + rel);
    assertTrue(Norms.frobenius(grad) > 1e-2, "a vanishing gradient tests nothing: " + Norms.frobenius(grad));
    assertEquals(2, sums.count());
    // the codes are sparse but not empty: the thresholds are active
    double nnz = sums.meanNonZeros();
    assertTrue(nnz > 0 && nnz < g.codeSize(), "non-zeros per image " + nnz + " of " + g.codeSize());
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void forwardAndStatisticsMatchTheLoopReference(GradientKind kind, ConvEncoderParams e) {
    ConvGeometry g = new ConvGeometry(5, 2, 4, 15, 13);
    double[] w = ConvFilters.random(g.k(), g.channels(), 8);
    double[][] p = pair(g, 21);
    ReferenceConvIsta ref = new ReferenceConvIsta(w, g, e);
    double[] z = ref.encode(p[0]);
    ConvUnfoldedIsta kernel = create(w, g.k(), g.stride(), g.channels(), e);
    double[] out = new double[g.pixels()];
    double[] stats = kernel.reconstruct(p[0], g.height(), g.width(), out);
    assertTrue(relativeDifference(out, ReferenceConvIsta.synthesis(w, g, z)) <= 1e-12);
    double l1 = 0;
    long nnz = 0;
    for (double v : z) {
      l1 += Math.abs(v);
      nnz += v != 0 ? 1 : 0;
    }
    assertEquals(l1, stats[0], 1e-12 * l1);
    assertEquals(nnz, (long) stats[1]);
    GradientSums sums = new GradientSums(g.taps(), g.channels());
    kernel.accumulate(kind, p[0], p[1], g.height(), g.width(), sums);
    assertEquals(ref.decoderLoss(z, p[1]), sums.meanLoss(), 1e-12 * sums.meanLoss());
    assertEquals(l1, sums.meanL1(), 1e-12 * l1);
    assertEquals(nnz, sums.meanNonZeros(), 0.0);
  }

  @Test
  void scratchFollowsTheImageShapeAndSumsAdd() {
    ConvEncoderParams e = new ConvEncoderParams(4, 0.1, 0.05, ConvThreshold.SOFT_NONNEG, 0);
    ConvGeometry a = new ConvGeometry(3, 2, 3, 9, 11);
    ConvGeometry b = new ConvGeometry(3, 2, 3, 13, 7);
    double[] w = ConvFilters.random(3, 3, 4);
    double[][] pa = pair(a, 1);
    double[][] pb = pair(b, 2);
    ConvUnfoldedIsta shared = create(w, 3, 2, 3, e);
    GradientSums both = new GradientSums(9, 3);
    shared.accumulate(GradientKind.AE_LS, pa[0], pa[1], a.height(), a.width(), both);
    shared.accumulate(GradientKind.AE_LS, pb[0], pb[1], b.height(), b.width(), both);
    GradientSums sa = new GradientSums(9, 3);
    create(w, 3, 2, 3, e).accumulate(GradientKind.AE_LS, pa[0], pa[1], a.height(), a.width(), sa);
    GradientSums sb = new GradientSums(9, 3);
    create(w, 3, 2, 3, e).accumulate(GradientKind.AE_LS, pb[0], pb[1], b.height(), b.width(), sb);
    sa.merge(sb);
    assertTrue(relativeDifference(both.gradientBuffer(), sa.gradientBuffer()) <= 1e-14);
    assertEquals(sa.meanLoss(), both.meanLoss(), 1e-14 * sa.meanLoss());
  }

  /**
   * A kernel pointed at other filters and another encoder (what a pool does between updates)
   * gives exactly what a new kernel gives, and allocates no more scratch for the same image shape.
   */
  @Test
  void retargetedKernelEqualsANewOneAndKeepsItsScratch() {
    ConvGeometry g = new ConvGeometry(3, 2, 3, 11, 9);
    ConvEncoderParams first = new ConvEncoderParams(4, 0.1, 0.05, ConvThreshold.SOFT_NONNEG, 0);
    ConvEncoderParams second = new ConvEncoderParams(5, 0.1, 0.05, ConvThreshold.HARD, 0.02);
    double[] w1 = ConvFilters.random(3, 3, 4);
    double[] w2 = ConvFilters.random(3, 3, 5);
    double[][] p = pair(g, 3);
    ConvUnfoldedIsta k = create(w1, 3, 2, 3, first);
    k.accumulate(GradientKind.AE_LS, p[0], p[1], g.height(), g.width(), new GradientSums(9, 3));
    for (ConvEncoderParams e : new ConvEncoderParams[] {second, first}) {
      k.retarget(w2, e);
      assertEquals(e, k.params());
      for (GradientKind kind : GradientKind.values()) {
        GradientSums reused = new GradientSums(9, 3);
        k.accumulate(kind, p[0], p[1], g.height(), g.width(), reused);
        GradientSums fresh = new GradientSums(9, 3);
        create(w2, 3, 2, 3, e).accumulate(kind, p[0], p[1], g.height(), g.width(), fresh);
        org.junit.jupiter.api.Assertions.assertArrayEquals(fresh.gradientBuffer(), reused.gradientBuffer(), 0.0,
            kind + " " + e);
        assertEquals(fresh.meanLoss(), reused.meanLoss(), 0.0);
      }
      double[] a = new double[g.pixels()];
      double[] b = new double[g.pixels()];
      k.reconstruct(p[0], g.height(), g.width(), a);
      create(w2, 3, 2, 3, e).reconstruct(p[0], g.height(), g.width(), b);
      org.junit.jupiter.api.Assertions.assertArrayEquals(b, a, 0.0);
    }
    long bytes = k.scratchBytesAllocated();
    assertTrue(bytes > 0, "scratch was allocated");
    k.retarget(w1, second);
    k.accumulate(GradientKind.AE_LASSO, p[0], p[1], g.height(), g.width(), new GradientSums(9, 3));
    assertEquals(bytes, k.scratchBytesAllocated(), "no new scratch for a shape seen before");
    assertThrows(IllegalArgumentException.class, () -> k.retarget(new double[9 * 4], first));
  }

  @Test
  void rejectsShapesThatTheFiltersDoNotFit() {
    ConvEncoderParams e = new ConvEncoderParams(2, 0.1, 0.1, ConvThreshold.SOFT, 0);
    ConvUnfoldedIsta kernel = create(new double[81 * 2], 9, 4, 2, e);
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
        () -> kernel.reconstruct(new double[130 * 129], 130, 129, new double[130 * 129]));
    assertTrue(ex.getMessage().contains("133 x 129"), ex.getMessage());
    assertThrows(IllegalArgumentException.class, () -> create(new double[80], 9, 4, 1, e));
    assertThrows(IllegalArgumentException.class, () -> kernel.accumulate(GradientKind.DEC, new double[129 * 129],
        new double[129 * 129], 129, 129, new GradientSums(9, 2)));
  }

  @Test
  void geometryOfThePaper() {
    ConvGeometry crop = new ConvGeometry(9, 4, 64, 129, 129);
    assertEquals(31, crop.codeRows());
    assertEquals(31 * 31 * 64, crop.codeSize());
    ConvGeometry bsd = new ConvGeometry(9, 4, 64, 321, 481);
    assertEquals(79, bsd.codeRows());
    assertEquals(119, bsd.codeCols());
    assertEquals(133, ConvGeometry.fittingSize(130, 9, 4));
    assertEquals(129, ConvGeometry.fittingSize(129, 9, 4));
    assertEquals(9, ConvGeometry.fittingSize(3, 9, 4));
    // 6T - 1 convolutions for the ae gradients, 2T + 1 for dec
    assertEquals(89 * crop.convolutionFlops(), ConvUnfoldedIsta.flops(GradientKind.AE_LS, crop, 15), 1);
    assertEquals(31 * crop.convolutionFlops(), ConvUnfoldedIsta.flops(GradientKind.DEC, crop, 15), 1);
  }

  @Test
  void thresholdsAndTheirMasks() {
    double[] v = {-0.3, -0.05, 0.0, 0.04, 0.05, 0.06, 0.5};
    double[] z = new double[v.length];
    ConvThreshold.SOFT_NONNEG.apply(v, 0, z, 0, v.length, 0.05);
    assertArrayClose(new double[] {0, 0, 0, 0, 0, 0.01, 0.45}, z);
    ConvThreshold.SOFT.apply(v, 0, z, 0, v.length, 0.05);
    assertArrayClose(new double[] {-0.25, 0, 0, 0, 0, 0.01, 0.45}, z);
    ConvThreshold.HARD.apply(v, 0, z, 0, v.length, 0.05);
    assertArrayClose(new double[] {-0.3, -0.05, 0, 0, 0.05, 0.06, 0.5}, z);
    ConvThreshold.HARD_NONNEG.apply(v, 0, z, 0, v.length, 0.05);
    assertArrayClose(new double[] {0, 0, 0, 0, 0.05, 0.06, 0.5}, z);
    assertEquals(ConvThreshold.HARD_NONNEG, ConvThreshold.parse("Hard_NonNeg"));
    assertThrows(IllegalArgumentException.class, () -> ConvThreshold.parse("relu"));
    assertThrows(IllegalArgumentException.class, () -> new ConvEncoderParams(3, 0.1, 0.1, ConvThreshold.HARD, 0));
    assertEquals(0.1 * 0.16, new ConvEncoderParams(15, 0.1, 0.16, ConvThreshold.SOFT_NONNEG, 0).level(), 1e-18);
    assertEquals(0.05, new ConvEncoderParams(15, 0.1, 0.16, ConvThreshold.HARD, 0.05).level(), 0);
  }

  private static void assertArrayClose(double[] expected, double[] actual) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-15, "entry " + i);
    }
  }

  @Test
  void spectralNormByPowerIterationMatchesTheDenseMatrix() {
    ConvGeometry g = new ConvGeometry(3, 2, 2, 7, 9);
    double[] w = ConvFilters.random(3, 2, 9);
    // the dense matrix of D: one column per code entry
    int n = g.codeSize();
    double[] dense = new double[g.pixels() * n];
    for (int q = 0; q < n; q++) {
      double[] e = new double[n];
      e[q] = 1;
      System.arraycopy(ReferenceConvIsta.synthesis(w, g, e), 0, dense, q * g.pixels(), g.pixels());
    }
    double sigma = Norms.singularValues(dense, g.pixels(), n)[0];
    double est = ConvFilters.sigmaMaxSquared(w, g, 200, 1);
    // a Rayleigh quotient: never above sigma^2, and close after 200 iterations (the top two
    // singular values of this small operator are within 0.1% of each other, so not to 1e-6)
    assertTrue(est <= sigma * sigma * (1 + 1e-12), est + " > " + sigma * sigma);
    assertTrue(est >= 0.995 * sigma * sigma, est + " vs " + sigma * sigma);
    // unit-norm filters
    for (int c = 0; c < 2; c++) {
      assertEquals(1.0, Norms.frobenius(w, c * 9, 9), 1e-14);
    }
  }
}
