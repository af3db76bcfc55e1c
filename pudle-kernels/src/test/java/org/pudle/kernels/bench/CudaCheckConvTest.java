package org.pudle.kernels.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvThreshold;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.EmulatedGpu;
import org.pudle.kernels.cuda.Precision;

/**
 * The convolutional part of {@link CudaCheck} on a loop-emulated device ({@link EmulatedGpu}): its
 * comparison runs both gradients and a whole-image reconstruction and reports agreement, and it
 * reports a wrong backend as a difference (the check can fail).
 */
class CudaCheckConvTest {

  @Test
  void theConvComparisonAgreesOnAnEmulatedDeviceAndSeesFloatRounding() {
    ConvGeometry g = new ConvGeometry(9, 4, 8, 25, 25);
    ConvEncoderParams e = new ConvEncoderParams(3, 0.1, 0.1, ConvThreshold.SOFT_NONNEG, 0);
    try (CudaKernels fp64 = new CudaKernels(new EmulatedGpu(256L << 20), Precision.DOUBLE, 0.9);
        CudaKernels fp32 = new CudaKernels(new EmulatedGpu(256L << 20), Precision.FLOAT, 0.9)) {
      CudaCheck.ConvAgreement d = CudaCheck.convCompare(fp64, g, e, 1, null);
      assertTrue(d.worst() <= CudaCheck.FP64_TOLERANCE, d.toString());
      assertEquals(0.0, d.nnzDifference());
      CudaCheck.ConvAgreement f = CudaCheck.convCompare(fp32, g, e, 1, null);
      assertTrue(f.worst() > 1e-9 && f.worst() <= CudaCheck.FP32_TOLERANCE, f.toString());
    }
  }
}
