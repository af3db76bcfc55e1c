package org.pudle.kernels.cuda;

import org.pudle.kernels.cuda.KernelDriver.Memory;

/**
 * cuBLAS on the stream of a {@link CudaStreamDriver}: one {@link Cublas.Handle}, made with the
 * context current and set to the driver's stream, so its products run in order with the
 * kernels, copies and memsets queued there (no extra synchronization), and a workspace of its
 * own of {@value #WORKSPACE_BYTES} bytes (the size cuBLAS recommends for Hopper), allocated with
 * the stream rather than by cuBLAS in the middle of a computation.
 */
final class CublasStreamBlas implements StreamBlas {
  static final long WORKSPACE_BYTES = 32L << 20;

  private final CudaContext ctx;
  private final CudaStreamDriver driver;
  private final KernelDriver.Memory workspace;
  private final Cublas.Handle handle;

  CublasStreamBlas(CudaContext ctx, CudaStreamDriver driver) {
    this.ctx = ctx;
    this.driver = driver;
    ctx.makeCurrent();
    this.workspace = driver.alloc(WORKSPACE_BYTES);
    Cublas.Handle h = null;
    try {
      h = new Cublas.Handle(driver.streamAddress());
      h.setWorkspace(driver.address(workspace, 0), WORKSPACE_BYTES);
    } catch (RuntimeException e) {
      if (h != null) {
        h.close();
      }
      workspace.free();
      throw e;
    }
    this.handle = h;
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
    try {
      handle.close();
    } finally {
      workspace.free();
    }
  }
}
