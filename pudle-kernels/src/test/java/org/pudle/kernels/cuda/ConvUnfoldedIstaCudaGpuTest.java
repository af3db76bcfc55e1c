package org.pudle.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pudle.kernels.bench.CudaCheck;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvThreshold;

/**
 * {@link ConvUnfoldedIstaCuda} on a real GPU against {@code ConvUnfoldedIstaCpu}: g_dec and
 * g_ae-ls with the soft, non-negative soft and hard thresholds on 33 x 33 crops and on the paper's
 * 129 x 129 crop (T = 15), and reconstruct on a 321 x 481 image; FP64 within 1e-10, FP32 within
 * 1e-2 for the soft thresholds. Skipped, with the reason, without a CUDA driver or device.
 */
class ConvUnfoldedIstaCudaGpuTest {

  @BeforeEach
  void requireDevice() {
    CudaContext.Availability a = CudaKernels.availability();
    assumeTrue(a.available(), "skipped without a CUDA device: " + a.description());
  }

  private static final ConvEncoderParams[] ENCODERS = {
    new ConvEncoderParams(15, 0.1, 0.1, ConvThreshold.SOFT_NONNEG, 0),
    new ConvEncoderParams(15, 0.1, 0.1, ConvThreshold.SOFT, 0),
    new ConvEncoderParams(15, 0.1, 0.1, ConvThreshold.HARD, 0.05),
  };

  @Test
  void fp64AgreesWithTheCpuBackend() {
    CudaKernels cuda = CudaKernels.shared(Precision.DOUBLE);
    for (ConvGeometry g : new ConvGeometry[] {new ConvGeometry(9, 4, 64, 33, 33), CudaCheck.CONV_CROP}) {
      for (ConvEncoderParams e : ENCODERS) {
        CudaCheck.ConvAgreement r = CudaCheck.convCompare(cuda, g, e, 3, System.out::println);
        assertTrue(r.worst() <= CudaCheck.FP64_TOLERANCE, g + " " + e + ": " + r);
      }
    }
  }

  @Test
  void fp32AgreesToSinglePrecisionRounding() {
    CudaKernels cuda = CudaKernels.shared(Precision.FLOAT);
    for (ConvEncoderParams e : new ConvEncoderParams[] {ENCODERS[0], ENCODERS[1]}) {
      CudaCheck.ConvAgreement r = CudaCheck.convCompare(cuda, CudaCheck.CONV_CROP, e, 4, System.out::println);
      assertTrue(r.worst() <= CudaCheck.FP32_TOLERANCE, e + ": " + r);
    }
  }

  @Test
  void theStandaloneCheckPassesWithoutTheBenchmarks() {
    int status = CudaCheck.run(System.out, "--require-cuda", "--no-bench", "--no-study", "--size", "50x100x10",
        "--cpu-samples", "8", "--reps", "1", "--out", "target/cuda-check-gpu-test");
    assertTrue(status == 0, "cuda-check failed; see its output");
  }
}
