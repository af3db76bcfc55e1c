package org.pudle.kernels;

import java.util.Arrays;

import org.pudle.kernels.linalg.Blas;

import dev.ludovic.netlib.blas.BLAS;

/**
 * The CPU backend of {@link UnfoldedIsta}: every product is a BLAS GEMM on a whole block; the only
 * hand-written loops are the element-wise threshold, the backward masks and the statistics.
 *
 * <h2>Blocked reverse mode</h2>
 * For a block X (m x b), {@code C = alpha D^T X}, forward {@code V_t = G Z_t + C},
 * {@code Z_{t+1} = S_t(V_t)}. Backward with {@code R = D Z_T - X}:
 * {@code A_T = D^T R} (+ {@code lambda sign(Z_T)} for ae-lasso); for {@code t = T-1..0}:
 * {@code B_t = A_{t+1} .* 1{Z_{t+1} != 0}}, {@code A_t = G B_t}; then with
 * {@code P = sum_t Z_t B_t^T} and {@code Q = sum_t B_t}:
 * <pre>  grad = R Z_T^T - alpha [ D (P + P^T) - X Q^T ]</pre>
 * (summed over the block). The decoder-only gradient is {@code R Z_T^T}.
 *
 * <h2>Memory</h2>
 * The backward pass keeps every {@code Z_t}. A block is processed in chunks of at most
 * {@link #chunkColumns(GradientKind)} columns so that the scratch of one instance stays within its
 * budget: {@code 8 [(T + 3) p b + m b + p^2]} bytes for ae gradients and {@code 8 (4 p b + m b)}
 * for g_dec and encoding, with {@code b} the chunk width (at least one column, whatever the
 * budget). Scratch is reused while chunks fit, also after {@link #retarget}.
 */
public final class UnfoldedIstaCpu implements UnfoldedIsta {
  /**
   * The default density (non-zeros of a code over p) below which {@link #accumulateFromDepth}
   * backpropagates a layer column by column on the codes' supports instead of by GEMM: a layer then
   * costs about {@code 4 |S_t| |S_{t+1}|} flops per sample instead of {@code 4 p^2}.
   */
  public static final double DEFAULT_SPARSE_DENSITY = UnfoldedIsta.DEFAULT_SPARSE_DENSITY;

  /** The default scratch budget of one instance. */
  public static final long DEFAULT_SCRATCH_BYTES = UnfoldedIsta.DEFAULT_SCRATCH_BYTES;

  private final BLAS blas = Blas.blas();
  private final long scratchBytes;
  private final int m;
  private final int p;
  private DictionaryOperator op;
  private EncoderParams params;
  private Threshold threshold;
  private int T;
  private long allocated;

  private double[] zs = new double[0];
  private double[] c = new double[0];
  private double[] v = new double[0];
  private double[] bt = new double[0];
  private double[] r = new double[0];
  private double[] pm = new double[0];
  private int storedColumns;
  /** The study path's sparse backward: the density below which layers go per column (see setSparseDensity). */
  private double sparseDensity = DEFAULT_SPARSE_DENSITY;
  /** The first layer of the stored forward pass whose backward runs per column on the supports; T = none. */
  private int sparseFrom = Integer.MAX_VALUE;
  /** The supports of the stored codes Z_s, s >= sparseFrom: indices, and starts per (s, column). */
  private int[] supIdx = new int[0];
  private int[] supStart = new int[0];
  private double[] colB = new double[0];
  private double[] colA = new double[0];

  /**
   * @param op           the dictionary and its iteration matrix; its alpha must equal the
   *                     encoder's
   * @param scratchBytes the scratch budget of this instance
   */
  public UnfoldedIstaCpu(DictionaryOperator op, EncoderParams params, long scratchBytes) {
    if (scratchBytes < 1) {
      throw new IllegalArgumentException("scratch budget: expected a positive byte count, got " + scratchBytes);
    }
    this.scratchBytes = scratchBytes;
    this.m = op.m();
    this.p = op.p();
    retarget(op, params);
  }

