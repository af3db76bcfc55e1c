package org.pudle.spark.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.pudle.kernels.io.MemoryCap;

/**
 * An image cut into patches: PNG or JPEG (javax.imageio) or PGM (P2 or P5, read here), grayscale
 * or color, 8 or 16 bits. Values are scaled to [0, 1]. Patches of {@code h x w} pixels start every
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
    byte[] bytes = readAll(file, conf);
    if (bytes.length == 0) {
      throw new IOException(file.path() + ": empty file");
    }
    double[][] rgb;
    int w;
    int h;
    if (bytes.length >= 2 && bytes[0] == 'P' && (bytes[1] == '2' || bytes[1] == '5')) {
      Pgm pgm = Pgm.parse(bytes, file.path());
      w = pgm.width;
      h = pgm.height;
      rgb = new double[][] {pgm.values};
    } else {
      BufferedImage img = ImageDecoding.decode(bytes, file.path(), "PNG, JPEG or PGM");
      w = img.getWidth();
      h = img.getHeight();
      rgb = planes(img);
    }
    this.width = w;
    this.height = h;
    if (w < patch.width() || h < patch.height()) {
      throw new IOException(file.path() + ": the image of " + w + "x" + h + " pixels is smaller than the "
          + patch.width() + "x" + patch.height() + " patch (image.patch)");
    }
    this.planes = toMode(rgb, patch.rgb(), w * h);
  }

  /** The bytes of an image file, under {@link MemoryCap}: compressed images are small, their pixels are not. */
  static byte[] readAll(InputFile file, Configuration conf) throws IOException {
    Path path = new Path(file.path());
    if (codec(path, conf) == null) {
      MemoryCap.check(file.path(), "the image file of " + file.length() + " bytes", (file.length() + 7) / 8,
          MemoryCap.bytes());
    }
    int limit = (int) Math.min(MemoryCap.MAX_ARRAY_LENGTH - 1, MemoryCap.bytes());
    try (InputStream in = openStream(path, conf)) {
      byte[] b = in.readNBytes(limit + 1);
      if (b.length > limit) {
        throw new IOException(file.path() + ": the decompressed image file is larger than the " + MemoryCap.size(limit)
            + " one array may take in this JVM");
      }
      return b;
    }
  }

  /** The gray plane, or the R, G, B planes, scaled to [0, 1]. */
  private static double[][] planes(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    Raster r = img.getRaster();
    boolean gray = img.getColorModel().getNumColorComponents() == 1 && img.getColorModel().getPixelSize() > 0
        && !(img.getColorModel() instanceof java.awt.image.IndexColorModel);
    if (gray) {
      double max = (1 << r.getSampleModel().getSampleSize(0)) - 1;
      double[] g = new double[w * h];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          g[y * w + x] = r.getSample(x, y, 0) / max;
        }
      }
      return new double[][] {g};
    }
    double[] red = new double[w * h];
    double[] green = new double[w * h];
    double[] blue = new double[w * h];
    int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
    for (int i = 0; i < argb.length; i++) {
      red[i] = ((argb[i] >> 16) & 0xff) / 255.0;
      green[i] = ((argb[i] >> 8) & 0xff) / 255.0;
      blue[i] = (argb[i] & 0xff) / 255.0;
    }
    return new double[][] {red, green, blue};
  }

  private static double[][] toMode(double[][] planes, boolean rgb, int size) {
    if (rgb) {
      return planes.length == 3 ? planes : new double[][] {planes[0], planes[0], planes[0]};
    }
    if (planes.length == 1) {
      return planes;
    }
    double[] l = new double[size];
    for (int i = 0; i < size; i++) {
      l[i] = 0.299 * planes[0][i] + 0.587 * planes[1][i] + 0.114 * planes[2][i];
    }
    return new double[][] {l};
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
