package org.pudle.kernels;

import java.util.Arrays;

/**
 * The layers of {@link UnfoldedIstaCpu} that run column by column on the supports of the codes
 * (docs/math.md#layers-on-the-supports): layers {@code from .. T-1} of a chunk, after the GEMM
 * layers, forward and backward. Exact: the same numbers as the GEMMs, to rounding.
 *
 * <h2>Forward: frames of layers</h2>
 * For one column, with {@code S_t} the support of {@code z_t}, a <em>full</em> layer computes every
 * entry of {@code v_t = G z_t + c} from the columns of G on {@code S_t} ({@code 2 p |S_t|} flops)
 * and opens a frame: its active set {@code A = S_t} united with the entries where
 * {@code |v_t| > RHO th_t}, and {@code M = max |v_t|} over the entries off A. The next layers t' are
 * <em>screened</em> while
 * <pre>  M + mu ||z_t' - z_t||_1 + slack  <  th_t'</pre>
 * ({@code mu = max_{i != j} |G_ij|}; slack bounds the rounding of both ways of computing v): then no
 * entry off A can pass the threshold, so only {@code v_t'[A] = G[A, A] z_t'[A] + c[A]} is computed
 * ({@code 2 |A| |S_t'|} flops on a copy of {@code G[A, A]}) and the rest of {@code z_{t'+1}} is zero,
 * what a full layer gives. When the bound fails the layer is full and opens the next frame. Every
 * product sums the support in ascending order with fused multiply-adds from 0 and adds {@code c}
 * last, the order of OpenBLAS's GEMM kernels on most shapes, so both ways often agree to the bit;
 * a screened entry is computed exactly as the full layer would.
 *
 * <h2>Backward</h2>
 * {@code b_t = a_{t+1} .* 1{z_{t+1} != 0}} lives on {@code S_{t+1}}, and {@code a_t} is only read on
 * {@code S_t}; within a frame both are in A. A frame of several layers works on local copies of
 * {@code G[A, A]}, {@code P[A, A]} and {@code q[A]} and adds P and q back once; a single layer
 * updates {@code P[S_t, S_{t+1}]} and {@code a_t[S_t]} in place ({@code 4 |S_t| |S_{t+1}|} scalar
 * flops), or, when its supports are large, by whole columns of G and P ({@code 4 p |S_{t+1}|}
 * vectorized flops).
 *
 * <h2>Storage</h2>
 * Per frame its first and end layer and its active set (int arrays sized by the chunk's shape), and
 * the codes of its layers on A: either in the free part of the caller's dense code array (a
 * training chunk keeps dense codes only for its GEMM layers) or read back from the dense codes when
 * every layer is kept dense ({@code forwardAll}). When a chunk's frames do not fit,
 * {@link #forward} says so and the caller runs the layers by GEMM instead. All scratch is sized by
 * p, T and the chunk width, so it does not grow with the data. Not thread-safe.
 */
final class SupportPath {
  /** The active set takes the entries with {@code |v| > RHO th} besides the support. */
  static final double RHO = 0.5;
  /** Frames of at least this many layers run the backward on local copies. */
  static final int LOCAL_LAYERS = 3;
  /** P is also kept by columns (for the vectorized backward) up to this p. */
  static final int COLUMN_P_MAX = 1024;
  /** The unit roundoff of double. */
  private static final double EPS = 0x1.0p-53;

  private final int p;
  /** The largest active set a frame screens with (and the size of the local copies). */
  private final int maxActive;
  private DictionaryOperator op;
  private double[][] gcols;
  private double mu;
  private double gmax;
  private Threshold threshold;
  private boolean soft;

  // per-column scratch, length p
  private double[] acc;
  private double[] cc;
  private double[] zfull;
  private int[] sIdx;
  private double[] sVal;
  private int[] nIdx;
  private double[] nVal;
  private double[] zRef;
  private double[] zCur;
  private double[] zNext;
  private double[] zLow;
  private int[] tmpA;