  public UnfoldedIstaCpu(DictionaryOperator op, EncoderParams params) {
    this(op, params, DEFAULT_SCRATCH_BYTES);
  }

  @Override
  public int m() {
    return m;
  }

  @Override
  public int p() {
    return p;
  }

  @Override
  public EncoderParams params() {
    return params;
  }

  @Override
  public DictionaryOperator operator() {
    return op;
  }

  @Override
  public void retarget(DictionaryOperator newOp, EncoderParams newParams) {
    UnfoldedIsta.checkTarget(newOp, newParams, m, p);
    storedColumns = 0;
    sparseFrom = Integer.MAX_VALUE;
    if (newOp == op && newParams.equals(params)) {
      return;
    }
    this.op = newOp;
    if (!newParams.equals(params)) {
      this.params = newParams;
      this.threshold = newParams.newThreshold();
      this.T = newParams.T();
    }
  }

  @Override
  public long scratchBytesAllocated() {
    return allocated;
  }

  @Override
  public int maxStoredColumns() {
    return chunkColumns(GradientKind.AE_LS);
  }

  /** The widest chunk that keeps the scratch of {@code kind} within the budget (at least 1). */
  public int chunkColumns(GradientKind kind) {
    return chunkColumns(kind, m, p, T, scratchBytes);
  }

  /** The widest chunk that keeps the scratch of {@code kind} within {@code scratchBytes}. */
  public static int chunkColumns(GradientKind kind, int m, int p, int T, long scratchBytes) {
    long perColumn;
    long fixed;
    if (kind != null && kind.throughEncoder()) {
      perColumn = 8L * ((long) (T + 3) * p + m);
      fixed = 8L * p * p;
    } else {
      perColumn = 8L * (4L * p + m);
      fixed = 0;
    }
    long cols = (scratchBytes - fixed) / perColumn;
    return (int) Math.max(1, Math.min(cols, Integer.MAX_VALUE / Math.max(1L, (long) (T + 3) * p)));
  }

  @Override
  public void accumulate(GradientKind kind, double[] x, int xOff, int cols, GradientSums sums) {
    checkBlock(x, xOff, cols);
    if (sums.m() != m || sums.p() != p) {
      throw new IllegalArgumentException("sums: expected " + m + " x " + p + ", got " + sums.m() + " x " + sums.p());
    }
    if (cols == 0) {
      return;
    }
    int chunk = chunkColumns(kind);
    double[] grad = sums.gradientBuffer();
    storedColumns = 0;
    sparseFrom = Integer.MAX_VALUE;
    for (int j = 0; j < cols; j += chunk) {
      int b = Math.min(chunk, cols - j);
      int off = xOff + j * m;
      boolean keepAll = kind.throughEncoder();
      ensureScratch(b, keepAll);
      forward(x, off, b, keepAll);
      backward(kind, x, off, b, keepAll, T, grad, sums);
    }
  }

  /**
   * {@inheritDoc} On the CPU the chunk may have up to {@link #chunkColumns(GradientKind)
   * chunkColumns(AE_LS)} columns, and the codes are the scratch itself.
   */
  @Override
  public StoredCodes forwardAll(double[] x, int xOff, int b) {
    checkBlock(x, xOff, b);
    int most = chunkColumns(GradientKind.AE_LS);
    if (b < 1 || b > most) {
      throw new IllegalArgumentException("chunk: expected 1 to " + most + " columns within the scratch budget, got " + b);
    }
    ensureScratch(b, true);
    forward(x, xOff, b, true);
    storedColumns = b;
    indexSparseLayers(b);
    return new StoredCodes(zs, p, b);
  }

