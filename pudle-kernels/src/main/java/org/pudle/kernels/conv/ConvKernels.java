package org.pudle.kernels.conv;

/**
 * The backends of {@link ConvUnfoldedIsta}, by name, resolved where the work runs (an executor),
 * so that only the name travels with a task. Only {@code cpu} exists so far; a CUDA backend
 * registers here beside it.
 */
public final class ConvKernels {
  private ConvKernels() {}

  /** The names this build knows. */
  public static final String CPU = "cpu";

  /**
   * A kernel instance of backend {@code name} for one filter bank.
   *
   * @param filters {@code k^2 x channels}, shared read-only
   */
  public static ConvUnfoldedIsta create(String name, double[] filters, int k, int stride, int channels,
      ConvEncoderParams params) {
    if (CPU.equals(name)) {
      return new ConvUnfoldedIstaCpu(filters, k, stride, channels, params);
    }
    throw new IllegalArgumentException("unknown convolution backend '" + name + "': expected " + CPU);
  }
}
