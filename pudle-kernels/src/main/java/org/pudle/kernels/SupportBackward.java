package org.pudle.kernels;

import java.util.Arrays;

/**
 * The backward pass of the layers that {@link SupportPath} ran on the supports
 * (docs/math.md#layers-on-the-supports), column by column from the stored frames. Exact, like the
 * GEMMs, to rounding.
 *
 * <p>For layer t, {@code b_t = a_{t+1} .* 1{z_{t+1} != 0}} lives on {@code S_{t+1}}, {@code a_t} is
 * only read on {@code S_t} (the next layer masks it), {@code P += z_t b_t^T} touches
 * {@code P[S_t, S_{t+1}]} and {@code q += b_t} touches {@code S_{t+1}}. So a run of layers
 * {@code lo .. hi} whose supports all lie in one set U (in the converged layers the supports
 * barely move) works on local copies: {@code G[U, U]} copied once, then per layer
 * {@code a[U] = G[U, U] b[U]} and {@code P[U, U] += z_t[U] b[U]^T} by vectorized multiply-adds
 * ({@code 4 |U| |S_{t+1}|} flops), and {@code P[U, U]}, {@code q[U]}, {@code a[U]} go back once.
 * Runs are grown downwards while the next layer's support adds few entries to U. A layer whose
 * supports do not fit the local copies runs on pairs of support entries in place.
 *
 * <p>Scratch is sized by p alone. Not thread-safe.
 */
final class SupportBackward {
  private final SupportPath path;
  private final SupportFrames frames;
  private final int p;
  /** The largest U of a run. */
  private final int maxU;
  private double[][] gcols;
  private DictionaryOperator op;

  private int[] posInU;
  private int[] u;
  private double[][] guu;
  /** Per right-hand side r: the local P[U, U], its touched columns, a[U], the next a[U], q[U]. */
  private double[][][] puu;
  private boolean[][] touched;
  private double[][] aU;
  private double[][] aNext;
  private double[][] qU;
  private double[] zHigh;
  private double[] zLow;
  private int[] nzPos;
  private int[] sIdx;
  private double[] sVal;
  private int[] bIdx;
  private double[] bVal;
  private double[] acc;
  private double[] zDense;
  private long allocated;
  private long layers;

  SupportBackward(SupportPath path) {
    this.path = path;
    this.frames = path.frames();
    this.p = path.p();
    this.maxU = Math.max(1, Math.min(p, Math.max(64, p / 2)));
  }

  long allocated() {
    return allocated;
  }

  private void allocate() {
    posInU = new int[p];
    Arrays.fill(posInU, -1);
    u = new int[p];
    guu = new double[maxU][maxU];
    puu = new double[MAX_RHS][maxU][maxU];
    touched = new boolean[MAX_RHS][maxU];
    aU = new double[MAX_RHS][maxU];
    aNext = new double[MAX_RHS][maxU];
    qU = new double[MAX_RHS][maxU];
    zHigh = new double[maxU];
    zLow = new double[maxU];
    nzPos = new int[maxU];
    sIdx = new int[p];
    sVal = new double[p];
    bIdx = new int[p];
    bVal = new double[p];
    acc = new double[p];
    allocated = 4L * 2 * p + 8L * (1 + MAX_RHS) * maxU * maxU + (long) MAX_RHS * maxU + 8L * (2 + 3 * MAX_RHS) * maxU
        + 4L * maxU + 4L * 2 * p + 8L * 3 * p;
  }

  /** Allocates the scratch (sized by p) on first use. */
  void ensure() {
    if (posInU == null) {
      allocate();
    }
  }

  /**
   * The backward of layers {@code top-1 .. from} of every column of the last stored forward pass,
   * from {@code a = A_top} (p x b, read on the supports): adds {@code sum_t B_t} to {@code q}
   * (p x b) and {@code sum_t Z_t B_t^T} to {@code pm} (p x p), and leaves {@code A_from} on the
   * support of {@code Z_from} in {@code a}.
   *
   * @param zs the dense codes of the forward pass (and a training chunk's frame codes)
   */
  void backward(int top, int b, double[] zs, double[] a, double[] q, double[] pm) {
    backward(top, b, zs, 1, new double[][] {a}, new double[][] {q}, new double[][] {pm});
  }