  /**
   * Sets the density (mean non-zeros per code over p) below which the backward passes of
   * {@link #accumulateFromDepth} treat a layer column by column on the supports of the codes; the
   * layers from the first one whose codes, and all deeper ones, are that sparse. 0 keeps every
   * layer on GEMMs, 1 makes every layer sparse. Both ways give the same sums to rounding. Applies
   * from the next {@link #forwardAll}; {@link #accumulate} (the trainer's path) always uses GEMMs.
   */
  @Override
  public void setSparseDensity(double density) {
    this.sparseDensity = UnfoldedIsta.checkSparseDensity(density);
  }

  /** The first layer whose backward runs per column in the last forwardAll (T + 1 when none). */
  public int sparseFromLayer() {
    return sparseFrom == Integer.MAX_VALUE ? T + 1 : sparseFrom;
  }

  /** Finds the sparse tail of the stored codes and lists the support of every code in it. */
  private void indexSparseLayers(int b) {
    sparseFrom = Integer.MAX_VALUE;
    double limit = sparseDensity * p * b;
    int from = T + 1;
    for (int s = T; s >= 1; s--) {
      int o = slot(s - 1, b, true);
      long nnz = 0;
      for (int i = o; i < o + p * b; i++) {
        if (zs[i] != 0) {
          nnz++;
        }
      }
      if (nnz > limit || (nnz == 0 && sparseDensity == 0)) {
        break;
      }
      from = s;
    }
    if (from > T) {
      return;
    }
    long total = 0;
    int layers = T - from + 1;
    for (int i = slot(from - 1, b, true); i < T * p * b; i++) {
      if (zs[i] != 0) {
        total++;
      }
    }
    if (supIdx.length < total) {
      supIdx = new int[(int) total];
      allocated += 4 * total;
    }
    if (supStart.length < layers * b + 1) {
      supStart = new int[layers * b + 1];
      allocated += 4L * (layers * b + 1);
    }
    int n = 0;
    for (int s = from; s <= T; s++) {
      int o = slot(s - 1, b, true);
      for (int c = 0; c < b; c++) {
        supStart[(s - from) * b + c] = n;
        int oc = o + c * p;
        for (int i = 0; i < p; i++) {
          if (zs[oc + i] != 0) {
            supIdx[n++] = i;
          }
        }
      }
    }
    supStart[layers * b] = n;
    if (colB.length < p) {
      colB = new double[p];
      colA = new double[p];
      allocated += 16L * p;
    }
    sparseFrom = from;
  }

  /**
   * The backward of layers {@code top .. sparseFrom} column by column: with {@code S1} the support
   * of {@code Z_{t+1}} and {@code S0} that of {@code Z_t}, {@code B_t = A_{t+1}} on S1,
   * {@code Q += B_t}, {@code P[S0, S1] += Z_t[S0] B_t[S1]^T} and {@code A_t[S0] = G[S0, S1] B_t[S1]}
   * (the rows outside S0 are masked out by the next layer, so they are not computed). Leaves
   * {@code A_{sparseFrom}} in {@code a} on the support of {@code Z_{sparseFrom}}.
   */
  private void sparseLayers(double[] a, double[] q, int b, int top) {
    double[] g = op.g();
    int from = sparseFrom;
    for (int c = 0; c < b; c++) {
      int ac = c * p;
      for (int t = top; t >= from; t--) {
        int s1 = supStart[(t + 1 - from) * b + c];
        int e1 = supStart[(t + 1 - from) * b + c + 1];
        int s0 = supStart[(t - from) * b + c];
        int e0 = supStart[(t - from) * b + c + 1];
        int k1 = e1 - s1;
        for (int j = 0; j < k1; j++) {
          int row = supIdx[s1 + j];
          double bj = a[ac + row];
          colB[j] = bj;
          q[ac + row] += bj;
        }
        int zt = slot(t - 1, b, true) + ac;
        int k0 = e0 - s0;
        for (int i = 0; i < k0; i++) {
          colA[i] = 0;
        }
        for (int j = 0; j < k1; j++) {
          double bj = colB[j];
          int col = supIdx[s1 + j] * p;
          for (int i = 0; i < k0; i++) {
            int row = supIdx[s0 + i];
            colA[i] += g[col + row] * bj;
            pm[row + col] += zs[zt + row] * bj;
          }
        }
        for (int i = 0; i < k0; i++) {
          a[ac + supIdx[s0 + i]] = colA[i];
        }
      }
    }
  }

