package org.pudle.kernels;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.EmulatedGpu;
import org.pudle.kernels.cuda.Precision;

/**
 * The {@link UnfoldedIsta} contract on the host side of the CUDA backend, with the device
 * emulated ({@link EmulatedGpu}): with room for whole blocks, with a memory so small that blocks
 * are cut into chunks of a few columns, and in float.
 */
class UnfoldedIstaCudaEmulatedContractTest {
  private static final CudaKernels ROOMY = new CudaKernels(new EmulatedGpu(64L << 20), Precision.DOUBLE, 0.9);
  // the widest test problem (m = 20, p = 33, T = 9) needs 14 KiB per cached dictionary (two are
  // kept), 22 KiB of fixed scratch (m p + 2 p^2 values) and 3.5 KiB per column: 72 KiB leaves
  // room for chunks of about 6 of its 150 columns
  private static final CudaKernels TIGHT = new CudaKernels(new EmulatedGpu(72L << 10), Precision.DOUBLE, 1.0);
  private static final CudaKernels FLOAT = new CudaKernels(new EmulatedGpu(64L << 20), Precision.FLOAT, 0.9);

  @AfterAll
  static void close() {
    ROOMY.close();
    TIGHT.close();
    FLOAT.close();
  }

  @Nested
  class WholeBlocks extends UnfoldedIstaContract {
    @Override
    UnfoldedIsta create(DictionaryOperator op, EncoderParams e) {
      return ROOMY.unfoldedIsta(op, e, 1);
    }
  }

  @Nested
  class ChunkedBySmallDeviceMemory extends UnfoldedIstaContract {
    @Override
    UnfoldedIsta create(DictionaryOperator op, EncoderParams e) {
      return TIGHT.unfoldedIsta(op, e, 1);
    }

    @Override
    double tolerance() {
      return 1e-11;
    }
  }

  @Nested
  class SinglePrecision extends UnfoldedIstaContract {
    @Override
    UnfoldedIsta create(DictionaryOperator op, EncoderParams e) {
      return FLOAT.unfoldedIsta(op, e, 1);
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
