package org.pudle.kernels;

import org.pudle.kernels.backend.CpuKernels;

/** The {@link UnfoldedIsta} contract on the CPU backend. */
class UnfoldedIstaCpuContractTest extends UnfoldedIstaContract {
  @Override
  UnfoldedIsta create(DictionaryOperator op, EncoderParams e) {
    return CpuKernels.INSTANCE.unfoldedIsta(op, e, UnfoldedIstaCpu.DEFAULT_SCRATCH_BYTES);
  }
}
