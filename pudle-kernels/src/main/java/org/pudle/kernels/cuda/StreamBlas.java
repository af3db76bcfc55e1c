package org.pudle.kernels.cuda;

import org.pudle.kernels.cuda.KernelDriver.Memory;

/**
 * Dense products queued on one stream of a {@link KernelDriver}, by a library rather than the
 * kernels of {@code pudle_kernels.cu}: {@link CublasStreamBlas} on a CUDA stream. {@link CudaDevice}
 * runs its {@link Device#gemm} through one when it has one, adding the epilogue and a separate
 * {@code Cin} with its own element-wise kernels.
 */
interface StreamBlas extends AutoCloseable {

  /** The library and its version, for logs. */
  String describe();

  /**
   * {@code C = alpha op(A) op(B) + beta C}, column-major in {@code precision}, op(A) {@code m x k},
   * op(B) {@code k x n}; {@code C} is not read when {@code beta == 0}. Offsets are in bytes.
   */
  void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k, double alpha, Memory a,
      long aByteOffset, int lda, Memory b, long bByteOffset, int ldb, double beta, Memory c, long cByteOffset, int ldc);

  /** Releases the library's resources for the stream (not the stream). */
  @Override
  void close();
}