  // frame-local scratch, maxActive each
  private double[][] gaa;
  private double[][] paa;
  private double[] ccA;
  private double[] aA;
  private double[] aNext;
  private int[] pos;
  private boolean[] touched;
  /** The tail's share of {@code P = sum_t Z_t B_t^T} by columns ({@code pcols[j][i] = P[i, j]}); null above COLUMN_P_MAX. */
  private double[][] pcols;
  private boolean pDirty;

  // the frames of the last forward pass, sized by the chunk
  private int columns;
  private int capColumns;
  private int capLayers;
  private int[] colFrame = new int[0];
  /** Per frame: first layer s, end e (layers s..e-1), offset in aIdx, |A|, offset of its codes in zs (-1: dense). */
  private int[] frames = new int[0];
  private int nFrames;
  private int[] aIdx = new int[0];
  private int aTop;
  private int zTop;
  private int zEnd;
  private long allocated;

  // counts, flushed to KernelStatistics once per call
  private long fullLayers;
  private long screenedLayers;
  private long backwardLayers;

  SupportPath(int p) {
    this.p = p;
    this.maxActive = Math.max(1, Math.min(p, Math.max(16, p / 4)));
  }

  /** The scratch that depends on p only, on first use. */
  private void allocate() {
    acc = new double[p];
    cc = new double[p];
    zfull = new double[p];
    sIdx = new int[p];
    sVal = new double[p];
    nIdx = new int[p];
    nVal = new double[p];
    zRef = new double[p];
    zCur = new double[p];
    zNext = new double[p];
    zLow = new double[p];
    tmpA = new int[p];
    int c = maxActive;
    gaa = new double[c][c];
    paa = new double[c][c];
    ccA = new double[c];
    aA = new double[c];
    aNext = new double[c];
    pos = new int[c];
    touched = new boolean[c];
    pcols = p <= COLUMN_P_MAX ? new double[p][p] : null;
    allocated += 8L * 10 * p + 4L * 3 * p + 16L * c * c + 8L * 3 * c + 5L * c + (pcols == null ? 0 : 8L * p * p);
  }

  /** Points the path at a dictionary and encoder; drops the stored frames. */
  void retarget(DictionaryOperator newOp, Threshold th, ThresholdKind kind) {
    if (newOp != op) {
      this.op = newOp;
      this.gcols = null;
    }
    this.threshold = th;
    this.soft = kind == ThresholdKind.SOFT;
    this.columns = 0;
  }

  /** The bytes this path has allocated. */
  long allocated() {
    return allocated;
  }

  /** Forgets the stored frames. */
  void clear() {
    columns = 0;
  }

  /** Makes room for the frames of a chunk of {@code b} columns and T layers. */
  void ensure(int b, int T) {
    if (acc == null) {
      allocate();
    }
    if (b <= capColumns && T <= capLayers) {
      return;
    }
    int cb = Math.max(b, capColumns);
    int ct = Math.max(T, capLayers);
    long frameInts = 5L * ct * cb;
    // every layer full with every entry active fits when T p is small; else about 4 (T + p) per column
    long aInts = cb * Math.min((long) ct * p, 4L * (ct + p) + 2048);
    long before = 4L * ((long) colFrame.length + frames.length + aIdx.length);
    colFrame = new int[cb + 1];
    frames = new int[(int) Math.min(Integer.MAX_VALUE - 8, frameInts)];
    aIdx = new int[(int) Math.min(Integer.MAX_VALUE - 8, aInts)];
    allocated += 4L * ((long) colFrame.length + frames.length + aIdx.length) - before;
    capColumns = cb;
    capLayers = ct;
  }