  /** The most right-hand sides of one {@link #backward(int, int, double[], int, double[][], double[][], double[][])}. */
  static final int MAX_RHS = 2;

  /**
   * {@link #backward(int, int, double[], double[], double[], double[])} for {@code nr} adjoints
   * {@code a[r]} at once (the study's {@code g_ae-ls} and {@code g_ae-lasso} from one depth), each
   * with its own {@code q[r]} and {@code pm[r]}: the layers' supports, runs and local copies of G
   * are found and made once for all of them, and every sum is the one a separate call gives, to
   * the bit.
   */
  void backward(int top, int b, double[] zs, int nr, double[][] a, double[][] q, double[][] pm) {
    if (nr < 1 || nr > MAX_RHS) {
      throw new IllegalArgumentException("right-hand sides: expected 1 to " + MAX_RHS + ", got " + nr);
    }
    ensure();
    if (path.operator() != op) {
      op = path.operator();
      gcols = op.gColumns();
    }
    for (int col = 0; col < b; col++) {
      column(col, top, b, zs, nr, a, q, pm);
    }
    // a layer per column and right-hand side, as the GEMM layers count theirs per pass
    KernelStatistics.add(KernelStatistics.Counter.BACKWARD_SUPPORT, layers * nr);
    layers = 0;
  }

  private void column(int col, int top, int b, double[] zs, int nr, double[][] a, double[][] q, double[][] pm) {
    int ac = col * p;
    int first = frames.firstFrame(col);
    int f = frames.firstFrame(col + 1) - 1;
    int from = frames.frameStart(first);
    // f: the frame holding layer t (so codes z_t and z_{t+1})
    while (f > first && frames.frameStart(f) >= top) {
      f--;
    }
    int t = Math.min(top, frames.frameEnd(frames.firstFrame(col + 1) - 1)) - 1;
    while (t >= from) {
      while (frames.frameStart(f) > t) {
        f--;
      }
      // U = S_{t+1} + S_t, grown down while each layer adds few entries
      int nu = 0;
      nu = addSupport(f, t + 1, ac, b, zs, nu, Integer.MAX_VALUE);
      nu = addSupport(f, t, ac, b, zs, nu, Integer.MAX_VALUE);
      if (nu > maxU) {
        clearU(nu);
        for (int r = 0; r < nr; r++) {
          direct(f, t, ac, b, zs, a[r], q[r], pm[r]);
        }
        layers++;
        t--;
        continue;
      }
      int lo = t;
      int fl = f;
      while (lo - 1 >= from) {
        int fz = fl;
        while (frames.frameStart(fz) > lo - 1) {
          fz--;
        }
        int grown = addSupport(fz, lo - 1, ac, b, zs, nu, Math.min(maxU, nu + Math.max(2, nu / 8)));
        if (grown < 0) {
          break;
        }
        nu = grown;
        lo--;
        fl = fz;
      }
      if (lo == t) {
        // one layer: copying G[U, U] in and P[U, U] out would cost more than the layer itself
        clearU(nu);
        for (int r = 0; r < nr; r++) {
          direct(f, t, ac, b, zs, a[r], q[r], pm[r]);
        }
      } else {
        run(f, t, lo, nu, ac, b, zs, nr, a, q, pm);
        clearU(nu);
      }
      layers += t - lo + 1;
      t = lo - 1;
    }
  }

  /**
   * Adds the support of {@code z_x} (from frame f, which holds it) to U; returns the new size, or
   * -1 (U unchanged) when more than {@code limit} entries would result.
   */
  private int addSupport(int f, int x, int ac, int b, double[] zs, int nu, int limit) {
    int[] act = frames.activeSets();
    int aOff = frames.frameActive(f);
    int n = frames.frameSize(f);
    int s = frames.frameStart(f);
    int zOff = frames.frameCodes(f);
    int start = nu;
    int o = zOff >= 0 ? zOff + (x - s) * n : (x - 1) * p * b + ac;
    for (int i = 0; i < n; i++) {
      int g = act[aOff + i];
      double z = zOff >= 0 ? zs[o + i] : zs[o + g];
      if (z != 0 && posInU[g] < 0) {
        if (nu >= limit || nu >= p) {
          for (int r = start; r < nu; r++) {
            posInU[u[r]] = -1;
          }
          return -1;
        }
        posInU[g] = nu;
        u[nu++] = g;
      }
    }
    return nu;
  }

