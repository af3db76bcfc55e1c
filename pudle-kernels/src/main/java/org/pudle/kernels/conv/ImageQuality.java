package org.pudle.kernels.conv;

/** Image error measures on {@code [0, 1]}-scaled images. */
public final class ImageQuality {
  private ImageQuality() {}

  /** {@code mean_i (a_i - b_i)^2} over the first {@code n} pixels. */
  public static double mse(double[] a, double[] b, int n) {
    if (n < 1 || a.length < n || b.length < n) {
      throw new IllegalArgumentException("mse: need " + n + " >= 1 pixels in both images, got " + a.length + " and "
          + b.length);
    }
    double s = 0;
    for (int i = 0; i < n; i++) {
      double d = a[i] - b[i];
      s += d * d;
    }
    return s / n;
  }

  /**
   * The peak signal-to-noise ratio {@code 10 log10(peak^2 / mse)} in dB of {@code estimate}
   * against {@code reference}; {@code +Infinity} for identical images. For images scaled to
   * {@code [0, 1]} the peak is 1 (the usual 255 of 8-bit images).
   */
  public static double psnr(double[] reference, double[] estimate, int n, double peak) {
    if (!(peak > 0)) {
      throw new IllegalArgumentException("psnr: expected a positive peak, got " + peak);
    }
    double mse = mse(reference, estimate, n);
    return 10 * Math.log10(peak * peak / mse);
  }

  /** Clamps the first {@code n} values to {@code [lo, hi]} in place. */
  public static void clamp(double[] x, int n, double lo, double hi) {
    for (int i = 0; i < n; i++) {
      double v = x[i];
      x[i] = v < lo ? lo : (v > hi ? hi : v);
    }
  }
}
