package org.pudle.kernels.backend;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.ConvUnfoldedIstaCpu;
import org.pudle.kernels.linalg.Blas;

/**
 * The CPU backend: {@link UnfoldedIstaCpu} and {@link ConvUnfoldedIstaCpu}, BLAS GEMMs through
 * netlib (native OpenBLAS when it loads). Computes in double.
 */
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

  @Override
  public ConvUnfoldedIsta convUnfoldedIsta(double[] filters, int k, int stride, int channels,
      ConvEncoderParams params) {
    return new ConvUnfoldedIstaCpu(filters, k, stride, channels, params);
  }
}