  /**
   * Runs layers {@code from .. T-1} of the {@code b} columns on their supports.
   *
   * @param c        {@code C = alpha D^T X}, p x b from 0; not modified
   * @param zs       the codes: {@code Z_from} is read at {@code inOff}; codes are written as below
   * @param outAll   write every {@code Z_{t+1}} densely at {@code t p b} (the backward then reads
   *                 them there); otherwise only {@code Z_T} at {@code lastOff}
   * @param store    keep the frames for {@link #backward}; without {@code outAll} their codes go to
   *                 {@code zs[valuesOff, valuesEnd)}
   * @return false when the frames did not fit (nothing stored; the caller runs these layers by GEMM)
   */
  boolean forward(int from, int T, int b, double[] c, double[] zs, int inOff, boolean outAll, int lastOff,
      boolean store, int valuesOff, int valuesEnd) {
    if (gcols == null) {
      gcols = op.gColumns();
      mu = op.offDiagonalBound();
      gmax = op.maxAbs();
    }
    ensure(b, T);
    nFrames = 0;
    aTop = 0;
    zTop = valuesOff;
    zEnd = valuesEnd;
    columns = 0;
    for (int col = 0; col < b; col++) {
      if (!store) {
        nFrames = 0;
        aTop = 0;
      }
      colFrame[col] = nFrames;
      if (!forwardColumn(col, from, T, b, c, zs, inOff, outAll, lastOff, store && !outAll)) {
        fullLayers = 0;
        screenedLayers = 0;
        return false;
      }
    }
    colFrame[b] = nFrames;
    columns = store ? b : 0;
    KernelStatistics.add(KernelStatistics.Counter.FORWARD_SUPPORT, fullLayers);
    KernelStatistics.add(KernelStatistics.Counter.FORWARD_SCREENED, screenedLayers);
    fullLayers = 0;
    screenedLayers = 0;
    return true;
  }

  private boolean forwardColumn(int col, int from, int T, int b, double[] c, double[] zs, int inOff, boolean outAll,
      int lastOff, boolean values) {
    int pc = col * p;
    double ccMax = 0;
    for (int i = 0; i < p; i++) {
      double x = c[pc + i];
      cc[i] = x;
      double a = Math.abs(x);
      if (!(a <= ccMax)) {
        ccMax = a;
      }
    }
    int k = 0;
    int in = inOff + pc;
    for (int i = 0; i < p; i++) {
      double z = zs[in + i];
      if (z != 0) {
        sIdx[k] = i;
        sVal[k++] = z;
      }
    }
    // the open frame
    int frame = -1;
    int n = 0;
    int aOff = 0;
    double offMax = 0;
    double refNorm = 0;
    boolean screenable = false;
    boolean gathered = false;
    for (int t = from; t < T; t++) {
      double th = threshold.level(t);
      boolean screen = false;
      if (screenable) {
        double delta = 0;
        double norm = 0;
        for (int i = 0; i < n; i++) {
          double z = zCur[i];
          delta += Math.abs(z - zRef[i]);
          norm += Math.abs(z);
        }
        double slack = 2 * (p + 4) * EPS * (2 * ccMax + gmax * (refNorm + norm));
        double bound = (offMax + mu * delta + slack) * (1 + 1e-12);
        screen = bound < th;
      }
      if (screen) {
        if (!gathered) {
          gather(aOff, n);
          for (int i = 0; i < n; i++) {
            ccA[i] = cc[aIdx[aOff + i]];
          }
          gathered = true;
        }
        if (values && zTop + n > zEnd) {
          return false;
        }
        k = screenedLayer(aOff, n, th);
        double[] swap = zNextSwap(n);
        if (values) {
          System.arraycopy(swap, 0, zs, zTop, n);
          zTop += n;
        }
        frames[5 * frame + 1] = t + 1;
        screenedLayers++;
      } else {
        // a full layer opens a new frame
        if (5 * (nFrames + 1) > frames.length || aTop + p > aIdx.length) {
          return false;
        }
        frame = nFrames++;
        aOff = aTop;
        n = fullLayer(k, th);
        k = newSupport;
        if (values && zTop + 2 * n > zEnd) {
          return false;
        }
        System.arraycopy(tmpA, 0, aIdx, aOff, n);
        aTop += n;
        int f = 5 * frame;
        frames[f] = t;
        frames[f + 1] = t + 1;
        frames[f + 2] = aOff;
        frames[f + 3] = n;
        frames[f + 4] = values ? zTop : -1;
        if (values) {
          System.arraycopy(zRef, 0, zs, zTop, n);
          System.arraycopy(zCur, 0, zs, zTop + n, n);
          zTop += 2 * n;
        }
        offMax = lastOffMax;
        refNorm = 0;
        for (int i = 0; i < n; i++) {
          refNorm += Math.abs(zRef[i]);
        }
        screenable = n <= maxActive && Double.isFinite(offMax);
        gathered = false;
        fullLayers++;
      }
      // the support of z_{t+1} (in nIdx/nVal) is the input of the next layer
      System.arraycopy(nIdx, 0, sIdx, 0, k);
      System.arraycopy(nVal, 0, sVal, 0, k);
      if (outAll || t == T - 1) {
        int o = (outAll ? t * p * b : lastOff) + pc;
        Arrays.fill(zs, o, o + p, 0.0);
        for (int q = 0; q < k; q++) {
          zs[o + sIdx[q]] = sVal[q];
        }
      }
    }
    return true;
  }

