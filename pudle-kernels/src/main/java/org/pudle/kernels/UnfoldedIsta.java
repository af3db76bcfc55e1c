package org.pudle.kernels;

/**
 * The unfolded ISTA network of PUDLE on blocks of samples (Algorithm 2): the encoder
 * {@code z_{t+1} = S_t(G z_t + alpha D^T x)}, {@code G = I - alpha D^T D}, {@code z_0 = 0}, and
 * the exact gradients of docs/math.md#the-gradients by blocked reverse mode
 * (docs/math.md#blocked-reverse-mode).
 *
 * <p>A block is {@code cols} samples stored as the columns of a column-major m x cols matrix,
 * starting at {@code xOff} of an array. Implementations are backends ({@code ...Cpu},
 * {@code ...Cuda}); an instance owns scratch space and is not thread-safe, so use one per task or
 * thread. The dictionary it was built for must not change while it is in use.
 */
public interface UnfoldedIsta {

  /** The signal dimension. */
  int m();

  /** The number of atoms. */
  int p();

  /** The encoder. */
  EncoderParams params();

  /**
   * Adds the gradient sum of {@code kind} over the block to {@code sums}: its m x p buffer gets
   * {@code sum_i grad_D loss_i}, and its statistics the loss, l1 norm and non-zeros of the codes
   * {@code z_T}.
   *
   * @param x    the samples, not modified
   * @param sums modified
   */
  void accumulate(GradientKind kind, double[] x, int xOff, int cols, GradientSums sums);

  /**
   * Writes the codes {@code z_T} of the block into {@code z}, p x cols column-major at
   * {@code zOff}.
   *
   * @param x not modified
   * @param z modified
   */
  void encode(double[] x, int xOff, int cols, double[] z, int zOff);

  /**
   * The GEMM flops of {@link #accumulate} on {@code cols} samples: the unit of the benchmark's
   * GFLOP/s. Element-wise work (thresholds, masks) is not counted.
   * <ul>
   *   <li>dec: {@code 2 mp b} (alpha D^T X) {@code + 2 (T-1) p^2 b} (forward)
   *       {@code + 4 mp b} (residual, R Z_T^T);
   *   <li>ae-ls and ae-lasso add {@code 2 mp b} (D^T R), {@code 4 (T-1) p^2 b} (G B_t and
   *       Z_t B_t^T), {@code 2 mp b} (X Q^T) and {@code 2 m p^2} (D (P + P^T)) per chunk.
   * </ul>
   */
  static double flops(GradientKind kind, int m, int p, int T, long cols, int chunkColumns) {
    double b = cols;
    double mp = (double) m * p;
    double pp = (double) p * p;
    double f = 6 * mp * b + 2.0 * (T - 1) * pp * b;
    if (kind.throughEncoder()) {
      long chunks = (cols + chunkColumns - 1) / chunkColumns;
      f += 4 * mp * b + 4.0 * (T - 1) * pp * b + 2 * mp * p * chunks;
    }
    return f;
  }
}
