package org.pudle.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.EmulatedGpu;
import org.pudle.kernels.cuda.Precision;

/**
 * The contract on the host side of the CUDA backend ({@code ConvUnfoldedIstaCuda}) with the device
 * emulated by plain loops ({@link EmulatedGpu}, the semantics of {@code Device}); the CUDA C
 * kernels themselves run in {@code ConvUnfoldedIstaCudaNativeEmulationTest}. Also FP32 storage
 * against the CPU backend.
 */
class ConvUnfoldedIstaCudaEmulatedTest extends ConvUnfoldedIstaContractTest {
  private static final EmulatedGpu GPU = new EmulatedGpu(64L << 20);
  private static final CudaKernels DOUBLE = new CudaKernels(GPU, Precision.DOUBLE, 0.9);
  private static final CudaKernels FLOAT = new CudaKernels(new EmulatedGpu(64L << 20), Precision.FLOAT, 0.9);

  @AfterAll
  static void close() {
    DOUBLE.close();
    FLOAT.close();
    assertEquals(0, GPU.liveBuffers(), "device memory left allocated after close");
  }

  @Override
  ConvUnfoldedIsta create(double[] filters, int k, int stride, int channels, ConvEncoderParams e) {
    return DOUBLE.convUnfoldedIsta(filters, k, stride, channels, e);
  }

  @Test
  void singlePrecisionAgreesWithTheCpuToFloatRounding() {
    ConvGeometry g = new ConvGeometry(9, 4, 8, 25, 29);
    double[] w = ConvFilters.random(9, 8, 17);
    double[][] p = pair(g, 18);
    ConvEncoderParams e = new ConvEncoderParams(6, 0.1, 0.1, ConvThreshold.SOFT_NONNEG, 0);
    GradientSums cpu = new GradientSums(81, 8);
    GradientSums gpu = new GradientSums(81, 8);
    new ConvUnfoldedIstaCpu(w, 9, 4, 8, e).accumulate(GradientKind.AE_LS, p[0], p[1], 25, 29, cpu);
    FLOAT.convUnfoldedIsta(w, 9, 4, 8, e).accumulate(GradientKind.AE_LS, p[0], p[1], 25, 29, gpu);
    double rel = relativeDifference(gpu.gradientBuffer(), cpu.gradientBuffer());
    assertTrue(rel > 0 && rel <= 1e-4, "FP32 gradient relative difference " + rel);
    assertEquals(cpu.meanLoss(), gpu.meanLoss(), 1e-4 * cpu.meanLoss());
  }
}
