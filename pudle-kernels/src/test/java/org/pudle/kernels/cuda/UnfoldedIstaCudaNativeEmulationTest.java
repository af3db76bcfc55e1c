package org.pudle.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.bench.CudaCheck;

/**
 * The dense {@link UnfoldedIstaCuda} through {@link CudaDevice} on the g++ emulation of
 * {@code pudle_kernels.cu} ({@link NativeEmulation}): the kernels with the grids, split-K slices
 * and argument lists that CudaDevice launches, against {@link UnfoldedIstaCpu}, every gradient
 * kind with the soft and the hard threshold, in FP64 and FP32. Skipped without g++.
 */
class UnfoldedIstaCudaNativeEmulationTest {

  @Test
  void everyGradientKindMatchesTheCpuBackend() throws Exception {
    assumeTrue(NativeEmulation.gxxAvailable(), "g++ is not installed: the emulation of the CUDA kernels is skipped");
    // 520 columns: the products over the columns (R Z^T, X Q^T, Z B^T) run in 2 split-K slices
    int m = 20;
    int p = 24;
    int n = 520;
    assertEquals(2, CudaDevice.splitSlices(m, p, n));
    CudaCheck.Problem pr = CudaCheck.Problem.of(m, p, n, 5);
    try (NativeEmulation emulation = NativeEmulation.start(1L << 30);
        CudaKernels fp64 = new CudaKernels(emulation, Precision.DOUBLE, 0.9);
        CudaKernels fp32 = new CudaKernels(emulation, Precision.FLOAT, 0.9)) {
      for (EncoderParams e : new EncoderParams[] {new EncoderParams(4, 0.2, 0.2, ThresholdKind.SOFT, 0, 0.9),
          new EncoderParams(4, 0.2, 0.2, ThresholdKind.HARD, 0.1, 1)}) {
        DictionaryOperator op = DictionaryOperator.of(pr.d(), m, p, e.alpha());
        for (GradientKind kind : GradientKind.values()) {
          GradientSums cpu = new GradientSums(m, p);
          new UnfoldedIstaCpu(op, e).accumulate(kind, pr.x(), 0, n, cpu);
          GradientSums gpu = new GradientSums(m, p);
          fp64.unfoldedIsta(op, e, 0).accumulate(kind, pr.x(), 0, n, gpu);
          double rel = CudaCheck.maxRelative(gpu.gradientBuffer(), cpu.gradientBuffer());
          System.out.printf("emulated dense CUDA vs CPU %s %s FP64: %.2e%n", kind, e.threshold(), rel);
          assertTrue(rel <= CudaCheck.FP64_TOLERANCE, kind + " " + e + ": " + rel);
          assertEquals(cpu.meanLoss(), gpu.meanLoss(), 1e-12 * cpu.meanLoss());
          assertEquals(cpu.meanNonZeros(), gpu.meanNonZeros(), 0.0);
          if (e.threshold() == ThresholdKind.SOFT && kind == GradientKind.AE_LS) {
            GradientSums single = new GradientSums(m, p);
            fp32.unfoldedIsta(op, e, 0).accumulate(kind, pr.x(), 0, n, single);
            double r32 = CudaCheck.maxRelative(single.gradientBuffer(), cpu.gradientBuffer());
            assertTrue(r32 > 0 && r32 <= CudaCheck.FP32_TOLERANCE, "FP32: " + r32);
          }
        }
      }
      assertTrue(emulation.kernelsLaunched().contains("pudle_splitk_reduce_f64"), emulation.kernelsLaunched()
          .toString());
    }
  }

  /** The per-depth read-outs of the gradient studies on the device: codes and every depth's gradients. */
  @Test
  void perDepthReadOutsMatchTheCpuBackend() throws Exception {
    assumeTrue(NativeEmulation.gxxAvailable(), "g++ is not installed: the emulation of the CUDA kernels is skipped");
    int m = 12;
    int p = 20;
    int n = 24;
    CudaCheck.Problem pr = CudaCheck.Problem.of(m, p, n, 3);
    EncoderParams e = new EncoderParams(5, 0.2, 0.2, ThresholdKind.SOFT, 0, 0.9);
    DictionaryOperator op = DictionaryOperator.of(pr.d(), m, p, e.alpha());
    try (NativeEmulation emulation = NativeEmulation.start(1L << 30);
        CudaKernels fp64 = new CudaKernels(emulation, Precision.DOUBLE, 0.9)) {
      UnfoldedIstaCpu cpu = new UnfoldedIstaCpu(op, e);
      cpu.setSparseDensity(0);
      org.pudle.kernels.UnfoldedIsta gpu = fp64.unfoldedIsta(op, e, 0);
      double[] zc = cpu.forwardAll(pr.x(), 0, n).array().clone();
      double[] zg = gpu.forwardAll(pr.x(), 0, n).array();
      assertTrue(CudaCheck.maxRelative(java.util.Arrays.copyOf(zg, e.T() * p * n), java.util.Arrays.copyOf(zc,
          e.T() * p * n)) <= CudaCheck.FP64_TOLERANCE, "stored codes");
      long before = emulation.launches();
      for (int t : new int[] {2, 5}) {
        for (GradientKind kind : GradientKind.values()) {
          GradientSums c = new GradientSums(m, p);
          cpu.accumulateFromDepth(kind, t, pr.x(), 0, n, c);
          GradientSums g = new GradientSums(m, p);
          gpu.accumulateFromDepth(kind, t, pr.x(), 0, n, g);
          double rel = CudaCheck.maxRelative(g.gradientBuffer(), c.gradientBuffer());
          assertTrue(rel <= CudaCheck.FP64_TOLERANCE, kind + " t=" + t + ": " + rel);
          assertEquals(c.meanLoss(), g.meanLoss(), 1e-12 * c.meanLoss());
          assertEquals(c.meanNonZeros(), g.meanNonZeros(), 0.0);
        }
      }
      assertTrue(emulation.launches() > before, "the read-outs ran on the device");
      gpu.releaseStoredCodes();
    }
  }
}
