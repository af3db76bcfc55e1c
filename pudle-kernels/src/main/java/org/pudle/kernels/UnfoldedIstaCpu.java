package org.pudle.kernels;

import java.util.Arrays;

import org.pudle.kernels.ChunkCodes.Keep;
import org.pudle.kernels.linalg.Blas;

import dev.ludovic.netlib.blas.BLAS;

/**
 * The CPU backend of {@link UnfoldedIsta}: the first layers of a block by BLAS GEMMs, the later
 * ones, once the codes are sparse, column by column on their supports ({@link SupportPath}).
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
 * <h2>Layers on the supports</h2>
 * After each GEMM layer the block's density (non-zeros of {@code Z_t} over {@code p b}) decides,
 * through {@link SupportCostModel}, whether the rest of the layers, forward and backward, run on
 * the supports of the codes instead (docs/math.md#layers-on-the-supports); {@link
 * #setSparseDensity} can force a density instead. The products {@code R = D Z_T - X},
 * {@code R Z_T^T}, {@code D^T R}, {@code X Q^T} and {@code D (P + P^T)} stay GEMMs, and
 * {@code D (P + P^T)} is formed once per call, not per chunk. Both ways give the same sums to
 * rounding. {@link KernelStatistics} counts the layers of each kind.
 *
 * <h2>Memory</h2>
 * A block is processed in chunks of at most {@link #chunkColumns(GradientKind)} columns so that the
 * scratch of one instance stays within its budget: {@code 8 [(T + 3) p b + m b + p^2]} bytes for ae
 * gradients and {@code 8 (4 p b + m b)} for g_dec and encoding, with {@code b} the chunk width (at
 * least one column, whatever the budget). The codes of the layers on the supports are kept on
 * their active sets only, so a training chunk holds dense codes just for the GEMM layers and
 * {@code Z_T}; the support path adds {@code 8 p^2} bytes (its share of P by columns) and its
 * frames; the dense codes' room grows as they need ({@link ChunkCodes}). Scratch is reused while
 * chunks fit, also after {@link #retarget}.
 */
