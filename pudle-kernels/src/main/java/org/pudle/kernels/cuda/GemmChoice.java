package org.pudle.kernels.cuda;

/**
 * The GEMM provider a CUDA device uses, resolved from the setting {@code cuda.gemm}, and why.
 *
 * @param provider {@link GemmProvider#CUBLAS} or {@link GemmProvider#OWN}, never {@code AUTO}
 * @param reason   one line: what was asked and what was found
 */
public record GemmChoice(GemmProvider provider, String reason) {
  public GemmChoice {
    if (provider == GemmProvider.AUTO) {
      throw new IllegalArgumentException("a GEMM choice is cublas or own, not auto");
    }
  }

  /** Whether the dense products run in cuBLAS. */
  public boolean cublas() {
    return provider == GemmProvider.CUBLAS;
  }

  /**
   * Resolves {@code requested} given whether cuBLAS works on the device: {@code auto} takes
   * cuBLAS when it does and the own kernels otherwise (saying why); {@code cublas} without a
   * working cuBLAS is an error that says why.
   *
   * @param cublas whether cuBLAS loaded and made a handle on the device, and its version or the cause;
   *               not read for {@code own} (may be null)
   * @throws IllegalArgumentException for {@code cublas} when cuBLAS is not usable
   */
  public static GemmChoice resolve(GemmProvider requested, Cublas.Availability cublas) {
    switch (requested) {
      case OWN:
        return new GemmChoice(GemmProvider.OWN, GemmProvider.KEY + "=own: the hand-written GEMM kernels");
      case CUBLAS:
        if (!cublas.available()) {
          throw new IllegalArgumentException(GemmProvider.KEY + "=cublas: cuBLAS is not usable: "
              + cublas.description());
        }
        return new GemmChoice(GemmProvider.CUBLAS, GemmProvider.KEY + "=cublas: " + cublas.description());
      case AUTO:
      default:
        return cublas.available()
            ? new GemmChoice(GemmProvider.CUBLAS, GemmProvider.KEY + "=auto: " + cublas.description())
            : new GemmChoice(GemmProvider.OWN, GemmProvider.KEY + "=auto: the hand-written GEMM kernels, cuBLAS is not "
                + "usable: " + cublas.description());
    }
  }
}