  /** Moves the screened layer's output into zCur and returns it. */
  private double[] zNextSwap(int n) {
    System.arraycopy(zNext, 0, zCur, 0, n);
    return zCur;
  }

  /** The support size {@link #fullLayer} found. */
  private int newSupport;
  /** The largest |v| off the active set of the last {@link #fullLayer}. */
  private double lastOffMax;

  /**
   * A full layer on the input support {@code sIdx/sVal[0..k)}: every entry of v; the new support
   * into {@code nIdx/nVal} ({@link #newSupport} entries), the active set into {@code tmpA}, the input
   * and output codes on it into {@code zRef} and {@code zCur}. Returns |A|.
   */
  private int fullLayer(int k, double th) {
    double[] a = acc;
    Arrays.fill(a, 0.0);
    int q = 0;
    for (; q + 4 <= k; q += 4) {
      double[] g0 = gcols[sIdx[q]];
      double[] g1 = gcols[sIdx[q + 1]];
      double[] g2 = gcols[sIdx[q + 2]];
      double[] g3 = gcols[sIdx[q + 3]];
      double z0 = sVal[q];
      double z1 = sVal[q + 1];
      double z2 = sVal[q + 2];
      double z3 = sVal[q + 3];
      for (int i = 0; i < p; i++) {
        a[i] = Math.fma(z3, g3[i], Math.fma(z2, g2[i], Math.fma(z1, g1[i], Math.fma(z0, g0[i], a[i]))));
      }
    }
    for (; q < k; q++) {
      double[] g0 = gcols[sIdx[q]];
      double z0 = sVal[q];
      for (int i = 0; i < p; i++) {
        a[i] = Math.fma(z0, g0[i], a[i]);
      }
    }
    for (q = 0; q < k; q++) {
      zfull[sIdx[q]] = sVal[q];
    }
    double level = RHO * th;
    double off = 0;
    int n = 0;
    int kk = 0;
    for (int i = 0; i < p; i++) {
      double v = cc[i] + a[i];
      double av = Math.abs(v);
      double z = soft ? (av - th > 0 ? Math.copySign(av - th, v) : 0.0) : (av >= th ? v : 0.0);
      double old = zfull[i];
      if (old != 0 || av > level) {
        tmpA[n] = i;
        zRef[n] = old;
        zCur[n++] = z;
      } else if (!(av <= off)) {
        off = av;
      }
      if (z != 0) {
        nIdx[kk] = i;
        nVal[kk++] = z;
      }
    }
    for (q = 0; q < k; q++) {
      zfull[sIdx[q]] = 0;
    }
    newSupport = kk;
    lastOffMax = off;
    return n;
  }

