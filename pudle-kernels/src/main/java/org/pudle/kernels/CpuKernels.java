package org.pudle.kernels;

import org.pudle.kernels.linalg.Blas;

/** The CPU backend: BLAS GEMMs through netlib (native OpenBLAS when it loads). */
public final class CpuKernels implements Kernels {
  /** The one instance. */
  public static final CpuKernels INSTANCE = new CpuKernels();

  private CpuKernels() {}

  @Override
  public String name() {
    return "cpu (" + Blas.description() + ")";
  }

  @Override
  public UnfoldedIsta unfoldedIsta(DictionaryOperator op, EncoderParams params, long scratchBytes) {
    return new UnfoldedIstaCpu(op, params, scratchBytes);
  }
}
