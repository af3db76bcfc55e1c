package org.pudle.kernels.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.pudle.kernels.Dictionaries;

/**
 * The generative model of docs/math.md#synthetic-data (paper appendix B.1, the authors' code):
 * <ul>
 *   <li>{@code D_tilde}: i.i.d. N(0, 1) entries, columns normalized to unit norm;
 *   <li>codes: {@code k} non-zeros on a support drawn uniformly without replacement, amplitudes
 *       Uniform(1, 2), signs by {@link SignMode};
 *   <li>{@code x = D_tilde z_tilde} plus optional i.i.d. N(0, noise^2) noise;
 *   <li>{@code D0 = D_tilde + tau_B B}, {@code B} i.i.d. N(0, 1/m), then unit-norm columns.
 * </ul>
 * Sample {@code i} is drawn from its own stream {@code (seed, i)}, so any range of samples can be
 * generated anywhere, and the same seed gives the same data whatever the partitioning.
 */
public final class SyntheticModel implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int m;
  private final int p;
  private final int k;
  private final long seed;
  private final SignMode sign;
  private final double noise;

  /**
   * @param noise the standard deviation of additive Gaussian noise; 0 for noiseless data
   */
  public SyntheticModel(int m, int p, int k, long seed, SignMode sign, double noise) {
    if (m < 1 || p < 1) {
      throw new IllegalArgumentException("m, p: expected positive dimensions, got m = " + m + ", p = " + p);
    }
    if (k < 1 || k > p) {
      throw new IllegalArgumentException("k: expected 1 <= k <= p = " + p + ", got " + k);
    }
    if (!(noise >= 0) || Double.isInfinite(noise)) {
      throw new IllegalArgumentException("noise: expected a non-negative standard deviation, got " + noise);
    }
    this.m = m;
    this.p = p;
    this.k = k;
    this.seed = seed;
    this.sign = sign;
    this.noise = noise;
  }

  public int m() {
    return m;
  }

  public int p() {
    return p;
  }

  public int k() {
    return k;
  }

  public long seed() {
    return seed;
  }

  /** The generating dictionary {@code D_tilde}, m x p column-major with unit-norm columns. */
  public double[] dictionaryTilde() {
    SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, Seeds.DICTIONARY, 0));
    double[] d = new double[m * p];
    for (int i = 0; i < d.length; i++) {
      d[i] = rng.nextGaussian();
    }
    Dictionaries.normalizeColumns(d, m, p);
    return d;
  }

  /**
   * The initial dictionary {@code D0 = normalize(D_tilde + tau_B B)}, {@code B ~ N(0, 1/m)}.
   *
   * @param dTilde the generating dictionary, not modified
   */
  public double[] initialDictionary(double[] dTilde, double tauB) {
    if (!(tauB >= 0) || Double.isInfinite(tauB)) {
      throw new IllegalArgumentException("init.tau: expected a non-negative value, got " + tauB);
    }
    SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, Seeds.PERTURBATION, 0));
    double scale = tauB / Math.sqrt(m);
    double[] d = new double[m * p];
    for (int i = 0; i < d.length; i++) {
      d[i] = dTilde[i] + scale * rng.nextGaussian();
    }
    Dictionaries.normalizeColumns(d, m, p);
    return d;
  }

  /**
   * Generates samples {@code first .. first+count-1}.
   *
   * @param dTilde    the generating dictionary (from {@link #dictionaryTilde()}), not modified
   * @param x         receives the samples, m x count column-major at {@code xOff}
   * @param support   receives the sorted supports, k per sample, or null
   * @param amplitude receives the signed amplitudes matching {@code support}, or null
   */
  public void generate(double[] dTilde, long first, int count, double[] x, int xOff, int[] support,
      double[] amplitude) {
    int[] s = new int[k];
    double[] a = new double[k];
    boolean[] taken = new boolean[p];
    for (int c = 0; c < count; c++) {
      SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, Seeds.SAMPLES, first + c));
      drawSupport(rng, s, taken);
      double sampleSign = sign == SignMode.PER_SAMPLE ? (rng.nextBoolean() ? 1.0 : -1.0) : 1.0;
      for (int j = 0; j < k; j++) {
        double amp = 1.0 + rng.nextDouble();
        if (sign == SignMode.PER_ENTRY && rng.nextBoolean()) {
          amp = -amp;
        }
        a[j] = sampleSign * amp;
      }
      int o = xOff + c * m;
      Arrays.fill(x, o, o + m, 0.0);
      for (int j = 0; j < k; j++) {
        int col = s[j] * m;
        double aj = a[j];
        for (int i = 0; i < m; i++) {
          x[o + i] += aj * dTilde[col + i];
        }
      }
      if (noise > 0) {
        for (int i = 0; i < m; i++) {
          x[o + i] += noise * rng.nextGaussian();
        }
      }
      if (support != null) {
        System.arraycopy(s, 0, support, c * k, k);
      }
      if (amplitude != null) {
        System.arraycopy(a, 0, amplitude, c * k, k);
      }
    }
  }

  /** Floyd's sampling of k distinct indices of [0, p), sorted. */
  private void drawSupport(SplittableRandom rng, int[] s, boolean[] taken) {
    int n = 0;
    for (int j = p - k; j < p; j++) {
      int t = rng.nextInt(j + 1);
      int pick = taken[t] ? j : t;
      taken[pick] = true;
      s[n++] = pick;
    }
    for (int j = 0; j < k; j++) {
      taken[s[j]] = false;
    }
    Arrays.sort(s);
  }

  /**
   * Writes the dense true codes of the samples described by {@code support}/{@code amplitude}
   * into {@code z} (p x count column-major), zeroing it first.
   */
  public void denseCodes(int[] support, double[] amplitude, int count, double[] z, int zOff) {
    Arrays.fill(z, zOff, zOff + p * count, 0.0);
    for (int c = 0; c < count; c++) {
      for (int j = 0; j < k; j++) {
        z[zOff + c * p + support[c * k + j]] = amplitude[c * k + j];
      }
    }
  }
}