public final class UnfoldedIstaCpu implements UnfoldedIsta {
  /**
   * The default of {@link #setSparseDensity}: {@link UnfoldedIsta#COST_MODEL}, each block chooses
   * where its layers go on the supports.
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

  private final ChunkCodes codes = new ChunkCodes();
  private double[] c = new double[0];
  private double[] v = new double[0];
  private double[] bt = new double[0];
  private double[] r = new double[0];
  private double[] pm = new double[0];
  /** The second adjoint, Q and P of {@link #accumulateAeFromDepth}, made on first use. */
  private double[] v2 = new double[0];
  private double[] c2 = new double[0];
  private double[] pm2 = new double[0];
  private final SupportPath support;
  private final SupportBackward supportBackward;
  private final BlockBackward terms;
  private int storedColumns;
  /** The density below which layers go on the supports; {@link UnfoldedIsta#COST_MODEL}: chosen per block. */
  private double sparseDensity = DEFAULT_SPARSE_DENSITY;
  /** The first layer of the last forward pass that ran on the supports; T = none. */
  private int tailFrom;
  /** The offset of Z_T in codes.z after the last forward pass. */
  private int lastOff;

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
    this.support = new SupportPath(p);
    this.supportBackward = new SupportBackward(support);
    this.terms = new BlockBackward(m, p);
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
    tailFrom = Integer.MAX_VALUE;
    support.clear();
    if (newOp == op && newParams.equals(params)) {
      return;
    }
    this.op = newOp;
    if (!newParams.equals(params)) {
      this.params = newParams;
      this.threshold = newParams.newThreshold();
      this.T = newParams.T();
    }
    support.retarget(op, threshold, params.threshold());
  }

  @Override
  public long scratchBytesAllocated() {
    return allocated + codes.allocated() + support.allocated() + supportBackward.allocated();
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
    boolean through = kind.throughEncoder();
    Keep keep = through ? Keep.BACKWARD : Keep.LAST;
    ensureScratch(Math.min(chunk, cols), keep);
    if (through) {
      Arrays.fill(pm, 0, p * p, 0.0);
    }
    for (int j = 0; j < cols; j += chunk) {
      int b = Math.min(chunk, cols - j);
      int off = xOff + j * m;
      forward(x, off, b, keep);
      backward(kind, x, off, b, T, grad, sums);
    }
    support.clear();
    tailFrom = Integer.MAX_VALUE;
    if (through) {
      addDP(grad);
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
    ensureScratch(b, Keep.ALL);
    forward(x, xOff, b, Keep.ALL);
    storedColumns = b;
    return new StoredCodes(codes.z, p, b);
  }

  /**
   * Sets where the layers go on the supports: {@link UnfoldedIsta#COST_MODEL} (the default) lets
   * each block choose from its measured density by {@link SupportCostModel}; a fraction in [0, 1]
   * forces it: the layers from the first one whose input codes have at most that density run on
   * the supports, so 0 keeps every layer on GEMMs and 1 puts every layer after the first there.
   * Both ways give the same sums to rounding. Applies to every call from the next forward pass.
   */
  @Override
  public void setSparseDensity(double density) {
    this.sparseDensity = UnfoldedIsta.checkSparseDensity(density);
  }

  /** The first layer whose forward and backward ran on the supports in the last forwardAll (T + 1 when none). */
  public int sparseFromLayer() {
    return tailFrom >= T ? T + 1 : tailFrom;
  }

  /**
   * {@inheritDoc} The backward pass starts from the stored {@code Z_t}; the GEMM layers cost about
   * {@code 4 p^2 b} flops each, those on the supports about {@code 4 |S_t| |S_{t+1}|} per column,
   * and g_dec {@code 4 m p b}.
   */
  @Override
  public void accumulateFromDepth(GradientKind kind, int t, double[] x, int xOff, int b, GradientSums sums) {
    checkReadOut("accumulateFromDepth", t, x, xOff, b, sums);
    double[] grad = sums.gradientBuffer();
    if (kind.throughEncoder()) {
      Arrays.fill(pm, 0, p * p, 0.0);
    }
    backward(kind, x, xOff, b, t, grad, sums);
    if (kind.throughEncoder()) {
      addDP(grad);
    }
  }

  /**
   * {@inheritDoc} Here the two backward passes share the residual, the decoder term's inputs and,
   * in the layers on the supports, the supports and the local copies of G; every sum is bit for bit
   * what two {@link #accumulateFromDepth} calls give.
   */
  @Override
  public void accumulateAeFromDepth(int t, double[] x, int xOff, int b, GradientSums ls, GradientSums lasso) {
    if (ls == lasso) {
      throw new IllegalArgumentException("sums: g_ae-ls and g_ae-lasso need separate sums");
    }
    checkReadOut("accumulateAeFromDepth", t, x, xOff, b, ls, lasso);
    int pb = p * b;
    if (v2.length < pb) {
      v2 = new double[pb];
      c2 = new double[pb];
      allocated += 16L * pb;
    }
    if (pm2.length < p * p) {
      pm2 = new double[p * p];
      allocated += 8L * p * p;
    }
    Arrays.fill(pm, 0, p * p, 0.0);
    Arrays.fill(pm2, 0, p * p, 0.0);
    double[] gLs = ls.gradientBuffer();
    double[] gLasso = lasso.gradientBuffer();
    int zT = t == T ? lastOff : slot(t - 1, b, Keep.ALL);
    terms.residual(op.d(), x, xOff, b, codes.z, zT, r, ls, lasso);
    terms.decoderTerm(b, r, codes.z, zT, gLs);
    terms.decoderTerm(b, r, codes.z, zT, gLasso);
    double[] aLs = v;
    double[] aLasso = v2;
    // g_ae-lasso's adjoint is g_ae-ls's plus lambda sign(Z_t): D^T R once
    terms.adjointTop(GradientKind.AE_LS, params.lambda(), op.d(), r, b, codes.z, zT, aLs);
    System.arraycopy(aLs, 0, aLasso, 0, pb);
    terms.addLassoTerm(params.lambda(), b, codes.z, zT, aLasso);
    Arrays.fill(c, 0, pb, 0.0);
    Arrays.fill(c2, 0, pb, 0.0);
    int denseTop = t - 1;
    if (tailFrom < t) {
      supportBackward.backward(t, b, codes.z, 2, new double[][] {aLs, aLasso}, new double[][] {c, c2},
          new double[][] {pm, pm2});
      denseTop = tailFrom - 1;
    }
    terms.denseLayers(op.g(), b, denseTop, codes.z, bt, aLs, c, pm);
    terms.denseLayers(op.g(), b, denseTop, codes.z, bt, aLasso, c2, pm2);
    blas.dgemm("N", "T", m, p, b, params.alpha(), x, xOff, m, c, 0, p, 1.0, gLs, 0, m);
    blas.dgemm("N", "T", m, p, b, params.alpha(), x, xOff, m, c2, 0, p, 1.0, gLasso, 0, m);
    terms.addDP(params.alpha(), op.d(), pm, gLs);
    terms.addDP(params.alpha(), op.d(), pm2, gLasso);
  }

  /** The checks of a read-out from depth t of the last {@link #forwardAll}. */
  private void checkReadOut(String what, int t, double[] x, int xOff, int b, GradientSums... sums) {
    if (b != storedColumns || b == 0) {
      throw new IllegalStateException(what + ": forwardAll stored " + storedColumns + " columns, asked for " + b);
    }
    if (t < 1 || t > T) {
      throw new IllegalArgumentException("depth: expected 1 <= t <= T = " + T + ", got " + t);
    }
    for (GradientSums s : sums) {
      if (s.m() != m || s.p() != p) {
        throw new IllegalArgumentException("sums: expected " + m + " x " + p + ", got " + s.m() + " x " + s.p());
      }
    }
    checkBlock(x, xOff, b);
  }

  @Override
  public void releaseStoredCodes() {
    storedColumns = 0;
    tailFrom = Integer.MAX_VALUE;
    support.clear();
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
    ensureScratch(Math.min(chunk, cols), Keep.LAST);
    for (int j = 0; j < cols; j += chunk) {
      int b = Math.min(chunk, cols - j);
      forward(x, xOff + j * m, b, Keep.LAST);
      System.arraycopy(codes.z, lastOff, z, zOff + j * p, p * b);
    }
    support.clear();
    tailFrom = Integer.MAX_VALUE;
  }

  private void checkBlock(double[] x, int xOff, int cols) {
    if (cols < 0 || xOff < 0 || xOff + (long) m * cols > x.length) {
      throw new IllegalArgumentException("block: need " + (long) m * cols + " entries (m = " + m + ", "
          + cols + " columns) from offset " + xOff + ", array has " + x.length);
    }
  }

  /** Offset of {@code Z_{s+1}} in {@code codes.z}: every layer, or two alternating buffers. */
  private int slot(int s, int b, Keep keep) {
    return ChunkCodes.slot(s, p * b, keep);
  }

  /** Allocates the scratch of a chunk of b columns whose forward pass keeps {@code keep}. */
  private void ensureScratch(int b, Keep keep) {
    int pb = p * b;
    codes.ensure(pb, T, keep);
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
    if (keep != Keep.LAST && pm.length < p * p) {
      pm = new double[p * p];
      allocated += 8L * p * p;
    }
    support.ensure(b, T);
    if (keep != Keep.LAST) {
      supportBackward.ensure();
    }
  }

  /** Whether the layers from one whose input codes have {@code nnz} non-zeros run on the supports. */
  private boolean supportFrom(long nnz, int b, boolean backward) {
    if (sparseDensity < 0) {
      return SupportCostModel.supportFrom((double) nnz / ((long) p * b), p, b, backward);
    }
    return sparseDensity > 0 && nnz <= sparseDensity * p * b;
  }

  /**
   * Runs the T layers on the chunk: GEMM layers while the codes are dense, then the rest on the
   * supports. Afterwards {@code Z_{s+1}} is at {@link #slot} for the GEMM layers (all layers with
   * {@link Keep#ALL}) and {@code Z_T} at {@link #lastOff}.
   */
  private void forward(double[] x, int xOff, int b, Keep keep) {
    double[] d = op.d();
    int pb = p * b;
    blas.dgemm("T", "N", p, b, m, params.alpha(), d, 0, m, x, xOff, m, 0.0, c, 0, p);
    threshold.apply(c, 0, codes.z, slot(0, b, keep), pb, 0);
    boolean backward = keep != Keep.LAST;
    int t = 1;
    for (; t < T; t++) {
      int in = slot(t - 1, b, keep);
      long nnz = 0;
      for (int i = in; i < in + pb; i++) {
        if (codes.z[i] != 0) {
          nnz++;
        }
      }
      if (supportFrom(nnz, b, backward)) {
        break;
      }
      if (keep == Keep.BACKWARD && codes.z.length < (t + 1L) * pb) {
        // a block that stays dense: room for every layer at once
        codes.grow(t * pb, (long) T * pb);
      }
      denseLayer(t, b, keep);
    }
    tailFrom = t;
    lastOff = slot(T - 1, b, keep);
    if (t >= T) {
      return;
    }
    boolean all = keep == Keep.ALL;
    if (keep == Keep.BACKWARD) {
      // Z_T after the GEMM layers' codes, the frames' codes in the rest of the array
      lastOff = t * pb;
    }
    if (keep == Keep.BACKWARD) {
      codes.grow(t * pb, (t + 1L) * pb);
    }
    // the frames' codes from (t + 1) p b, their room grown as they need
    if (!support.forward(t, T, b, c, codes, slot(t - 1, b, keep), all, lastOff, backward, (t + 1) * pb, T * pb)) {
      if (keep == Keep.BACKWARD) {
        codes.grow(t * pb, (long) T * pb);
      }
      // the frames did not fit: the rest by GEMM
      for (; t < T; t++) {
        denseLayer(t, b, keep);
      }
      tailFrom = T;
      lastOff = slot(T - 1, b, keep);
    }
  }

  int codesLength() {
    return codes.z.length;
  }

  /** Layer t of the chunk by GEMM: {@code Z_{t+1} = S_t(G Z_t + C)}. */
  private void denseLayer(int t, int b, Keep keep) {
    int pb = p * b;
    System.arraycopy(c, 0, v, 0, pb);
    blas.dgemm("N", "N", p, b, p, 1.0, op.g(), 0, p, codes.z, slot(t - 1, b, keep), p, 1.0, v, 0, p);
    threshold.apply(v, 0, codes.z, slot(t, b, keep), pb, t);
    KernelStatistics.add(KernelStatistics.Counter.FORWARD_DENSE, b);
  }

  /**
   * The backward pass from depth {@code depth} (the codes {@code Z_depth}: {@link #lastOff} for
   * T, else at {@link #slot} {@code depth - 1}, stored by {@link Keep#ALL}); adds the decoder term,
   * {@code alpha X Q^T} and the statistics to {@code grad} and {@code sums}, and P to {@link #pm}
   * (the caller adds {@code -alpha D (P + P^T)}).
   */
  private void backward(GradientKind kind, double[] x, int xOff, int b, int depth, double[] grad,
      GradientSums sums) {
    int pb = p * b;
    int zT = depth == T ? lastOff : slot(depth - 1, b, Keep.ALL);
    terms.residual(op.d(), x, xOff, b, codes.z, zT, r, sums);
    // the decoder term R Z_T^T, shared by all kinds
    terms.decoderTerm(b, r, codes.z, zT, grad);
    if (!kind.throughEncoder()) {
      return;
    }
    // A_T = D^T R (+ lambda sign(Z_T)); v holds A, c holds Q, pm holds P
    double[] a = v;
    double[] q = c;
    terms.adjointTop(kind, params.lambda(), op.d(), r, b, codes.z, zT, a);
    Arrays.fill(q, 0, pb, 0.0);
    int denseTop = depth - 1;
    if (tailFrom < depth) {
      // layers depth-1 .. tailFrom on the supports, the rest by GEMM
      supportBackward.backward(depth, b, codes.z, a, q, pm);
      denseTop = tailFrom - 1;
    }
    terms.denseLayers(op.g(), b, denseTop, codes.z, bt, a, q, pm);
    // grad += alpha X Q^T
    blas.dgemm("N", "T", m, p, b, params.alpha(), x, xOff, m, q, 0, p, 1.0, grad, 0, m);
  }

  /** {@code grad -= alpha D (P + P^T)} with P in {@link #pm}. */
  private void addDP(double[] grad) {
    terms.addDP(params.alpha(), op.d(), pm, grad);
  }
}
