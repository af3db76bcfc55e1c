package org.pudle.spark.data;

import java.util.Arrays;

/**
 * Where patches lie in an image and how overlapping patches become an image again: the classical
 * patch pipeline. A patch is its pixels row by row, with the channels of a pixel together, as the
 * image reader ({@code input.format = image}) cuts them.
 *
 * @param height  image rows
 * @param width   image columns
 * @param channels 1 (gray) or 3 (R, G, B)
 * @param ys      the patches' top rows
 * @param xs      the patches' left columns; patch k lies at {@code (ys[k / xs.length], xs[k % xs.length])}
 */
public record PatchGrid(int height, int width, int channels, InputParams.ImagePatches patch, int[] ys, int[] xs) {

  /**
   * The grid of the image reader: origins {@code 0, s, 2s, ...} while the patch fits; with
   * {@code cover}, one more origin flush with the bottom and right borders where the stride
   * misses them, so that every pixel lies in a patch.
   */
  public static PatchGrid of(int height, int width, InputParams.ImagePatches patch, boolean cover) {
    return new PatchGrid(height, width, patch.rgb() ? 3 : 1, patch,
        origins(height, patch.height(), patch.strideY(), cover), origins(width, patch.width(), patch.strideX(), cover));
  }

  /** {@code 0, stride, 2 stride, ...} while {@code o + patch <= size}, then {@code size - patch} with {@code cover}. */
  public static int[] origins(int size, int patch, int stride, boolean cover) {
    if (size < patch) {
      return new int[0];
    }
    int n = (size - patch) / stride + 1;
    int last = (n - 1) * stride;
    boolean extra = cover && last != size - patch;
    int[] o = new int[n + (extra ? 1 : 0)];
    for (int i = 0; i < n; i++) {
      o[i] = i * stride;
    }
    if (extra) {
      o[n] = size - patch;
    }
    return o;
  }

  /** The number of patches. */
  public int count() {
    return ys.length * xs.length;
  }

  /** Values per patch. */
  public int dimension() {
    return patch.height() * patch.width() * channels;
  }

  /** Copies patch {@code k} of {@code planes} into {@code out[off ..)}. */
  public void extract(double[][] planes, int k, double[] out, int off) {
    int y0 = ys[k / xs.length];
    int x0 = xs[k % xs.length];
    int i = off;
    for (int y = 0; y < patch.height(); y++) {
      int base = (y0 + y) * width + x0;
      for (int x = 0; x < patch.width(); x++) {
        for (int c = 0; c < channels; c++) {
          out[i++] = planes[c][base + x];
        }
      }
    }
  }

  /** Adds patch {@code k}, {@code values[off ..)}, to {@code sum} and counts its pixels in {@code weight}. */
  public void add(double[] values, int off, int k, double[][] sum, double[] weight) {
    int y0 = ys[k / xs.length];
    int x0 = xs[k % xs.length];
    int i = off;
    for (int y = 0; y < patch.height(); y++) {
      int base = (y0 + y) * width + x0;
      for (int x = 0; x < patch.width(); x++) {
        for (int c = 0; c < channels; c++) {
          sum[c][base + x] += values[i++];
        }
        weight[base + x] += 1;
      }
    }
  }

  /** The average of the patches added to {@code sum} (pixels no patch covers are NaN). */
  public double[][] average(double[][] sum, double[] weight) {
    double[][] out = new double[channels][];
    for (int c = 0; c < channels; c++) {
      out[c] = Arrays.copyOf(sum[c], sum[c].length);
      for (int i = 0; i < out[c].length; i++) {
        out[c][i] = weight[i] > 0 ? out[c][i] / weight[i] : Double.NaN;
      }
    }
    return out;
  }
}
