package org.pudle.kernels;

import org.pudle.kernels.linalg.Blas;

import dev.ludovic.netlib.blas.BLAS;

/**
 * The GEMM terms of the blocked reverse mode (docs/math.md#blocked-reverse-mode) that the CPU
 * backend's backward passes share: the residual, the decoder term, the adjoint at the top, the
 * layers by GEMM and {@code -alpha D (P + P^T)}. Works on the caller's arrays (codes p x b
 * column-major, layer s's input {@code Z_s} at {@code (s - 1) p b} of zs); holds only the shape.
 * The study's reference gradients use the residual and decoder terms too.
 */
public final class BlockBackward {
  private final BLAS blas = Blas.blas();
  private final int m;
  private final int p;

  public BlockBackward(int m, int p) {
    this.m = m;
    this.p = p;
  }

  /** {@code R = D Z - X} into r for the codes at {@code zOff} of zs, and the statistics into each sums. */
  public void residual(double[] d, double[] x, int xOff, int b, double[] zs, int zOff, double[] r, GradientSums... sums) {
    System.arraycopy(x, xOff, r, 0, m * b);
    blas.dgemm("N", "N", m, b, p, 1.0, d, 0, m, zs, zOff, p, -1.0, r, 0, m);
    double loss = 0;
    for (int i = 0; i < m * b; i++) {
      loss += r[i] * r[i];
    }
    double l1 = 0;
    long nnz = 0;
    for (int i = zOff; i < zOff + p * b; i++) {
      double z = zs[i];
      if (z != 0) {
        l1 += Math.abs(z);
        nnz++;
      }
    }
    for (GradientSums s : sums) {
      s.addStatistics(b, 0.5 * loss, l1, nnz);
    }
  }

  /** {@code grad += R Z^T} for the codes at {@code zOff} of zs. */
  public void decoderTerm(int b, double[] r, double[] zs, int zOff, double[] grad) {
    blas.dgemm("N", "T", m, p, b, 1.0, r, 0, m, zs, zOff, p, 1.0, grad, 0, m);
  }

  /** The adjoint at the top, {@code A = D^T R (+ lambda sign(Z) for g_ae-lasso)}, into a. */
  void adjointTop(GradientKind kind, double lambda, double[] d, double[] r, int b, double[] zs, int zOff, double[] a) {
    blas.dgemm("T", "N", p, b, m, 1.0, d, 0, m, r, 0, m, 0.0, a, 0, p);
    if (kind == GradientKind.AE_LASSO) {
      addLassoTerm(lambda, b, zs, zOff, a);
    }
  }

  /** {@code a += lambda sign(Z)} for the codes at {@code zOff} of zs: g_ae-lasso's part of the top adjoint. */
  void addLassoTerm(double lambda, int b, double[] zs, int zOff, double[] a) {
    int pb = p * b;
    for (int i = 0; i < pb; i++) {
      a[i] += lambda * Math.signum(zs[zOff + i]);
    }
  }

  /**
   * The layers {@code top .. 0} by GEMM: {@code B_t = A_{t+1} .* 1{Z_{t+1} != 0}} (into bt),
   * {@code q += B_t}, {@code pm += Z_t B_t^T}, {@code A_t = G B_t}; leaves A_0 in a.
   */
  void denseLayers(double[] g, int b, int top, double[] zs, double[] bt, double[] a, double[] q, double[] pm) {
    int pb = p * b;
    for (int t = top; t >= 0; t--) {
      int mask = t * pb;
      for (int i = 0; i < pb; i++) {
        double bi = zs[mask + i] != 0 ? a[i] : 0.0;
        bt[i] = bi;
        q[i] += bi;
      }
      if (t >= 1) {
        // P += Z_t B_t^T (Z_0 = 0 adds nothing); A_t = G B_t
        blas.dgemm("N", "T", p, p, b, 1.0, zs, (t - 1) * pb, p, bt, 0, p, 1.0, pm, 0, p);
        blas.dgemm("N", "N", p, b, p, 1.0, g, 0, p, bt, 0, p, 0.0, a, 0, p);
        KernelStatistics.add(KernelStatistics.Counter.BACKWARD_DENSE, b);
      }
    }
  }

  /** {@code grad -= alpha D (P + P^T)}; P (p x p) is overwritten by {@code P + P^T}. */
  void addDP(double alpha, double[] d, double[] pm, double[] grad) {
    for (int j = 0; j < p; j++) {
      pm[j + j * p] *= 2;
      for (int i = j + 1; i < p; i++) {
        double s = pm[i + j * p] + pm[j + i * p];
        pm[i + j * p] = s;
        pm[j + i * p] = s;
      }
    }
    blas.dgemm("N", "N", m, p, p, -alpha, d, 0, m, pm, 0, p, 1.0, grad, 0, m);
  }
}
