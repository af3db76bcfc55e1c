package org.pudle.kernels;

import org.junit.jupiter.api.Nested;
import org.pudle.kernels.cuda.CudaContext;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.Precision;

/**
 * The {@link UnfoldedIsta} contract on a real GPU through JCuda, in double and in float. Skipped,
 * with the reason, where there is no CUDA driver or device.
 */
class UnfoldedIstaCudaContractTest {

  static String noDevice() {
    CudaContext.Availability a = CudaKernels.availability();
    return a.available() ? null : "skipped without a CUDA device: " + a.description();
  }

  @Nested
  class Double extends UnfoldedIstaContract {
    @Override
    String unavailable() {
      return noDevice();
    }

    @Override
    UnfoldedIsta create(DictionaryOperator op, EncoderParams e) {
      return CudaKernels.shared(Precision.DOUBLE).unfoldedIsta(op, e, 1);
    }

    @Override
    double tolerance() {
      return 1e-11;
    }
  }

  @Nested
  class Float extends UnfoldedIstaContract {
    @Override
    String unavailable() {
      return noDevice();
    }

    @Override
    UnfoldedIsta create(DictionaryOperator op, EncoderParams e) {
      return CudaKernels.shared(Precision.FLOAT).unfoldedIsta(op, e, 1);
    }

    @Override
    double tolerance() {
      return 2e-4;
    }

    @Override
    boolean doublePrecision() {
      return false;
    }
  }
}
