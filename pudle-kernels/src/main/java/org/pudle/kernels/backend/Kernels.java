package org.pudle.kernels.backend;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvUnfoldedIsta;

/**
 * A compute backend of the per-block math: the factory of the dense {@link UnfoldedIsta} and the
 * convolutional {@link ConvUnfoldedIsta} kernels. The backend is in the implementation's name
 * ({@link CpuKernels}, {@code org.pudle.kernels.cuda.CudaKernels}). Jobs do not pick an
 * implementation: they name a backend ({@code org.pudle.kernels.pool.KernelSpec}) and borrow
 * kernels from the pool of their JVM ({@code org.pudle.kernels.pool.KernelPool}), which resolves
 * the name here once.
 */
public interface Kernels {

  /** A short name for logs and benchmark output, for example {@code cpu (OpenBLAS)}. */
  String name();

  /**
   * An encoder and gradient kernel for one dictionary. The instance owns scratch within
   * {@code scratchBytes} (host memory; a device backend sizes its device scratch from the device)
   * and is not thread-safe.
   *
   * @param op the dictionary and its iteration matrix, shared read-only
   */
  UnfoldedIsta unfoldedIsta(DictionaryOperator op, EncoderParams params, long scratchBytes);

  /**
   * A convolutional encoder and gradient kernel for one filter bank; not thread-safe.
   *
   * @param filters {@code k^2 x channels} column-major, shared read-only
   */
  ConvUnfoldedIsta convUnfoldedIsta(double[] filters, int k, int stride, int channels, ConvEncoderParams params);
}
