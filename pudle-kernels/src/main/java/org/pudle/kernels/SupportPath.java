package org.pudle.kernels;

import java.util.Arrays;

/**
 * The forward pass of the layers of {@link UnfoldedIstaCpu} that run column by column on the
 * supports of the codes (docs/math.md#layers-on-the-supports): layers {@code from .. T-1} of a
 * chunk, after the GEMM layers. Exact: the same numbers as the GEMMs, to rounding.
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
 * <p>The backward pass of these layers is {@link SupportBackward}'s, from the stored frames.
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
  private int[] tmpA;

  // frame-local scratch, maxActive each
  private double[][] gaa;
  private double[] ccA;
  private int[] pos;

  // the frames of the last forward pass, sized by the chunk
  private final SupportFrames st = new SupportFrames();
  /** The codes of the call running; the frames' codes go from their {@code top}. */
  private ChunkCodes codes;
  private long allocated;

  // counts, flushed to KernelStatistics once per call
  private long fullLayers;
  private long screenedLayers;

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
    tmpA = new int[p];
    int c = maxActive;
    gaa = new double[c][c];
    ccA = new double[c];
    pos = new int[c];
    allocated += 8L * 9 * p + 4L * 3 * p + 8L * c * c + 8L * c + 4L * c;
  }

  /** Points the path at a dictionary and encoder; drops the stored frames. */
  void retarget(DictionaryOperator newOp, Threshold th, ThresholdKind kind) {
    if (newOp != op) {
      this.op = newOp;
      this.gcols = null;
    }
    this.threshold = th;
    this.soft = kind == ThresholdKind.SOFT;
    st.nFrames = 0;
  }

  /** The bytes this path has allocated. */
  long allocated() {
    return allocated + st.allocated();
  }

  /** Forgets the stored frames. */
  void clear() {
    st.nFrames = 0;
  }

  /** Makes room for the frames of a chunk of {@code b} columns and T layers. */
  void ensure(int b, int T) {
    if (acc == null) {
      allocate();
    }
    st.ensure(b, T, p);
  }

  /**
   * Runs layers {@code from .. T-1} of the {@code b} columns on their supports.
   *
   * @param c        {@code C = alpha D^T X}, p x b from 0; not modified
   * @param codes    the codes: {@code Z_from} is read at {@code inOff}; codes are written as below
   * @param outAll   write every {@code Z_{t+1}} densely at {@code t p b} (the backward then reads
   *                 them there); otherwise only {@code Z_T} at {@code lastOff}
   * @param store    keep the frames for {@link #backward}; without {@code outAll} their codes go to
   *                 {@code valuesOff} on, their room grown (to at most {@code valuesMax} entries)
   *                 when they need more ({@link ChunkCodes#room})
   * @return false when the frames did not fit (nothing stored; the caller runs these layers by GEMM)
   */
  boolean forward(int from, int T, int b, double[] c, ChunkCodes codes, int inOff, boolean outAll, int lastOff,
      boolean store, int valuesOff, int valuesMax) {
    if (gcols == null) {
      gcols = op.gColumns();
      mu = op.offDiagonalBound();
      gmax = op.maxAbs();
    }
    ensure(b, T);
    st.nFrames = 0;
    st.aTop = 0;
    this.codes = codes;
    codes.top = valuesOff;
    codes.max = valuesMax;
    for (int col = 0; col < b; col++) {
      if (!store) {
        st.nFrames = 0;
        st.aTop = 0;
      }
      st.colFrame[col] = st.nFrames;
      if (!forwardColumn(col, from, T, b, c, inOff, outAll, lastOff, store && !outAll)) {
        fullLayers = 0;
        screenedLayers = 0;
        return false;
      }
    }
    st.colFrame[b] = st.nFrames;
    KernelStatistics.add(KernelStatistics.Counter.FORWARD_SUPPORT, fullLayers);
    KernelStatistics.add(KernelStatistics.Counter.FORWARD_SCREENED, screenedLayers);
    fullLayers = 0;
    screenedLayers = 0;
    return true;
  }

  // the column being run and its open frame
  private double ccMax;
  private int frame;
  private int openSize;
  private int openOff;
  private double offMax;
  private double refNorm;
  private boolean screenable;
  private boolean gathered;

  private boolean forwardColumn(int col, int from, int T, int b, double[] c, int inOff, boolean outAll,
      int lastOff, boolean values) {
    int pc = col * p;
    int k = loadColumn(pc, c, inOff);
    frame = -1;
    openSize = 0;
    openOff = 0;
    screenable = false;
    gathered = false;
    for (int t = from; t < T; t++) {
      double th = threshold.level(t);
      k = screenable && screenBound() < th ? screenedStep(t, th, values) : fullStep(t, k, th, values);
      if (k < 0) {
        return false;
      }
      // the support of z_{t+1} (in nIdx/nVal) is the input of the next layer
      System.arraycopy(nIdx, 0, sIdx, 0, k);
      System.arraycopy(nVal, 0, sVal, 0, k);
      if (outAll || t == T - 1) {
        int o = (outAll ? t * p * b : lastOff) + pc;
        double[] z = codes.z;
        Arrays.fill(z, o, o + p, 0.0);
        for (int q = 0; q < k; q++) {
          z[o + sIdx[q]] = sVal[q];
        }
      }
    }
    if (frame >= 0 && st.frames[5 * frame + 1] == st.frames[5 * frame] + 1) {
      compactLast(frame, values);
    }
    return true;
  }

  /** Reads column pc / p of C into cc (and its largest magnitude) and its input code's support; returns its size. */
  private int loadColumn(int pc, double[] c, int inOff) {
    ccMax = 0;
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
    double[] zs = codes.z;
    for (int i = 0; i < p; i++) {
      double z = zs[in + i];
      if (z != 0) {
        sIdx[k] = i;
        sVal[k++] = z;
      }
    }
    return k;
  }

  /** The bound on |v| off the open frame's active set for the current code zCur (see the class comment). */
  private double screenBound() {
    double delta = 0;
    double norm = 0;
    for (int i = 0; i < openSize; i++) {
      double z = zCur[i];
      delta += Math.abs(z - zRef[i]);
      norm += Math.abs(z);
    }
    double slack = 2 * (p + 4) * EPS * (2 * ccMax + gmax * (refNorm + norm));
    return (offMax + mu * delta + slack) * (1 + 1e-12);
  }

  /** Layer t screened in the open frame; returns the new support size, -1 when its codes do not fit. */
  private int screenedStep(int t, double th, boolean values) {
    int n = openSize;
    if (!gathered) {
      gather(openOff, n);
      for (int i = 0; i < n; i++) {
        ccA[i] = cc[st.aIdx[openOff + i]];
      }
      gathered = true;
    }
    if (values && !codes.room(n)) {
      return -1;
    }
    int k = screenedLayer(openOff, n, th);
    System.arraycopy(zNext, 0, zCur, 0, n);
    if (values) {
      System.arraycopy(zCur, 0, codes.z, codes.top, n);
      codes.top += n;
    }
    st.frames[5 * frame + 1] = t + 1;
    screenedLayers++;
    return k;
  }

  /**
   * Layer t full on the input support of size k, opening a new frame (a frame of one layer keeps
   * just its two supports); returns the new support size, -1 when the frame does not fit.
   */
  private int fullStep(int t, int k, double th, boolean values) {
    if (5 * (st.nFrames + 1) > st.frames.length) {
      return -1;
    }
    if (frame >= 0 && st.frames[5 * frame + 1] == st.frames[5 * frame] + 1) {
      compactLast(frame, values);
    }
    int n = fullLayer(k, th);
    if (st.aTop + n > st.aIdx.length || (values && !codes.room(2 * n))) {
      return -1;
    }
    frame = st.nFrames++;
    openOff = st.aTop;
    openSize = n;
    System.arraycopy(tmpA, 0, st.aIdx, openOff, n);
    st.aTop += n;
    int f = 5 * frame;
    st.frames[f] = t;
    st.frames[f + 1] = t + 1;
    st.frames[f + 2] = openOff;
    st.frames[f + 3] = n;
    st.frames[f + 4] = values ? codes.top : -1;
    if (values) {
      System.arraycopy(zRef, 0, codes.z, codes.top, n);
      System.arraycopy(zCur, 0, codes.z, codes.top + n, n);
      codes.top += 2 * n;
    }
    offMax = lastOffMax;
    refNorm = 0;
    for (int i = 0; i < n; i++) {
      refNorm += Math.abs(zRef[i]);
    }
    screenable = n <= maxActive && Double.isFinite(offMax);
    gathered = false;
    fullLayers++;
    return newSupport;
  }

  /**
   * Shrinks the active set of the last frame, of one layer, to the supports of its input and
   * output codes (the only entries its backward reads); it is the last one stored, so its indices
   * and codes move down in place.
   */
  private void compactLast(int frame, boolean values) {
    int end = st.compactLast(frame, values ? codes.z : null, zRef, zCur, acc, zNext);
    if (values) {
      codes.top = end;
    }
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
    // branch-free: every entry is written to the lists, which advance only when it belongs
    double level = RHO * th;
    double off = 0;
    int n = 0;
    int kk = 0;
    if (soft) {
      for (int i = 0; i < p; i++) {
        double v = cc[i] + a[i];
        double av = Math.abs(v);
        double d = av - th;
        double z = d > 0 ? Math.copySign(d, v) : 0.0;
        double old = zfull[i];
        boolean act = old != 0 | av > level;
        tmpA[n] = i;
        zRef[n] = old;
        zCur[n] = z;
        n += act ? 1 : 0;
        off = Math.max(off, act ? 0.0 : av);
        nIdx[kk] = i;
        nVal[kk] = z;
        kk += d > 0 ? 1 : 0;
      }
    } else {
      for (int i = 0; i < p; i++) {
        double v = cc[i] + a[i];
        double av = Math.abs(v);
        boolean keep = av >= th;
        double z = keep ? v : 0.0;
        double old = zfull[i];
        boolean act = old != 0 | av > level;
        tmpA[n] = i;
        zRef[n] = old;
        zCur[n] = z;
        n += act ? 1 : 0;
        off = Math.max(off, act ? 0.0 : av);
        nIdx[kk] = i;
        nVal[kk] = z;
        kk += keep ? 1 : 0;
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
      nIdx[kk] = st.aIdx[aOff + i];
      nVal[kk] = z;
      kk += z != 0 ? 1 : 0;
    }
    return kk;
  }

  /** Copies {@code G[A, A]} into {@code gaa} (column j of the copy is column {@code A_j} of G on A). */
  private void gather(int aOff, int n) {
    for (int j = 0; j < n; j++) {
      double[] col = gcols[st.aIdx[aOff + j]];
      double[] dst = gaa[j];
      for (int i = 0; i < n; i++) {
        dst[i] = col[st.aIdx[aOff + i]];
      }
    }
  }

  // read access for SupportBackward

  int p() {
    return p;
  }

  DictionaryOperator operator() {
    return op;
  }

  /** The frames of the last stored forward pass. */
  SupportFrames frames() {
    return st;
  }
}
