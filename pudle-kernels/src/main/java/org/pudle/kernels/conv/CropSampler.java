package org.pudle.kernels.conv;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.pudle.kernels.data.Seeds;

/**
 * The training pairs of the supervised denoiser (paper appendix B.3): for update {@code u} and
 * image {@code i}, a random {@code crop x crop} window, flipped vertically and horizontally with
 * probability 1/2 each (the authors' RandomVerticalFlip, RandomHorizontalFlip and RandomCrop), and
 * fresh zero-mean Gaussian noise of standard deviation {@code sigma / 255}. Every draw comes from a
 * stream keyed by (seed, u, i), so a pair is the same on whichever executor it is made.
 *
 * <p>Test images get their noise from a stream keyed by (seed, file name) instead, so that the
 * noisy test set is the same whatever subset or order of images is denoised.
 */
public final class CropSampler implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Stream family of the training crops, flips and noise. */
  static final long CROPS = 0x43524F50L;
  /** Stream family of the test noise. */
  static final long TEST_NOISE = 0x544E4F53L;

  private final int crop;
  private final double sigma;
  private final long seed;

  /**
   * @param crop  the side of the square crop, at least 1
   * @param sigma the noise standard deviation on the 0..255 scale (the paper: 25), non-negative
   */
  public CropSampler(int crop, double sigma, long seed) {
    if (crop < 1) {
      throw new IllegalArgumentException("crop: expected a positive size, got " + crop);
    }
    if (!(sigma >= 0) || Double.isInfinite(sigma)) {
      throw new IllegalArgumentException("noise: expected a non-negative standard deviation, got " + sigma);
    }
    this.crop = crop;
    this.sigma = sigma;
    this.seed = seed;
  }

  public int crop() {
    return crop;
  }

  /**
   * Writes the clean crop and its noisy version for (update, image).
   *
   * @param clean {@code crop x crop} row-major; overwritten
   * @param noisy same; overwritten
   * @throws IllegalArgumentException when the image is smaller than the crop
   */
  public void sample(GrayImage image, long update, double[] clean, double[] noisy) {
    if (image.height() < crop || image.width() < crop) {
      throw new IllegalArgumentException(image.name() + ": image of " + image.height() + " x " + image.width()
          + " is smaller than the " + crop + " x " + crop + " training crop");
    }
    SplittableRandom rng = new SplittableRandom(Seeds.derive(Seeds.derive(seed, CROPS, update), 0, image.index()));
    int top = rng.nextInt(image.height() - crop + 1);
    int left = rng.nextInt(image.width() - crop + 1);
    boolean flipRows = rng.nextBoolean();
    boolean flipCols = rng.nextBoolean();
    double scale = image.maxValue();
    short[] s = image.samples();
    int w = image.width();
    for (int r = 0; r < crop; r++) {
      int srcRow = top + (flipRows ? crop - 1 - r : r);
      for (int c = 0; c < crop; c++) {
        int srcCol = left + (flipCols ? crop - 1 - c : c);
        clean[r * crop + c] = (s[srcRow * w + srcCol] & 0xffff) / scale;
      }
    }
    addNoise(clean, noisy, crop * crop, sigma, rng);
  }

  /**
   * {@code noisy = clean + (sigma / 255) N(0, 1)}, keyed by (seed, name): the reproducible test
   * noise of image {@code name}.
   */
  public static void testNoise(double[] clean, double[] noisy, int n, double sigma, long seed, String name) {
    addNoise(clean, noisy, n, sigma, new SplittableRandom(Seeds.derive(seed, TEST_NOISE, hash(name))));
  }

  private static void addNoise(double[] clean, double[] noisy, int n, double sigma, SplittableRandom rng) {
    double std = sigma / 255.0;
    for (int i = 0; i < n; i++) {
      noisy[i] = clean[i] + std * rng.nextGaussian();
    }
  }

  /** 64-bit FNV-1a of the UTF-8 bytes. */
  static long hash(String name) {
    long h = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }
}
