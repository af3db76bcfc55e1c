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
  private double[][] puu;
  private boolean[] touched;
  private double[] aU;
  private double[] aNext;
  private double[] qU;
  private double[] zHigh;
  private double[] zLow;
  private int[] nzPos;
  private int[] sIdx;
  private double[] sVal;
  private int[] bIdx;
  private double[] bVal;
  private double[] acc;
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
    puu = new double[maxU][maxU];
    touched = new boolean[maxU];
    aU = new double[maxU];
    aNext = new double[maxU];
    qU = new double[maxU];
    zHigh = new double[maxU];
    zLow = new double[maxU];
    nzPos = new int[maxU];
    sIdx = new int[p];
    sVal = new double[p];
    bIdx = new int[p];
    bVal = new double[p];
    acc = new double[p];
    allocated = 4L * 2 * p + 16L * maxU * maxU + maxU + 8L * 5 * maxU + 4L * maxU + 4L * 2 * p + 8L * 3 * p;
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
    ensure();
    if (path.operator() != op) {
      op = path.operator();
      gcols = op.gColumns();
    }
    for (int col = 0; col < b; col++) {
      column(col, top, b, zs, a, q, pm);
    }
    KernelStatistics.add(KernelStatistics.Counter.BACKWARD_SUPPORT, layers);
    layers = 0;
  }

  private void column(int col, int top, int b, double[] zs, double[] a, double[] q, double[] pm) {
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
        pairs(f, t, ac, b, zs, a, q, pm);
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
      run(f, t, lo, nu, ac, b, zs, a, q, pm);
      layers += t - lo + 1;
      clearU(nu);
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

  /** Layers {@code hi .. lo} on local copies over U (the frame f holds layer hi). */
  private void run(int f, int hi, int lo, int nu, int ac, int b, double[] zs, double[] a, double[] q, double[] pm) {
    for (int j = 0; j < nu; j++) {
      double[] col = gcols[u[j]];
      double[] dst = guu[j];
      for (int i = 0; i < nu; i++) {
        dst[i] = col[u[i]];
      }
      aU[j] = a[ac + u[j]];
      qU[j] = 0;
      touched[j] = false;
    }
    double[] av = aU;
    double[] next = aNext;
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
          qU[i] += av[i];
          nzPos[nb++] = i;
        }
      }
      Arrays.fill(next, 0, nu, 0.0);
      for (int r = 0; r < nb; r++) {
        int j = nzPos[r];
        double bj = av[j];
        double[] gj = guu[j];
        double[] pj = puu[j];
        if (!touched[j]) {
          Arrays.fill(pj, 0, nu, 0.0);
          touched[j] = true;
        }
        for (int i = 0; i < nu; i++) {
          pj[i] = Math.fma(bj, zLow[i], pj[i]);
          next[i] = Math.fma(bj, gj[i], next[i]);
        }
      }
      double[] swap = av;
      av = next;
      next = swap;
      double[] zs2 = zHigh;
      zHigh = zLow;
      zLow = zs2;
    }
    for (int j = 0; j < nu; j++) {
      int gj = u[j];
      q[ac + gj] += qU[j];
      a[ac + gj] = av[j];
      if (touched[j]) {
        double[] pj = puu[j];
        int o = gj * p;
        for (int i = 0; i < nu; i++) {
          pm[o + u[i]] += pj[i];
        }
      }
    }
    aU = av;
    aNext = next;
  }

  /** Layer t in place on pairs of support entries: {@code 4 |S_t| |S_{t+1}|} scalar flops. */
  private void pairs(int f, int t, int ac, int b, double[] zs, double[] a, double[] q, double[] pm) {
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
        sVal[nz] = z0;
        acc[nz++] = 0;
      }
    }
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
