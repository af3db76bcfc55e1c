package org.pudle.kernels.conv;

/**
 * Denoises whole images of any size with a trained filter bank: the image is padded at the bottom
 * and right by mirror reflection ({@code numpy.pad(mode="reflect")}) to the nearest size the
 * filters fit ({@link ConvGeometry#fittingSize}), reconstructed as {@code D z_T(y)}, cropped back
 * and clamped to {@code [0, 1]} (as the authors clamp before measuring PSNR). The BSD images
 * (321 x 481) fit 9 x 9 filters with stride 4 exactly and are not padded.
 *
 * <p>Not thread-safe (it owns a kernel and buffers); use one per thread.
 */
public final class Denoiser {
  private final ConvUnfoldedIsta kernel;
  private double[] padded = new double[0];
  private double[] out = new double[0];
  private double[] lastStatistics = {0, 0};

  public Denoiser(ConvUnfoldedIsta kernel) {
    this.kernel = kernel;
  }

  /**
   * Writes the denoised image into {@code result}.
   *
   * @param noisy  {@code height x width} row-major; not modified
   * @param result same shape; overwritten
   */
  public void denoise(double[] noisy, int height, int width, double[] result) {
    int k = kernel.k();
    int s = kernel.stride();
    int h2 = ConvGeometry.fittingSize(height, k, s);
    int w2 = ConvGeometry.fittingSize(width, k, s);
    if (h2 == height && w2 == width) {
      lastStatistics = kernel.reconstruct(noisy, height, width, result);
    } else {
      int n = h2 * w2;
      if (padded.length < n) {
        padded = new double[n];
        out = new double[n];
      }
      for (int y = 0; y < h2; y++) {
        int sy = mirror(y, height);
        for (int x = 0; x < w2; x++) {
          padded[y * w2 + x] = noisy[sy * width + mirror(x, width)];
        }
      }
      lastStatistics = kernel.reconstruct(padded, h2, w2, out);
      for (int y = 0; y < height; y++) {
        System.arraycopy(out, y * w2, result, y * width, width);
      }
    }
    ImageQuality.clamp(result, height * width, 0, 1);
  }

  /** {@code {||z_T||_1, nnz(z_T)}} of the last image (over the padded image). */
  public double[] lastCodeStatistics() {
    return lastStatistics.clone();
  }

  /** Index {@code i >= 0} reflected into {@code [0, n)} without repeating the edge. */
  static int mirror(int i, int n) {
    if (n == 1) {
      return 0;
    }
    int period = 2 * (n - 1);
    int r = i % period;
    return r < n ? r : period - r;
  }
}
