package org.pudle.kernels;

/**
 * The unfolded ISTA network of PUDLE on blocks of samples (Algorithm 2): the encoder
 * {@code z_{t+1} = S_t(G z_t + alpha D^T x)}, {@code G = I - alpha D^T D}, {@code z_0 = 0}, and
 * the exact gradients of docs/math.md#the-gradients by blocked reverse mode
 * (docs/math.md#blocked-reverse-mode).
 *
 * <p>A block is {@code cols} samples stored as the columns of a column-major m x cols matrix,
 * starting at {@code xOff} of an array. Implementations are backends ({@code ...Cpu},
 * {@code ...Cuda}), handed out by a backend's {@code Kernels} factory; an instance owns scratch
 * space and is not thread-safe, so use one per task or thread. The dictionary it was built for
 * must not change while it is in use; {@link #retarget} points it at another one and keeps the
 * scratch, which is how a pool reuses instances across updates.
 *
 * <h2>Per-depth read-outs</h2>
 * The gradient studies need the gradients of the network truncated at every depth t of a grid
 * from one forward pass: {@link #forwardAll} runs the T layers on a chunk and keeps every code
 * {@code Z_1 .. Z_T}; {@link #accumulateFromDepth} then adds the gradient of depth t (a backward
 * pass from the stored {@code Z_t}, about {@code 4 p^2 b t} flops); {@link #releaseStoredCodes}
 * ends the read-outs.
 */
public interface UnfoldedIsta {

  /** The default host scratch budget of one instance: 256 MiB. */
  long DEFAULT_SCRATCH_BYTES = 256L << 20;

  /**
   * The value of {@link #setSparseDensity} that lets the backend choose, per block and layer, from
   * the codes' measured density and a cost model of the machine.
   */
  double COST_MODEL = -1;

  /** The default of {@link #setSparseDensity}: {@link #COST_MODEL}. */
  double DEFAULT_SPARSE_DENSITY = COST_MODEL;

  /** The signal dimension. */
  int m();

  /** The number of atoms. */
  int p();

  /** The encoder. */
  EncoderParams params();

  /** The dictionary and iteration matrix this instance encodes with (shared, do not modify). */
  DictionaryOperator operator();

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
   * Points this instance at another dictionary and encoder, keeping its scratch (and, on a
   * device, its buffers): the operator must have this instance's m and p, and the encoder its
   * alpha; T may change. Ends the read-outs of the last {@link #forwardAll}.
   *
   * @throws IllegalArgumentException for another shape or a mismatched alpha
   */
  void retarget(DictionaryOperator op, EncoderParams params);

  /**
   * The bytes of scratch this instance has allocated so far, host arrays and device buffers: it
   * grows when a wider chunk or a deeper encoder needs more room, and not when the same shapes
   * come again (what a kernel pool relies on).
   */
  long scratchBytesAllocated();

  /**
   * The widest chunk {@link #forwardAll} accepts: the columns whose T stored codes and backward
   * scratch fit in this instance's budget (host scratch, or the device's memory); at least 1.
   */
  int maxStoredColumns();

  /**
   * Runs the T layers on one chunk of {@code b} columns and keeps every code
   * {@code Z_1 .. Z_T}, so that {@link #accumulateFromDepth} can then serve any depth
   * {@code t <= T} without another forward pass. The codes stay valid until the next call on this
   * instance other than {@link #accumulateFromDepth}.
   *
   * @param x not modified
   * @param b at least 1 and at most {@link #maxStoredColumns()}
   * @return the stored codes on the host: {@code Z_t} is p x b column-major at
   *         {@code codes.offset(t)} of {@code codes.array()} (the instance's scratch: read, do not
   *         modify)
   */
  StoredCodes forwardAll(double[] x, int xOff, int b);

  /**
   * Adds to {@code sums} the gradient of {@code kind} of the network truncated at depth
   * {@code t} (the encoder {@code z_t} with layers {@code 0 .. t-1}, decoder {@code D z_t}) over
   * the chunk of the last {@link #forwardAll}: the same sums, to rounding, that
   * {@link #accumulate} gives with {@code T = t}.
   *
   * @param x    the same columns that were given to {@link #forwardAll}; not modified
   * @param sums modified
   * @throws IllegalStateException when no forward pass of {@code b} columns is stored
   */
  void accumulateFromDepth(GradientKind kind, int t, double[] x, int xOff, int b, GradientSums sums);

  /**
   * {@link #accumulateFromDepth} for {@code g_ae-ls} into {@code ls} and {@code g_ae-lasso} into
   * {@code lasso}, the same sums as two separate calls give; a backend may share the work of the
   * two backward passes (the CPU backend finds the codes' supports and copies the blocks of G once
   * for both).
   */
  default void accumulateAeFromDepth(int t, double[] x, int xOff, int b, GradientSums ls, GradientSums lasso) {
    accumulateFromDepth(GradientKind.AE_LS, t, x, xOff, b, ls);
    accumulateFromDepth(GradientKind.AE_LASSO, t, x, xOff, b, lasso);
  }

  /**
   * Ends the read-outs of the last {@link #forwardAll}: a backend may then free or reuse what held
   * the stored codes (the CUDA backend gives its device workspace back). A no-op when none are
   * stored.
   */
  void releaseStoredCodes();

  /**
   * Sets where the layers run column by column on the supports of the codes instead of by GEMM
   * (docs/math.md#layers-on-the-supports), in every call from the next forward pass:
   * {@link #COST_MODEL} (the default) lets the backend choose per block from the codes' density; a
   * density (mean non-zeros per code over p) in [0, 1] forces the layers from the first one whose
   * codes are that sparse onto the supports. Both ways give the same sums to rounding, so this is a
   * speed setting. The CPU backend uses it; a backend without a support path checks the value and
   * runs every layer by GEMM.
   *
   * @param density {@link #COST_MODEL}, or a fraction in [0, 1]: 0 keeps every layer on GEMMs
   */
  void setSparseDensity(double density);

  /**
   * The codes {@code Z_1 .. Z_T} of the last {@link #forwardAll}, p x b each, column-major.
   *
   * @param array the scratch that holds them (read-only for callers)
   */
  record StoredCodes(double[] array, int p, int b) {
    /** The offset of {@code Z_t} in {@link #array()}, {@code 1 <= t <= T}. */
    public int offset(int t) {
      return (t - 1) * p * b;
    }
  }

  /**
   * Checks that {@code op} and {@code params} suit a kernel of m x p ({@link #retarget}): the
   * shape, and the operator's alpha against the encoder's.
   */
  static void checkTarget(DictionaryOperator op, EncoderParams params, int m, int p) {
    if (op.m() != m || op.p() != p) {
      throw new IllegalArgumentException("dictionary: this kernel is for " + m + " x " + p + ", got " + op.m() + " x "
          + op.p());
    }
    if (op.alpha() != params.alpha()) {
      throw new IllegalArgumentException(
          "alpha: the operator was built for " + op.alpha() + ", the encoder uses " + params.alpha());
    }
  }

  /** Checks that {@code sparse density} is {@link #COST_MODEL} or a fraction in [0, 1]. */
  static double checkSparseDensity(double density) {
    if (!(density >= 0 && density <= 1) && density != COST_MODEL) {
      throw new IllegalArgumentException("sparse density: expected a fraction in [0, 1] or " + COST_MODEL
          + " (the cost model), got " + density);
    }
    return density;
  }

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
