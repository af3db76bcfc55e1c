package org.pudle.spark.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.pudle.kernels.io.MemoryCap;

/**
 * A decoded image as planes of doubles in [0, 1]: PNG or JPEG (javax.imageio) or PGM (P2 or P5),
 * grayscale or color, 8 or 16 bits, on any Hadoop path. In gray mode a color pixel becomes its
 * luminance {@code 0.299 R + 0.587 G + 0.114 B}; in rgb mode a gray pixel is repeated in the three
 * channels. The patch reader ({@code image} input) and {@code pudle reconstruct} read images here.
 *
 * @param planes the gray plane, or the R, G, B planes, each row by row ({@code y * width + x})
 */
public record ImagePlanes(int width, int height, double[][] planes) {

  /**
   * Reads and decodes {@code path}; a file that does not decode cleanly, or is larger than one
   * array may take ({@link MemoryCap}), is an {@link IOException}.
   */
  public static ImagePlanes read(String path, boolean rgb, Configuration conf) throws IOException {
    Path p = new Path(path);
    return read(path, p.getFileSystem(conf).getFileStatus(p).getLen(), rgb, conf);
  }

  /** {@link #read(String, boolean, Configuration)} of a file of {@code length} bytes. */
  static ImagePlanes read(String path, long length, boolean rgb, Configuration conf) throws IOException {
    byte[] bytes = readAll(path, length, conf);
    if (bytes.length == 0) {
      throw new IOException(path + ": empty file");
    }
    double[][] planes;
    int w;
    int h;
    if (bytes.length >= 2 && bytes[0] == 'P' && (bytes[1] == '2' || bytes[1] == '5')) {
      ImageRows.Pgm pgm = ImageRows.Pgm.parse(bytes, path);
      w = pgm.width;
      h = pgm.height;
      planes = new double[][] {pgm.values};
    } else {
      BufferedImage img = ImageDecoding.decode(bytes, path, "PNG, JPEG or PGM");
      w = img.getWidth();
      h = img.getHeight();
      planes = planes(img);
    }
    return new ImagePlanes(w, h, toMode(planes, rgb, w * h));
  }

  /** The bytes of an image file, under {@link MemoryCap}: compressed images are small, their pixels are not. */
  static byte[] readAll(String file, long length, Configuration conf) throws IOException {
    Path path = new Path(file);
    if (RowReader.codec(path, conf) == null) {
      MemoryCap.check(file, "the image file of " + length + " bytes", (length + 7) / 8, MemoryCap.bytes());
    }
    int limit = (int) Math.min(MemoryCap.MAX_ARRAY_LENGTH - 1, MemoryCap.bytes());
    try (InputStream in = RowReader.openStream(path, conf)) {
      byte[] b = in.readNBytes(limit + 1);
      if (b.length > limit) {
        throw new IOException(file + ": the decompressed image file is larger than the " + MemoryCap.size(limit)
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
}