  private void clearU(int nu) {
    for (int r = 0; r < nu; r++) {
      posInU[u[r]] = -1;
    }
  }

  /** {@code z_x} on U into dst (zeros off its support). */
  private void load(int f, int x, int ac, int b, double[] zs, int nu, double[] dst) {
    Arrays.fill(dst, 0, nu, 0.0);
    int[] act = frames.activeSets();
    int aOff = frames.frameActive(f);
    int n = frames.frameSize(f);
    int s = frames.frameStart(f);
    int zOff = frames.frameCodes(f);
    int o = zOff >= 0 ? zOff + (x - s) * n : (x - 1) * p * b + ac;
    for (int i = 0; i < n; i++) {
      int g = act[aOff + i];
      double z = zOff >= 0 ? zs[o + i] : zs[o + g];
      if (z != 0) {
        dst[posInU[g]] = z;
      }
    }
  }

  /** Layers {@code hi .. lo} on local copies over U (the frame f holds layer hi), for every right-hand side. */
  private void run(int f, int hi, int lo, int nu, int ac, int b, double[] zs, int nr, double[][] a, double[][] q,
      double[][] pm) {
    for (int j = 0; j < nu; j++) {
      double[] col = gcols[u[j]];
      double[] dst = guu[j];
      for (int i = 0; i < nu; i++) {
        dst[i] = col[u[i]];
      }
    }
    for (int r = 0; r < nr; r++) {
      double[] ar = a[r];
      double[] av = aU[r];
      double[] qu = qU[r];
      boolean[] tr = touched[r];
      for (int j = 0; j < nu; j++) {
        av[j] = ar[ac + u[j]];
        qu[j] = 0;
        tr[j] = false;
      }
    }
    int fz = f;
    load(fz, hi + 1, ac, b, zs, nu, zHigh);
    for (int t = hi; t >= lo; t--) {
      while (frames.frameStart(fz) > t) {
        fz--;
      }
      load(fz, t, ac, b, zs, nu, zLow);
      int nb = 0;
      for (int i = 0; i < nu; i++) {
        if (zHigh[i] != 0) {
          nzPos[nb++] = i;
        }
      }
      for (int r = 0; r < nr; r++) {
        double[] av = aU[r];
        double[] next = aNext[r];
        double[] qu = qU[r];
        double[][] pr = puu[r];
        boolean[] tr = touched[r];
        for (int k = 0; k < nb; k++) {
          qu[nzPos[k]] += av[nzPos[k]];
        }
        Arrays.fill(next, 0, nu, 0.0);
        for (int k = 0; k < nb; k++) {
          int j = nzPos[k];
          double bj = av[j];
          double[] gj = guu[j];
          double[] pj = pr[j];
          tr[j] = true;
          for (int i = 0; i < nu; i++) {
            pj[i] = Math.fma(bj, zLow[i], pj[i]);
            next[i] = Math.fma(bj, gj[i], next[i]);
          }
        }
        aU[r] = next;
        aNext[r] = av;
      }
      double[] zs2 = zHigh;
      zHigh = zLow;
      zLow = zs2;
    }
    for (int r = 0; r < nr; r++) {
      double[] ar = a[r];
      double[] qr = q[r];
      double[] pmr = pm[r];
      double[] av = aU[r];
      double[] qu = qU[r];
      boolean[] tr = touched[r];
      for (int j = 0; j < nu; j++) {
        int gj = u[j];
        qr[ac + gj] += qu[j];
        ar[ac + gj] = av[j];
        if (tr[j]) {
          // back into P, leaving the local copy zero for the next run
          double[] pj = puu[r][j];
          int o = gj * p;
          for (int i = 0; i < nu; i++) {
            pmr[o + u[i]] += pj[i];
            pj[i] = 0;
          }
        }
      }
    }
  }