  /**
   * {@inheritDoc} The backward pass starts from the stored {@code Z_t} and costs about
   * {@code 4 p^2 b t} flops for the ae gradients, {@code 4 m p b} for g_dec; the layers below the
   * sparse density run on the codes' supports.
   */
  @Override
  public void accumulateFromDepth(GradientKind kind, int t, double[] x, int xOff, int b, GradientSums sums) {
    if (b != storedColumns || b == 0) {
      throw new IllegalStateException("accumulateFromDepth: forwardAll stored " + storedColumns + " columns, asked for " + b);
    }
    if (t < 1 || t > T) {
      throw new IllegalArgumentException("depth: expected 1 <= t <= T = " + T + ", got " + t);
    }
    if (sums.m() != m || sums.p() != p) {
      throw new IllegalArgumentException("sums: expected " + m + " x " + p + ", got " + sums.m() + " x " + sums.p());
    }
    checkBlock(x, xOff, b);
    backward(kind, x, xOff, b, true, t, sums.gradientBuffer(), sums);
  }

  @Override
  public void releaseStoredCodes() {
    storedColumns = 0;
    sparseFrom = Integer.MAX_VALUE;
  }

  @Override
  public void encode(double[] x, int xOff, int cols, double[] z, int zOff) {
    checkBlock(x, xOff, cols);
    if (zOff < 0 || zOff + (long) p * cols > z.length) {
      throw new IllegalArgumentException("codes: need " + (long) p * cols + " entries from offset " + zOff
          + ", array has " + z.length);
    }
    int chunk = chunkColumns(GradientKind.DEC);
    storedColumns = 0;
    sparseFrom = Integer.MAX_VALUE;
    for (int j = 0; j < cols; j += chunk) {
      int b = Math.min(chunk, cols - j);
      ensureScratch(b, false);
      forward(x, xOff + j * m, b, false);
      System.arraycopy(zs, slot(T - 1, b, false), z, zOff + j * p, p * b);
    }
  }

  private void checkBlock(double[] x, int xOff, int cols) {
    if (cols < 0 || xOff < 0 || xOff + (long) m * cols > x.length) {
      throw new IllegalArgumentException("block: need " + (long) m * cols + " entries (m = " + m + ", "
          + cols + " columns) from offset " + xOff + ", array has " + x.length);
    }
  }

  /** Offset of {@code Z_{s+1}} in {@code zs}: every layer, or two alternating buffers. */
  private int slot(int s, int b, boolean keepAll) {
    return (keepAll ? s : (s & 1)) * p * b;
  }

  private void ensureScratch(int b, boolean keepAll) {
    int pb = p * b;
    int layers = keepAll ? T : 2;
    if (zs.length < layers * pb) {
      zs = new double[layers * pb];
      allocated += 8L * layers * pb;
    }
    if (c.length < pb) {
      c = new double[pb];
      v = new double[pb];
      bt = new double[pb];
      allocated += 24L * pb;
    }
    if (r.length < m * b) {
      r = new double[m * b];
      allocated += 8L * m * b;
    }
    if (keepAll && pm.length < p * p) {
      pm = new double[p * p];
      allocated += 8L * p * p;
    }
  }

  /** Runs the T layers on the chunk; afterwards {@code Z_{s+1}} is at {@link #slot}. */
  private void forward(double[] x, int xOff, int b, boolean keepAll) {
    double[] d = op.d();
    double[] g = op.g();
    int pb = p * b;
    blas.dgemm("T", "N", p, b, m, params.alpha(), d, 0, m, x, xOff, m, 0.0, c, 0, p);
    threshold.apply(c, 0, zs, slot(0, b, keepAll), pb, 0);
    for (int t = 1; t < T; t++) {
      System.arraycopy(c, 0, v, 0, pb);
      blas.dgemm("N", "N", p, b, p, 1.0, g, 0, p, zs, slot(t - 1, b, keepAll), p, 1.0, v, 0, p);
      threshold.apply(v, 0, zs, slot(t, b, keepAll), pb, t);
    }
  }

