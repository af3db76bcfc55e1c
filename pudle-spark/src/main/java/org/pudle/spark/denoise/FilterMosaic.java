package org.pudle.spark.denoise;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A PNG of a filter bank: the filters on a grid, each magnified {@code zoom} times and shown on
 * its own symmetric gray scale (mid-gray 0, white its largest positive tap, black minus that), with
 * white gaps between them.
 */
public final class FilterMosaic {
  private FilterMosaic() {}

  public static void write(OutputStream out, double[] filters, int k, int channels, int zoom) throws IOException {
    int cols = (int) Math.ceil(Math.sqrt(channels));
    int rows = (channels + cols - 1) / cols;
    int gap = Math.max(1, zoom / 2);
    int cell = k * zoom;
    int width = cols * cell + (cols + 1) * gap;
    int height = rows * cell + (rows + 1) * gap;
    int[] px = new int[width * height];
    java.util.Arrays.fill(px, 255);
    int kk = k * k;
    for (int c = 0; c < channels; c++) {
      double max = 0;
      for (int t = 0; t < kk; t++) {
        max = Math.max(max, Math.abs(filters[c * kk + t]));
      }
      int top = gap + (c / cols) * (cell + gap);
      int left = gap + (c % cols) * (cell + gap);
      for (int u = 0; u < k; u++) {
        for (int v = 0; v < k; v++) {
          double w = max > 0 ? filters[c * kk + u * k + v] / max : 0;
          int level = (int) Math.round(127.5 + 127.5 * w);
          for (int dy = 0; dy < zoom; dy++) {
            for (int dx = 0; dx < zoom; dx++) {
              px[(top + u * zoom + dy) * width + left + v * zoom + dx] = Math.max(0, Math.min(255, level));
            }
          }
        }
      }
    }
    Images.writePng8(out, px, height, width);
  }
}