  /**
   * Layer t in place: {@code b_t} and {@code S_t} from the frame, then on pairs of support entries
   * when {@code S_t} is small and by whole columns of G when it is large ({@link #COLUMNS_FROM}).
   */
  private void direct(int f, int t, int ac, int b, double[] zs, double[] a, double[] q, double[] pm) {
    int[] act = frames.activeSets();
    int aOff = frames.frameActive(f);
    int n = frames.frameSize(f);
    int s = frames.frameStart(f);
    int zOff = frames.frameCodes(f);
    int o1 = zOff >= 0 ? zOff + (t + 1 - s) * n : t * p * b + ac;
    int o0 = zOff >= 0 ? zOff + (t - s) * n : (t - 1) * p * b + ac;
    int nb = 0;
    int nz = 0;
    for (int i = 0; i < n; i++) {
      int g = act[aOff + i];
      double z1 = zOff >= 0 ? zs[o1 + i] : zs[o1 + g];
      double z0 = zOff >= 0 ? zs[o0 + i] : zs[o0 + g];
      if (z1 != 0) {
        double bi = a[ac + g];
        q[ac + g] += bi;
        bIdx[nb] = g;
        bVal[nb++] = bi;
      }
      if (z0 != 0) {
        sIdx[nz] = g;
        sVal[nz++] = z0;
      }
    }
    if (nz * COLUMNS_FROM >= p) {
      columns(nb, nz, ac, a, pm);
    } else {
      pairs(nb, nz, ac, a, pm);
    }
  }

  /**
   * {@link #direct} runs a layer by whole columns when {@code |S_t| >= p / COLUMNS_FROM}: then one
   * indirect multiply-add per pair of support entries costs more than two contiguous, vectorized
   * ones per row of G for every entry of {@code S_{t+1}}. At the paper's Figure 6 size this path
   * and the pairs measured alike (bench/SupportBench, within this machine's spread); both are
   * cheaper than the local copies of a one-layer run (docs/performance.md).
   */
  static final int COLUMNS_FROM = 3;

  /**
   * By whole columns: {@code a = sum_{j in S_{t+1}} b_j G[:, j]} and {@code P[:, j] += z_t b_j}
   * over all p rows (zeros off {@code S_t}, so P changes only on it), by contiguous loops the JIT
   * vectorizes: {@code 4 p |S_{t+1}|} flops. {@code b_t} is in bIdx/bVal, {@code z_t} in sIdx/sVal.
   */
  private void columns(int nb, int nz, int ac, double[] a, double[] pm) {
    if (zDense == null) {
      zDense = new double[p];
      allocated += 8L * p;
    }
    double[] zd = zDense;
    for (int i = 0; i < nz; i++) {
      zd[sIdx[i]] = sVal[i];
    }
    double[] sum = acc;
    Arrays.fill(sum, 0, p, 0.0);
    for (int r = 0; r < nb; r++) {
      int j = bIdx[r];
      double bj = bVal[r];
      double[] gj = gcols[j];
      for (int i = 0; i < p; i++) {
        sum[i] = Math.fma(bj, gj[i], sum[i]);
      }
      int o = j * p;
      for (int i = 0; i < p; i++) {
        pm[o + i] = Math.fma(zd[i], bj, pm[o + i]);
      }
    }
    for (int i = 0; i < nz; i++) {
      int g = sIdx[i];
      a[ac + g] = sum[g];
      zd[g] = 0;
    }
  }

  /** On pairs of support entries: {@code 4 |S_t| |S_{t+1}|} scalar flops (inputs as {@link #columns}). */
  private void pairs(int nb, int nz, int ac, double[] a, double[] pm) {
    Arrays.fill(acc, 0, nz, 0.0);
    for (int r = 0; r < nb; r++) {
      int j = bIdx[r];
      double bj = bVal[r];
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
  }
}
