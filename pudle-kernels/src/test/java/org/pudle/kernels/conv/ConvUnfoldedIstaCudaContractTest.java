package org.pudle.kernels.conv;

import org.pudle.kernels.cuda.CudaContext;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.Precision;

/**
 * The {@link ConvUnfoldedIsta} contract on a real GPU through JCuda, in double. Skipped, with the
 * reason, where there is no CUDA driver or device.
 */
class ConvUnfoldedIstaCudaContractTest extends ConvUnfoldedIstaContractTest {
  @Override
  String unavailable() {
    CudaContext.Availability a = CudaKernels.availability();
    return a.available() ? null : "skipped without a CUDA device: " + a.description();
  }

  @Override
  ConvUnfoldedIsta create(double[] filters, int k, int stride, int channels, ConvEncoderParams e) {
    return CudaKernels.shared(Precision.DOUBLE).convUnfoldedIsta(filters, k, stride, channels, e);
  }
}