  /**
   * The backward pass from depth {@code depth} (the codes {@code Z_depth} at {@link #slot}
   * {@code depth - 1}); with only two alternating buffers ({@code keepAll} false) the depth must
   * be T.
   */
  private void backward(GradientKind kind, double[] x, int xOff, int b, boolean keepAll, int depth, double[] grad,
      GradientSums sums) {
    double[] d = op.d();
    int pb = p * b;
    int zT = slot(depth - 1, b, keepAll);

    // R = D Z_T - X
    System.arraycopy(x, xOff, r, 0, m * b);
    blas.dgemm("N", "N", m, b, p, 1.0, d, 0, m, zs, zT, p, -1.0, r, 0, m);
    double loss = 0;
    for (int i = 0; i < m * b; i++) {
      loss += r[i] * r[i];
    }
    double l1 = 0;
    long nnz = 0;
    for (int i = zT; i < zT + pb; i++) {
      double z = zs[i];
      if (z != 0) {
        l1 += Math.abs(z);
        nnz++;
      }
    }
    sums.addStatistics(b, 0.5 * loss, l1, nnz);

    // the decoder term R Z_T^T, shared by all kinds
    blas.dgemm("N", "T", m, p, b, 1.0, r, 0, m, zs, zT, p, 1.0, grad, 0, m);
    if (!kind.throughEncoder()) {
      return;
    }

    // A_T = D^T R (+ lambda sign(Z_T)); v holds A, c holds Q, pm holds P
    double[] a = v;
    double[] q = c;
    blas.dgemm("T", "N", p, b, m, 1.0, d, 0, m, r, 0, m, 0.0, a, 0, p);
    if (kind == GradientKind.AE_LASSO) {
      double lambda = params.lambda();
      for (int i = 0; i < pb; i++) {
        a[i] += lambda * Math.signum(zs[zT + i]);
      }
    }
    Arrays.fill(q, 0, pb, 0.0);
    Arrays.fill(pm, 0, p * p, 0.0);
    double[] g = op.g();
    int denseTop = depth - 1;
    if (keepAll && sparseFrom < depth) {
      // layers depth-1 .. sparseFrom on the supports, the rest by GEMM
      sparseLayers(a, q, b, depth - 1);
      denseTop = sparseFrom - 1;
    }
    for (int t = denseTop; t >= 0; t--) {
      int mask = slot(t, b, true);
      for (int i = 0; i < pb; i++) {
        double bi = zs[mask + i] != 0 ? a[i] : 0.0;
        bt[i] = bi;
        q[i] += bi;
      }
      if (t >= 1) {
        // P += Z_t B_t^T (Z_0 = 0 adds nothing); A_t = G B_t
        blas.dgemm("N", "T", p, p, b, 1.0, zs, slot(t - 1, b, true), p, bt, 0, p, 1.0, pm, 0, p);
        blas.dgemm("N", "N", p, b, p, 1.0, g, 0, p, bt, 0, p, 0.0, a, 0, p);
      }
    }
    double alpha = params.alpha();
    // grad += alpha X Q^T - alpha D (P + P^T)
    blas.dgemm("N", "T", m, p, b, alpha, x, xOff, m, q, 0, p, 1.0, grad, 0, m);
    for (int j = 0; j < p; j++) {
      pm[j + j * p] *= 2;
      for (int i = j + 1; i < p; i++) {
        double s = pm[i + j * p] + pm[j + i * p];
        pm[i + j * p] = s;
        pm[j + i * p] = s;
      }
    }
    blas.dgemm("N", "N", m, p, p, -alpha, d, 0, m, pm, 0, p, 1.0, grad, 0, m);
  }
}
