package org.pudle.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.bench.CudaCheck;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvThreshold;
import org.pudle.kernels.linalg.Blas;

/**
 * {@link CudaDevice} with a GEMM library ({@link StreamBlas}, as with cuBLAS) on the g++ emulation
 * of the kernels ({@link NativeEmulation}), the library being {@link HostReferenceBlas} (cuBLAS's
 * contract computed on the host): the dense and the convolutional backends agree with the CPU
 * backend in FP64 and FP32 with every product in the library (no own GEMM kernel launched), the
 * separate Cin copied by {@code pudle_scale} and the epilogues run by {@code pudle_threshold};
 * products the library cannot take (C with gaps and an epilogue) run in the own kernels. Skipped
 * without g++.
 */
class LibraryGemmNativeEmulationTest {
  private static NativeEmulation emulation;
  private static final List<HostReferenceBlas> LIBRARIES = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(NativeEmulation.gxxAvailable(), "g++ is not installed: the emulation of the CUDA kernels is skipped");
    emulation = NativeEmulation.start(1L << 30);
  }

  @AfterAll
  static void stop() {
    if (emulation != null) {
      emulation.close();
    }
  }

  /** Streams of the emulation whose products run in a host reference library. */
  private static CudaKernels.DeviceFactory withLibrary() {
    return new CudaKernels.DeviceFactory() {
      @Override
      public Device create(Precision precision) {
        KernelDriver stream = emulation.stream();
        HostReferenceBlas blas = new HostReferenceBlas(stream);
        synchronized (LIBRARIES) {
          LIBRARIES.add(blas);
        }
        return new CudaDevice(stream, precision, blas);
      }

      @Override
      public String describe() {
        return emulation.describe() + ", GEMMs in a host reference library";
      }
    };
  }

  private static long libraryCalls() {
    synchronized (LIBRARIES) {
      return LIBRARIES.stream().mapToLong(HostReferenceBlas::calls).sum();
    }
  }

  private static boolean ownGemmLaunched() {
    return emulation.kernelsLaunched().stream().anyMatch(k -> k.startsWith("pudle_gemm_")
        || k.startsWith("pudle_splitk_reduce_"));
  }

  @Test
  void denseGradientsMatchTheCpuBackendWithEveryProductInTheLibrary() {
    int m = 20;
    int p = 24;
    int n = 520;
    CudaCheck.Problem pr = CudaCheck.Problem.of(m, p, n, 5);
    long before = libraryCalls();
    try (CudaKernels fp64 = new CudaKernels(withLibrary(), Precision.DOUBLE, 0.9);
        CudaKernels fp32 = new CudaKernels(withLibrary(), Precision.FLOAT, 0.9)) {
      for (EncoderParams e : new EncoderParams[] {new EncoderParams(4, 0.2, 0.2, ThresholdKind.SOFT, 0, 0.9),
          new EncoderParams(4, 0.2, 0.2, ThresholdKind.HARD, 0.1, 1)}) {
        DictionaryOperator op = DictionaryOperator.of(pr.d(), m, p, e.alpha());
        for (GradientKind kind : GradientKind.values()) {
          GradientSums cpu = new GradientSums(m, p);
          new UnfoldedIstaCpu(op, e).accumulate(kind, pr.x(), 0, n, cpu);
          GradientSums gpu = new GradientSums(m, p);
          fp64.unfoldedIsta(op, e, 0).accumulate(kind, pr.x(), 0, n, gpu);
          double rel = CudaCheck.maxRelative(gpu.gradientBuffer(), cpu.gradientBuffer());
          assertTrue(rel <= CudaCheck.FP64_TOLERANCE, kind + " " + e + ": " + rel);
          assertEquals(cpu.meanLoss(), gpu.meanLoss(), 1e-12 * cpu.meanLoss());
          assertEquals(cpu.meanL1(), gpu.meanL1(), 1e-12 * cpu.meanL1());
          assertEquals(cpu.meanNonZeros(), gpu.meanNonZeros(), 0.0);
          if (e.threshold() == ThresholdKind.SOFT) {
            GradientSums single = new GradientSums(m, p);
            fp32.unfoldedIsta(op, e, 0).accumulate(kind, pr.x(), 0, n, single);
            double r32 = CudaCheck.maxRelative(single.gradientBuffer(), cpu.gradientBuffer());
            assertTrue(r32 > 0 && r32 <= CudaCheck.FP32_TOLERANCE, "FP32 " + kind + ": " + r32);
          }
        }
      }
    }
    assertTrue(libraryCalls() > before, "no product ran in the library");
    assertFalse(ownGemmLaunched(), "an own GEMM kernel ran: " + emulation.kernelsLaunched());
    assertTrue(emulation.kernelsLaunched().contains("pudle_threshold_f64"), emulation.kernelsLaunched().toString());
    assertTrue(emulation.kernelsLaunched().contains("pudle_threshold_f32"), emulation.kernelsLaunched().toString());
  }

  @Test
  void convolutionalGradientsAndReconstructionMatchTheCpuBackend() {
    ConvGeometry g = new ConvGeometry(9, 4, 8, 25, 25);
    try (CudaKernels fp64 = new CudaKernels(withLibrary(), Precision.DOUBLE, 0.9);
        CudaKernels fp32 = new CudaKernels(withLibrary(), Precision.FLOAT, 0.9)) {
      for (ConvEncoderParams e : new ConvEncoderParams[] {new ConvEncoderParams(3, 0.1, 0.1, ConvThreshold.SOFT_NONNEG,
          0), new ConvEncoderParams(3, 0.1, 0.1, ConvThreshold.HARD, 0.05)}) {
        CudaCheck.ConvAgreement d = CudaCheck.convCompare(fp64, g, e, 1, 45, 61, null);
        assertTrue(d.worst() <= CudaCheck.FP64_TOLERANCE, e + ": " + d);
        assertEquals(0.0, d.nnzDifference(), e.toString());
      }
      CudaCheck.ConvAgreement f = CudaCheck.convCompare(fp32, g,
          new ConvEncoderParams(3, 0.1, 0.1, ConvThreshold.SOFT_NONNEG, 0), 1, 45, 61, null);
      assertTrue(f.worst() > 1e-9 && f.worst() <= CudaCheck.FP32_TOLERANCE, f.toString());
    }
    assertFalse(ownGemmLaunched(), "an own GEMM kernel ran: " + emulation.kernelsLaunched());
    // the forward layer's separate Cin (alpha W^T y + ...) is copied into C before the library's product
    assertTrue(emulation.kernelsLaunched().contains("pudle_scale_f64"), emulation.kernelsLaunched().toString());
  }

  @Test
  void aProductWithGapsInCAndAnEpilogueRunsInTheOwnKernels() throws Exception {
    // an emulation of its own: the other tests assert that no own GEMM kernel ever ran on theirs
    try (NativeEmulation own = NativeEmulation.start(1L << 26)) {
      gapsAndEpilogue(own);
    }
  }

  private static void gapsAndEpilogue(NativeEmulation emulation) {
    int M = 7;
    int N = 5;
    int K = 9;
    int ldc = M + 3;
    SplittableRandom rng = new SplittableRandom(8);
    double[] a = new double[M * K];
    double[] b = new double[K * N];
    double[] c = new double[ldc * N];
    for (double[] v : new double[][] {a, b, c}) {
      for (int i = 0; i < v.length; i++) {
        v[i] = rng.nextDouble() - 0.5;
      }
    }
    KernelDriver stream = emulation.stream();
    HostReferenceBlas blas = new HostReferenceBlas(stream);
    try (Device dev = new CudaDevice(stream, Precision.DOUBLE, blas)) {
      assertEquals(0, dev.gemmWorkspace(1000, 1000, 100000), "no split-K workspace with a library");
      DeviceBuffer da = dev.alloc(a.length);
      DeviceBuffer db = dev.alloc(b.length);
      DeviceBuffer dc = dev.alloc(c.length);
      dev.upload(a, 0, da.at(0), a.length);
      dev.upload(b, 0, db.at(0), b.length);
      dev.upload(c, 0, dc.at(0), c.length);
      // C (with gaps) = soft(A B + C): the epilogue cannot run over C as one vector
      dev.gemm(false, false, M, N, K, 1, da.at(0), M, db.at(0), K, 1, dc.at(0), ldc, dc.at(0), ldc, Device.EPI_SOFT, 0.3,
          null);
      double[] got = new double[c.length];
      dev.download(dc.at(0), got, 0, got.length);
      double[] want = c.clone();
      Blas.blas().dgemm("N", "N", M, N, K, 1, a, 0, M, b, 0, K, 1, want, 0, ldc);
      for (int j = 0; j < N; j++) {
        for (int i = 0; i < ldc; i++) {
          int at = i + j * ldc;
          double w = i < M ? Math.signum(want[at]) * Math.max(Math.abs(want[at]) - 0.3, 0) : c[at];
          assertEquals(w, got[at], 1e-14, "C(" + i + ", " + j + ")");
        }
      }
      assertEquals(0, blas.calls(), "the library took a product it cannot finish");
      // the same product without the epilogue goes to the library (C = A B + C updates in place)
      dev.upload(c, 0, dc.at(0), c.length);
      dev.gemm(false, false, M, N, K, 1, da.at(0), M, db.at(0), K, 1, dc.at(0), ldc, dc.at(0), ldc, Device.EPI_NONE, 0,
          null);
      dev.download(dc.at(0), got, 0, got.length);
      for (int i = 0; i < got.length; i++) {
        assertEquals(i % ldc < M ? want[i] : c[i], got[i], 1e-14);
      }
      assertEquals(1, blas.calls());
      da.close();
      db.close();
      dc.close();
    }
    assertTrue(emulation.kernelsLaunched().contains("pudle_gemm_nn_f64"), emulation.kernelsLaunched().toString());
  }
}
