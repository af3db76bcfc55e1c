package org.pudle.kernels.conv;

/** The contract on the CPU backend. */
class ConvUnfoldedIstaCpuTest extends ConvUnfoldedIstaContractTest {
  @Override
  ConvUnfoldedIsta create(double[] filters, int k, int stride, int channels, ConvEncoderParams e) {
    return new ConvUnfoldedIstaCpu(filters, k, stride, channels, e);
  }
}
