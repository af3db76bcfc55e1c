package org.pudle.kernels.cuda;

import java.util.concurrent.atomic.AtomicLong;

import org.pudle.kernels.cuda.KernelDriver.Memory;
import org.pudle.kernels.linalg.Blas;

/**
 * A {@link StreamBlas} with cuBLAS's contract ({@code C = alpha op(A) op(B) + beta C}, C not read
 * when beta is 0) computed on the host: it copies the operands off a {@link KernelDriver}, runs
 * the CPU BLAS in double and copies C back (rounded to float in FP32, as SGEMM stores it). With it,
 * {@link CudaDevice}'s library path (the copy of a separate Cin, the epilogue as a kernel, no
 * split-K workspace) runs on the g++ emulation of the kernels, which cuBLAS itself cannot.
 */
final class HostReferenceBlas implements StreamBlas {
  private final KernelDriver driver;
  private final AtomicLong calls = new AtomicLong();
  private boolean closed;

  HostReferenceBlas(KernelDriver driver) {
    this.driver = driver;
  }

  /** Products computed so far. */
  long calls() {
    return calls.get();
  }

  @Override
  public String describe() {
    return "host reference BLAS";
  }

  @Override
  public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k, double alpha, Memory a,
      long aByteOffset, int lda, Memory b, long bByteOffset, int ldb, double beta, Memory c, long cByteOffset,
      int ldc) {
    if (closed) {
      throw new IllegalStateException("host reference BLAS used after close");
    }
    calls.incrementAndGet();
    double[] ha = read(precision, a, aByteOffset, span(lda, transA ? k : m, transA ? m : k));
    double[] hb = read(precision, b, bByteOffset, span(ldb, transB ? n : k, transB ? k : n));
    int nc = span(ldc, m, n);
    double[] hc = read(precision, c, cByteOffset, nc);
    if (beta == 0) {
      // cuBLAS does not read C when beta is 0: neither may the reference (new device memory is NaN)
      for (int j = 0; j < n; j++) {
        java.util.Arrays.fill(hc, j * ldc, j * ldc + m, 0);
      }
    }
    if (m > 0 && n > 0) {
      Blas.blas().dgemm(transA ? "T" : "N", transB ? "T" : "N", m, n, k, alpha, ha, 0, Math.max(1, lda), hb, 0,
          Math.max(1, ldb), beta, hc, 0, Math.max(1, ldc));
    }
    if (precision == Precision.DOUBLE) {
      driver.copyToDevice(c, cByteOffset, hc, 0, nc);
    } else {
      float[] f = new float[nc];
      for (int i = 0; i < nc; i++) {
        f[i] = (float) hc[i];
      }
      driver.copyToDevice(c, cByteOffset, f, nc);
    }
  }

  /** The values a column-major {@code rows x cols} matrix with leading dimension {@code ld} spans. */
  private static int span(int ld, int rows, int cols) {
    return rows == 0 || cols == 0 ? 0 : Math.toIntExact((long) ld * (cols - 1) + rows);
  }

  private double[] read(Precision precision, Memory m, long byteOffset, int n) {
    double[] out = new double[n];
    if (n == 0) {
      return out;
    }
    if (precision == Precision.DOUBLE) {
      driver.copyToHost(m, byteOffset, out, 0, n);
    } else {
      float[] f = new float[n];
      driver.copyToHost(m, byteOffset, f, n);
      for (int i = 0; i < n; i++) {
        out[i] = f[i];
      }
    }
    return out;
  }

  @Override
  public void close() {
    closed = true;
  }
}