  /**
   * A screened layer: {@code v[A] = c[A] + G[A, A] z[A]} from {@code zCur}, the output on A into
   * {@code zNext}, its support into {@code nIdx/nVal}. Returns the support size.
   */
  private int screenedLayer(int aOff, int n, double th) {
    double[] a = acc;
    Arrays.fill(a, 0, n, 0.0);
    int nz = 0;
    for (int j = 0; j < n; j++) {
      if (zCur[j] != 0) {
        pos[nz++] = j;
      }
    }
    int q = 0;
    for (; q + 4 <= nz; q += 4) {
      int j0 = pos[q];
      int j1 = pos[q + 1];
      int j2 = pos[q + 2];
      int j3 = pos[q + 3];
      double[] g0 = gaa[j0];
      double[] g1 = gaa[j1];
      double[] g2 = gaa[j2];
      double[] g3 = gaa[j3];
      double z0 = zCur[j0];
      double z1 = zCur[j1];
      double z2 = zCur[j2];
      double z3 = zCur[j3];
      for (int i = 0; i < n; i++) {
        a[i] = Math.fma(z3, g3[i], Math.fma(z2, g2[i], Math.fma(z1, g1[i], Math.fma(z0, g0[i], a[i]))));
      }
    }
    for (; q < nz; q++) {
      int j0 = pos[q];
      double[] g0 = gaa[j0];
      double z0 = zCur[j0];
      for (int i = 0; i < n; i++) {
        a[i] = Math.fma(z0, g0[i], a[i]);
      }
    }
    int kk = 0;
    for (int i = 0; i < n; i++) {
      double v = ccA[i] + a[i];
      double av = Math.abs(v);
      double z = soft ? (av - th > 0 ? Math.copySign(av - th, v) : 0.0) : (av >= th ? v : 0.0);
      zNext[i] = z;
      if (z != 0) {
        nIdx[kk] = aIdx[aOff + i];
        nVal[kk++] = z;
      }
    }
    return kk;
  }

  /** Copies {@code G[A, A]} into {@code gaa} (column j of the copy is column {@code A_j} of G on A). */
  private void gather(int aOff, int n) {
    for (int j = 0; j < n; j++) {
      double[] col = gcols[aIdx[aOff + j]];
      double[] dst = gaa[j];
      for (int i = 0; i < n; i++) {
        dst[i] = col[aIdx[aOff + i]];
      }
    }
  }

  /** Whether the frames of a forward pass of {@code b} columns are stored. */
  boolean stored(int b) {
    return columns == b && b > 0;
  }

  /**
   * The backward of layers {@code top-1 .. from} of every column, from {@code a = A_top} (p x b,
   * read on the supports): adds {@code sum_t B_t} to {@code q} (p x b), keeps
   * {@code sum_t Z_t B_t^T} for {@link #addP}, and leaves {@code A_from} on the support of
   * {@code Z_from} in {@code a}.
   *
   * @param zs the dense codes the forward pass wrote (and, in a training chunk, its frames' codes)
   * @param b  the chunk width, as in the forward pass
   */
  void backward(int top, int b, double[] zs, double[] a, double[] q) {
    pDirty = true;
    for (int col = 0; col < b; col++) {
      backwardColumn(col, top, b, zs, a, q);
    }
    KernelStatistics.add(KernelStatistics.Counter.BACKWARD_SUPPORT, backwardLayers);
    backwardLayers = 0;
  }

