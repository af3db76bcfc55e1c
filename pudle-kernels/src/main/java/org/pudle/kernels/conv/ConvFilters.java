package org.pudle.kernels.conv;

import java.util.SplittableRandom;

import org.pudle.kernels.Dictionaries;
import org.pudle.kernels.data.Seeds;

/** Filter banks ({@code k^2 x channels}, column-major; see {@link ConvGeometry}). */
public final class ConvFilters {
  private ConvFilters() {}

  /** Stream of the initial filters. */
  static final long FILTERS = 0x46494C54L;

  /**
   * The authors' initialization: i.i.d. N(0, 1) taps, each filter scaled to unit Frobenius norm.
   */
  public static double[] random(int k, int channels, long seed) {
    double[] w = new double[k * k * channels];
    SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, FILTERS, 0));
    for (int i = 0; i < w.length; i++) {
      w[i] = rng.nextGaussian();
    }
    Dictionaries.normalizeColumns(w, k * k, channels);
    return w;
  }

  /**
   * {@code sigma_max(D)^2 = ||D^T D||_2} of the convolutional dictionary on images of geometry
   * {@code g}, by {@code iterations} power iterations from a seeded random code (a lower bound
   * that converges from below). ISTA converges for {@code alpha < 2 / sigma_max^2}.
   */
  public static double sigmaMaxSquared(double[] filters, ConvGeometry g, int iterations, long seed) {
    int cn = g.codeSize();
    double[] z = new double[cn];
    double[] img = new double[g.pixels()];
    double[] cols = new double[g.taps() * g.positions()];
    SplittableRandom rng = new SplittableRandom(seed);
    for (int i = 0; i < cn; i++) {
      z[i] = rng.nextGaussian();
    }
    double estimate = 0;
    for (int it = 0; it < Math.max(1, iterations); it++) {
      double norm = 0;
      for (double v : z) {
        norm += v * v;
      }
      norm = Math.sqrt(norm);
      if (norm == 0) {
        return 0;
      }
      for (int i = 0; i < cn; i++) {
        z[i] /= norm;
      }
      StridedConvolution.synthesis(g, filters, z, 0, img, 0, false, cols);
      double dz = 0;
      for (int i = 0; i < img.length; i++) {
        dz += img[i] * img[i];
      }
      estimate = dz;
      StridedConvolution.analysis(g, filters, img, 0, 1.0, 0.0, z, cols);
    }
    return estimate;
  }
}
