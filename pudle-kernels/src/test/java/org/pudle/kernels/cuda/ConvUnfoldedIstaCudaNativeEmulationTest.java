package org.pudle.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.bench.CudaCheck;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvFilters;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvThreshold;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.ConvUnfoldedIstaCpu;

/**
 * {@link ConvUnfoldedIstaCuda} end to end on the CUDA C kernels without a GPU: {@link CudaDevice}
 * launches the kernels of {@code pudle_kernels.cu} (im2col, the gathering col2im, the three GEMM
 * layouts with split-K and the threshold epilogues, masks, statistics) with its real grids and
 * argument lists, on the g++ emulation of the thread grid ({@link NativeEmulation}), and the
 * gradients (g_dec, g_ae-ls, g_ae-lasso), the statistics and the reconstruction are compared with
 * {@link ConvUnfoldedIstaCpu} in FP64: {@code max |g_cuda - g_cpu| / max |g_cpu| <= 1e-10}.
 * The paper's geometry (64 filters of 9 x 9, stride 4) on small crops; skipped without g++.
 */
class ConvUnfoldedIstaCudaNativeEmulationTest {
  static final double TOLERANCE = 1e-10;
  private static NativeEmulation emulation;
  private static CudaKernels backend;
  private static final List<String> REPORT = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(NativeEmulation.gxxAvailable(), "g++ is not installed: the emulation of the CUDA kernels is skipped");
    emulation = NativeEmulation.start(1L << 30);
    backend = new CudaKernels(emulation, Precision.DOUBLE, 0.9);
  }

  @AfterAll
  static void stop() {
    if (backend != null) {
      backend.close();
    }
    if (emulation != null) {
      emulation.close();
    }
    for (String line : REPORT) {
      System.out.println(line);
    }
  }

  /** {@code max |a - b| / max |b|}, NaN when a has one. */
  static double maxRelative(double[] a, double[] b) {
    return CudaCheck.maxRelative(a, b);
  }

  /** A smooth clean image in [0, 1] with texture, and its noisy version (noise 25/255). */
  static double[][] pair(int height, int width, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] clean = new double[height * width];
    double fx = 0.3 + 0.4 * rng.nextDouble();
    double fy = 0.2 + 0.5 * rng.nextDouble();
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        clean[y * width + x] = 0.5 + 0.3 * Math.sin(fx * x) * Math.cos(fy * y) + 0.1 * rng.nextDouble();
      }
    }
    double[] noisy = clean.clone();
    for (int i = 0; i < noisy.length; i++) {
      noisy[i] += 25.0 / 255.0 * rng.nextGaussian();
    }
    return new double[][] {noisy, clean};
  }

  static List<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    ConvEncoderParams[] encoders = {
      new ConvEncoderParams(15, 0.1, 0.1, ConvThreshold.SOFT_NONNEG, 0),
      new ConvEncoderParams(15, 0.1, 0.1, ConvThreshold.SOFT, 0),
      new ConvEncoderParams(15, 0.1, 0.1, ConvThreshold.HARD, 0.05),
    };
    int[][] sizes = {{21, 25}, {33, 33}};
    for (int[] s : sizes) {
      for (ConvEncoderParams e : encoders) {
        out.add(Arguments.of(s[0], s[1], e));
      }
    }
    return out;
  }

  private void compare(int height, int width, int channels, ConvEncoderParams e, GradientKind[] kinds, long seed) {
    double[] w = ConvFilters.random(9, channels, seed);
    ConvGeometry g = new ConvGeometry(9, 4, channels, height, width);
    double[][] p = pair(height, width, seed + 1);
    ConvUnfoldedIsta cpu = new ConvUnfoldedIstaCpu(w, 9, 4, channels, e);
    ConvUnfoldedIsta gpu = backend.convUnfoldedIsta(w, 9, 4, channels, e);
    for (GradientKind kind : kinds) {
      GradientSums a = new GradientSums(81, channels);
      GradientSums b = new GradientSums(81, channels);
      cpu.accumulate(kind, p[0], p[1], height, width, a);
      gpu.accumulate(kind, p[0], p[1], height, width, b);
      double grad = maxRelative(b.gradientBuffer(), a.gradientBuffer());
      double loss = Math.abs(b.meanLoss() - a.meanLoss()) / a.meanLoss();
      double l1 = Math.abs(b.meanL1() - a.meanL1()) / a.meanL1();
      REPORT.add(String.format(Locale.ROOT, "emulated CUDA vs CPU %dx%d %s %-7s T=%d: gradient %.2e loss %.2e l1 %.2e "
          + "nnz %d/%d", height, width, e.threshold(), kind, e.T(), grad, loss, l1, (long) a.meanNonZeros(),
          g.codeSize()));
      assertTrue(grad <= TOLERANCE, kind + " " + e + " " + height + "x" + width + ": gradient max relative difference "
          + grad);
      assertTrue(loss <= TOLERANCE && l1 <= TOLERANCE, kind + ": loss " + loss + ", l1 " + l1);
      assertEquals(a.meanNonZeros(), b.meanNonZeros(), 0.0, kind + ": non-zeros");
      // the thresholds are active and the codes are not empty: the comparison tests something
      assertTrue(a.meanNonZeros() > 0 && a.meanNonZeros() < g.codeSize(), "non-zeros " + a.meanNonZeros());
    }
    double[] outCpu = new double[height * width];
    double[] outGpu = new double[height * width];
    double[] sc = cpu.reconstruct(p[0], height, width, outCpu);
    double[] sg = gpu.reconstruct(p[0], height, width, outGpu);
    double rec = maxRelative(outGpu, outCpu);
    REPORT.add(String.format(Locale.ROOT, "emulated CUDA vs CPU %dx%d %s reconstruct T=%d: image %.2e", height,
        width, e.threshold(), e.T(), rec));
    assertTrue(rec <= TOLERANCE, "reconstruct: max relative difference " + rec);
    assertEquals(sc[0], sg[0], TOLERANCE * sc[0]);
    assertEquals(sc[1], sg[1], 0.0);
  }

  @ParameterizedTest(name = "{0}x{1} {2}")
  @MethodSource("cases")
  void gradientsStatisticsAndReconstructionMatchTheCpuBackend(int height, int width, ConvEncoderParams e) {
    compare(height, width, 64, e, new GradientKind[] {GradientKind.DEC, GradientKind.AE_LS}, 31 + height);
  }

  @Test
  void lassoGradientAndTheNonNegativeHardThresholdMatch() {
    compare(21, 25, 16, new ConvEncoderParams(6, 0.1, 0.1, ConvThreshold.HARD_NONNEG, 0.02),
        new GradientKind[] {GradientKind.AE_LASSO, GradientKind.AE_LS}, 5);
    compare(21, 25, 16, new ConvEncoderParams(6, 0.1, 0.1, ConvThreshold.SOFT, 0),
        new GradientKind[] {GradientKind.AE_LASSO}, 6);
  }

  @Test
  void splitKCorrelationOnA129CropMatches() {
    // 31 x 31 = 961 positions: the correlations Col(r) z^T run in 3 split-K slices
    assertEquals(3, CudaDevice.splitSlices(81, 64, 961));
    compare(129, 129, 64, new ConvEncoderParams(2, 0.1, 0.1, ConvThreshold.HARD, 0.05),
        new GradientKind[] {GradientKind.AE_LS}, 7);
  }

  @Test
  void filtersAreUploadedOncePerFilterBankAndAgainWhenChangedInPlace() {
    ConvEncoderParams e = new ConvEncoderParams(2, 0.1, 0.1, ConvThreshold.SOFT, 0);
    double[] w = ConvFilters.random(9, 4, 3);
    double[][] p = pair(21, 21, 4);
    long before = backend.filterUploads();
    GradientSums s = new GradientSums(81, 4);
    backend.convUnfoldedIsta(w, 9, 4, 4, e).accumulate(GradientKind.DEC, p[0], p[1], 21, 21, s);
    backend.convUnfoldedIsta(w, 9, 4, 4, e).accumulate(GradientKind.DEC, p[0], p[1], 21, 21, s);
    assertEquals(before + 1, backend.filterUploads());
    w[0] += 1;
    GradientSums changed = new GradientSums(81, 4);
    backend.convUnfoldedIsta(w, 9, 4, 4, e).accumulate(GradientKind.DEC, p[0], p[1], 21, 21, changed);
    assertEquals(before + 2, backend.filterUploads());
    GradientSums ref = new GradientSums(81, 4);
    new ConvUnfoldedIstaCpu(w, 9, 4, 4, e).accumulate(GradientKind.DEC, p[0], p[1], 21, 21, ref);
    assertTrue(maxRelative(changed.gradientBuffer(), ref.gradientBuffer()) <= TOLERANCE);
    for (String kernel : new String[] {"pudle_im2col_f64", "pudle_col2im_f64", "pudle_gemm_tn_f64",
        "pudle_gemm_nn_f64", "pudle_gemm_nt_f64", "pudle_scale_f64", "pudle_statistics_f64"}) {
      assertTrue(emulation.kernelsLaunched().contains(kernel), kernel + " never ran: " + emulation.kernelsLaunched());
    }
  }
}
