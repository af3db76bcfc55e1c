package org.pudle.spark.data;

import java.io.IOException;

import org.apache.hadoop.conf.Configuration;
import org.pudle.kernels.io.MemoryCap;

/**
 * An image cut into patches: PNG or JPEG (javax.imageio) or PGM (P2 or P5, read here), grayscale
 * or color, 8 or 16 bits, decoded by {@link ImagePlanes}. Values are scaled to [0, 1]. Patches of {@code h x w} pixels start every
 * {@code strideY} rows and {@code strideX} columns, row by row (patch numbers count from 0); a
 * patch is its pixels row by row, with the R, G, B values of a pixel together in {@code rgb} mode.
 * In gray mode a color pixel becomes its luminance {@code 0.299 R + 0.587 G + 0.114 B}; in rgb
 * mode a gray pixel is repeated in the three channels. A file that does not decode cleanly
 * (including a JPEG the decoder only warns about) is a corrupt image.
 */
final class ImageRows extends RowReader {
  private final double[][] planes;
  private final int width;
  private final int height;
  private final InputParams.ImagePatches patch;
  private final int channels;
  private int y0;
  private int x0;
  private long number;

  ImageRows(InputFile file, InputParams.ImagePatches patch, Configuration conf) throws IOException {
    super(0);
    this.patch = patch;
    this.channels = patch.rgb() ? 3 : 1;
    ImagePlanes img = ImagePlanes.read(file.path(), file.length(), patch.rgb(), conf);
    this.width = img.width();
    this.height = img.height();
    if (width < patch.width() || height < patch.height()) {
      throw new IOException(file.path() + ": the image of " + width + "x" + height + " pixels is smaller than the "
          + patch.width() + "x" + patch.height() + " patch (image.patch)");
    }
    this.planes = img.planes();
  }

  @Override
  protected RawRow read() {
    if (y0 + patch.height() > height) {
      return null;
    }
    int ph = patch.height();
    int pw = patch.width();
    double[] v = new double[ph * pw * channels];
    int k = 0;
    for (int y = 0; y < ph; y++) {
      int base = (y0 + y) * width + x0;
      for (int x = 0; x < pw; x++) {
        for (int c = 0; c < channels; c++) {
          v[k++] = planes[c][base + x];
        }
      }
    }
    x0 += patch.strideX();
    if (x0 + pw > width) {
      x0 = 0;
      y0 += patch.strideY();
    }
    return RawRow.good(number++, v);
  }

  @Override
  public void close() {}

  /** A PGM (netpbm gray map), plain (P2) or raw (P5), 8 or 16 bits. */
  static final class Pgm {
    final int width;
    final int height;
    final double[] values;

    private Pgm(int width, int height, double[] values) {
      this.width = width;
      this.height = height;
      this.values = values;
    }

    static Pgm parse(byte[] b, String source) throws IOException {
      int[] pos = {2};
      boolean plain = b[1] == '2';
      int w = token(b, pos, source, "width");
      int h = token(b, pos, source, "height");
      int max = token(b, pos, source, "maxval");
      if (w < 1 || h < 1 || max < 1 || max > 65535) {
        throw new IOException(source + ": corrupt PGM header (width " + w + ", height " + h + ", maxval " + max + ")");
      }
      long size = (long) w * h;
      int p0 = pos[0] + 1;
      // the pixels take at least a digit and a blank each (plain) or 1 or 2 bytes (raw)
      long least = plain ? 2 * size - 1 : size * (max < 256 ? 1 : 2);
      if (b.length - p0 < least) {
        throw new IOException(source + ": corrupt PGM: the header promises " + w + "x" + h + " pixels, which take at "
            + "least " + least + " bytes, but " + Math.max(0, b.length - p0) + " follow it");
      }
      MemoryCap.check(source, "the PGM image of " + w + "x" + h + " pixels", size, MemoryCap.bytes());
      double[] v = new double[(int) size];
      if (plain) {
        for (int i = 0; i < v.length; i++) {
          int s = token(b, pos, source, "pixel " + i);
          if (s > max) {
            throw new IOException(source + ": corrupt PGM: pixel " + i + " is " + s + ", above maxval " + max);
          }
          v[i] = s / (double) max;
        }
      } else {
        int p = pos[0] + 1; // one whitespace byte after maxval
        int width = max < 256 ? 1 : 2;
        if (b.length - p < size * width) {
          throw new IOException(source + ": corrupt PGM: " + (b.length - p) + " bytes of pixel data, expected "
              + size * width + " for " + w + "x" + h + " pixels");
        }
        for (int i = 0; i < v.length; i++) {
          int s = width == 1 ? b[p + i] & 0xff : ((b[p + 2 * i] & 0xff) << 8) | (b[p + 2 * i + 1] & 0xff);
          if (s > max) {
            throw new IOException(source + ": corrupt PGM: pixel " + i + " is " + s + ", above maxval " + max);
          }
          v[i] = s / (double) max;
        }
      }
      return new Pgm(w, h, v);
    }

    /** The next decimal token, skipping whitespace and # comments; pos ends on the byte after it. */
    private static int token(byte[] b, int[] pos, String source, String what) throws IOException {
      int p = pos[0];
      while (p < b.length) {
        if (b[p] == '#') {
          while (p < b.length && b[p] != '\n') {
            p++;
          }
        } else if (Character.isWhitespace(b[p])) {
          p++;
        } else {
          break;
        }
      }
      int start = p;
      long v = 0;
      while (p < b.length && b[p] >= '0' && b[p] <= '9' && p - start < 10) {
        v = v * 10 + (b[p] - '0');
        p++;
      }
      if (p == start || (p < b.length && !Character.isWhitespace(b[p]))) {
        throw new IOException(source + ": corrupt PGM: expected the " + what + " as a number at byte " + start);
      }
      pos[0] = p;
      return (int) Math.min(v, Integer.MAX_VALUE);
    }
  }
}
