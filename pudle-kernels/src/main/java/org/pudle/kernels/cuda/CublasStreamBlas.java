package org.pudle.kernels.cuda;

import org.pudle.kernels.cuda.KernelDriver.Memory;

/**
 * cuBLAS on the stream of a {@link CudaStreamDriver}: one {@link Cublas.Handle}, made with the
 * context current and set to the driver's stream, so its products run in order with the
 * kernels, copies and memsets queued there (no extra synchronization).
 */
final class CublasStreamBlas implements StreamBlas {
  private final CudaContext ctx;
  private final CudaStreamDriver driver;
  private final Cublas.Handle handle;

  CublasStreamBlas(CudaContext ctx, CudaStreamDriver driver) {
    this.ctx = ctx;
    this.driver = driver;
    ctx.makeCurrent();
    this.handle = new Cublas.Handle(driver.streamAddress());
  }

  @Override
  public String describe() {
    return "cuBLAS " + Cublas.version();
  }

  @Override
  public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k, double alpha, Memory a,
      long aByteOffset, int lda, Memory b, long bByteOffset, int ldb, double beta, Memory c, long cByteOffset,
      int ldc) {
    ctx.makeCurrent();
    long pa = driver.address(a, aByteOffset);
    long pb = driver.address(b, bByteOffset);
    long pc = driver.address(c, cByteOffset);
    if (precision == Precision.DOUBLE) {
      handle.dgemm(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    } else {
      handle.sgemm(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }
  }

  @Override
  public void close() {
    ctx.makeCurrent();
    handle.close();
  }
}