  /**
   * Adds the share of P that {@link #backward} accumulated by columns since the last call into
   * {@code pm} (p x p column-major) and clears it.
   */
  void addP(double[] pm) {
    if (!pDirty || pcols == null) {
      pDirty = false;
      return;
    }
    for (int j = 0; j < p; j++) {
      double[] pc = pcols[j];
      int o = j * p;
      for (int i = 0; i < p; i++) {
        pm[o + i] += pc[i];
      }
      Arrays.fill(pc, 0.0);
    }
    pDirty = false;
  }

  /** The pm array that {@link #backward} adds to in place (its direct and local modes). */
  private double[] pmDirect;

  /** Sets the p x p array the scalar modes of {@link #backward} add P to. */
  void directP(double[] pm) {
    this.pmDirect = pm;
  }

  private void backwardColumn(int col, int top, int b, double[] zs, double[] a, double[] q) {
    int ac = col * p;
    int first = colFrame[col];
    int f = colFrame[col + 1] - 1;
    while (f >= first && frames[5 * f] >= top) {
      f--;
    }
    for (; f >= first; f--) {
      int s = frames[5 * f];
      int hi = Math.min(frames[5 * f + 1], top);
      int n = frames[5 * f + 3];
      backwardLayers += hi - s;
      if (hi - s >= LOCAL_LAYERS && n <= maxActive) {
        backwardLocal(f, ac, hi, b, zs, a, q);
      } else if (pcols == null || SupportCostModel.backwardDirect(n) <= SupportCostModel.backwardVectorized(p, n)) {
        backwardDirect(f, ac, hi, b, zs, a, q);
      } else {
        backwardVectorized(f, ac, hi, b, zs, a, q);
      }
    }
  }

  /** {@code z_t} of frame f and column offset ac on its active set, into dst. */
  private void load(int f, int t, int ac, int b, double[] zs, double[] dst) {
    int s = frames[5 * f];
    int aOff = frames[5 * f + 2];
    int n = frames[5 * f + 3];
    int zOff = frames[5 * f + 4];
    if (zOff >= 0) {
      System.arraycopy(zs, zOff + (t - s) * n, dst, 0, n);
    } else {
      int o = (t - 1) * p * b + ac;
      for (int i = 0; i < n; i++) {
        dst[i] = zs[o + aIdx[aOff + i]];
      }
    }
  }

  /** Layers {@code hi-1 .. s} of frame f on local copies of {@code G[A, A]}, {@code P[A, A]}, {@code q[A]}. */
  private void backwardLocal(int f, int ac, int hi, int b, double[] zs, double[] a, double[] q) {
    int s = frames[5 * f];
    int aOff = frames[5 * f + 2];
    int n = frames[5 * f + 3];
    gather(aOff, n);
    double[] av = aA;
    double[] nextA = aNext;
    double[] qa = ccA;
    for (int i = 0; i < n; i++) {
      av[i] = a[ac + aIdx[aOff + i]];
      qa[i] = 0;
      touched[i] = false;
    }
    double[] zHigh = zNext;
    load(f, hi, ac, b, zs, zHigh);
    for (int t = hi - 1; t >= s; t--) {
      load(f, t, ac, b, zs, zLow);
      int nb = 0;
      for (int i = 0; i < n; i++) {
        if (zHigh[i] != 0) {
          qa[i] += av[i];
          pos[nb++] = i;
        }
      }
      Arrays.fill(nextA, 0, n, 0.0);
      for (int r = 0; r < nb; r++) {
        int j = pos[r];
        double bj = av[j];
        double[] gj = gaa[j];
        double[] pj = paa[j];
        if (!touched[j]) {
          Arrays.fill(pj, 0, n, 0.0);
          touched[j] = true;
        }
        for (int i = 0; i < n; i++) {
          pj[i] = Math.fma(bj, zLow[i], pj[i]);
          nextA[i] = Math.fma(bj, gj[i], nextA[i]);
        }
      }
      double[] swap = av;
      av = nextA;
      nextA = swap;
      System.arraycopy(zLow, 0, zHigh, 0, n);
    }
    double[] pm = pmDirect;
    for (int j = 0; j < n; j++) {
      int gj = aIdx[aOff + j];
      q[ac + gj] += qa[j];
      a[ac + gj] = av[j];
      if (touched[j]) {
        double[] pj = paa[j];
        int o = gj * p;
        for (int i = 0; i < n; i++) {
          pm[o + aIdx[aOff + i]] += pj[i];
        }
      }
    }
  }

