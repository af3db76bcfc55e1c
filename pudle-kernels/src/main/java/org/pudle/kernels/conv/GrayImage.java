package org.pudle.kernels.conv;

import java.io.Serializable;

/**
 * A grayscale image as stored samples: {@code height x width} row-major unsigned values in
 * {@code [0, maxValue]} (255 for 8-bit images, 65535 for 16-bit), read as
 * {@code sample / maxValue} in {@code [0, 1]}. Two bytes a pixel, so that a cached training set
 * stays small; the conversion to doubles is exact.
 *
 * @param name    where it came from (file name), for messages and keyed noise
 * @param index   its position in the data set (keys the random crops), or -1
 * @param samples unsigned values stored in shorts
 */
public record GrayImage(String name, long index, int height, int width, int maxValue, short[] samples)
    implements Serializable {

  public GrayImage {
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException(name + ": expected a non-empty image, got " + height + " x " + width);
    }
    if (maxValue < 1 || maxValue > 65535) {
      throw new IllegalArgumentException(name + ": expected a maximum sample value in [1, 65535], got " + maxValue);
    }
    if (samples.length != height * width) {
      throw new IllegalArgumentException(name + ": expected " + height + " x " + width + " samples, got "
          + samples.length);
    }
  }

  /** The pixel at (row, col) in {@code [0, 1]}. */
  public double value(int row, int col) {
    return (samples[row * width + col] & 0xffff) / (double) maxValue;
  }

  /** All pixels in {@code [0, 1]}, row-major. */
  public double[] toDoubles() {
    double[] out = new double[samples.length];
    double scale = maxValue;
    for (int i = 0; i < out.length; i++) {
      out[i] = (samples[i] & 0xffff) / scale;
    }
    return out;
  }

  /** The same pixels with another name. */
  public GrayImage withName(String newName) {
    return new GrayImage(newName, index, height, width, maxValue, samples);
  }

  /** The same pixels with another index. */
  public GrayImage withIndex(long newIndex) {
    return new GrayImage(name, newIndex, height, width, maxValue, samples);
  }

  /**
   * Quantizes {@code [0, 1]} values (clamped) to 8-bit samples, rounding half up.
   *
   * @param pixels row-major; not modified
   */
  public static GrayImage fromDoubles8(String name, int height, int width, double[] pixels) {
    short[] s = new short[height * width];
    for (int i = 0; i < s.length; i++) {
      double v = pixels[i];
      int q = v <= 0 ? 0 : (v >= 1 ? 255 : (int) Math.floor(v * 255 + 0.5));
      s[i] = (short) q;
    }
    return new GrayImage(name, -1, height, width, 255, s);
  }
}
