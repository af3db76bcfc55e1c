package org.pudle.kernels;

/**
 * A compute backend of the per-block math: the factory of {@link UnfoldedIsta} instances. The
 * backend is in the implementation's name ({@link CpuKernels}, {@link org.pudle.kernels.cuda.CudaKernels}).
 */
public interface Kernels {

  /** A short name for logs and benchmark output, for example {@code cpu (OpenBLAS)}. */
  String name();

  /**
   * An encoder and gradient kernel for one dictionary. The instance owns scratch within
   * {@code scratchBytes} and is not thread-safe.
   *
   * @param op the dictionary and its iteration matrix, shared read-only
   */
  UnfoldedIsta unfoldedIsta(DictionaryOperator op, EncoderParams params, long scratchBytes);

  /**
   * The backend called {@code name}, resolved where the work runs (an executor), so that only
   * the name travels with a task: {@code cpu}, {@code cuda} or {@code auto} (CUDA when a driver and
   * a device are present, else the CPU; decided once per JVM and logged), optionally followed by
   * {@code :double} (the default) or {@code :float}, the precision of the CUDA backend.
   *
   * @throws IllegalArgumentException for an unknown name, {@code cpu:float}, or {@code cuda}
   *     without a usable device (the message says why)
   */
  static Kernels byName(String name) {
    String[] parts = name.trim().split(":", -1);
    if (parts.length > 2) {
      throw new IllegalArgumentException("kernels: expected cpu, cuda or auto, optionally with :double or :float, got '"
          + name + "'");
    }
    org.pudle.kernels.cuda.Precision precision = parts.length == 2
        ? org.pudle.kernels.cuda.Precision.parse(parts[1])
        : org.pudle.kernels.cuda.Precision.DOUBLE;
    switch (parts[0]) {
      case "cpu":
        if (precision != org.pudle.kernels.cuda.Precision.DOUBLE) {
          throw new IllegalArgumentException("kernels=cpu computes in double; kernel.precision=float needs cuda or auto");
        }
        return CpuKernels.INSTANCE;
      case "cuda":
        return org.pudle.kernels.cuda.CudaKernels.shared(precision);
      case "auto":
        return org.pudle.kernels.cuda.CudaKernels.auto(precision);
      default:
        throw new IllegalArgumentException("unknown kernel backend '" + name + "': expected cpu, cuda or auto");
    }
  }
}