  /** Layers {@code hi-1 .. s} of frame f in place: {@code 4 |S_t| |S_{t+1}|} scalar flops each. */
  private void backwardDirect(int f, int ac, int hi, int b, double[] zs, double[] a, double[] q) {
    int s = frames[5 * f];
    int aOff = frames[5 * f + 2];
    int n = frames[5 * f + 3];
    double[] pm = pmDirect;
    double[] zHigh = zNext;
    load(f, hi, ac, b, zs, zHigh);
    for (int t = hi - 1; t >= s; t--) {
      load(f, t, ac, b, zs, zLow);
      int nb = 0;
      int nz = 0;
      for (int i = 0; i < n; i++) {
        int gi = aIdx[aOff + i];
        if (zHigh[i] != 0) {
          double bi = a[ac + gi];
          q[ac + gi] += bi;
          nIdx[nb] = gi;
          nVal[nb++] = bi;
        }
        double z = zLow[i];
        if (z != 0) {
          sIdx[nz] = gi;
          sVal[nz] = z;
          acc[nz++] = 0;
        }
      }
      for (int r = 0; r < nb; r++) {
        int j = nIdx[r];
        double bj = nVal[r];
        double[] gj = gcols[j];
        int o = j * p;
        for (int i = 0; i < nz; i++) {
          int gi = sIdx[i];
          acc[i] = Math.fma(bj, gj[gi], acc[i]);
          pm[o + gi] = Math.fma(sVal[i], bj, pm[o + gi]);
        }
      }
      for (int i = 0; i < nz; i++) {
        a[ac + sIdx[i]] = acc[i];
      }
      System.arraycopy(zLow, 0, zHigh, 0, n);
    }
  }

  /**
   * Layers {@code hi-1 .. s} of frame f by whole columns: {@code a_t = sum_j b_j G[:, j]} and
   * {@code P[:, j] += b_j z_t}, {@code 4 p |S_{t+1}|} vectorized flops each.
   */
  private void backwardVectorized(int f, int ac, int hi, int b, double[] zs, double[] a, double[] q) {
    int s = frames[5 * f];
    int aOff = frames[5 * f + 2];
    int n = frames[5 * f + 3];
    double[] zHigh = zNext;
    load(f, hi, ac, b, zs, zHigh);
    for (int t = hi - 1; t >= s; t--) {
      load(f, t, ac, b, zs, zLow);
      int nb = 0;
      for (int i = 0; i < n; i++) {
        int gi = aIdx[aOff + i];
        if (zHigh[i] != 0) {
          double bi = a[ac + gi];
          q[ac + gi] += bi;
          nIdx[nb] = gi;
          nVal[nb++] = bi;
        }
        zfull[gi] = zLow[i];
      }
      Arrays.fill(acc, 0.0);
      for (int r = 0; r < nb; r++) {
        double bj = nVal[r];
        double[] gj = gcols[nIdx[r]];
        double[] pj = pcols[nIdx[r]];
        for (int i = 0; i < p; i++) {
          acc[i] = Math.fma(bj, gj[i], acc[i]);
          pj[i] = Math.fma(zfull[i], bj, pj[i]);
        }
      }
      for (int i = 0; i < n; i++) {
        int gi = aIdx[aOff + i];
        a[ac + gi] = acc[gi];
        zfull[gi] = 0;
      }
      System.arraycopy(zLow, 0, zHigh, 0, n);
    }
  }
}
