package org.pudle.kernels;

/**
 * A compute backend of the per-block math: the factory of {@link UnfoldedIsta} instances. The
 * backend is in the implementation's name ({@link CpuKernels}; a CUDA backend plugs in beside it).
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
   * the name travels with a task.
   */
  static Kernels byName(String name) {
    if ("cpu".equals(name)) {
      return CpuKernels.INSTANCE;
    }
    throw new IllegalArgumentException("unknown kernel backend '" + name + "': expected cpu");
  }
}
