package org.pudle.spark.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

import org.apache.spark.api.java.JavaRDD;
import org.pudle.kernels.io.Npy;

/** Writes small input files of known content and reads back what a source yields. */
public final class TestFiles {
  private TestFiles() {}

  /** n x m samples, row i = sample i, seeded. */
  public static double[][] samples(int n, int m, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[][] x = new double[n][m];
    for (double[] row : x) {
      for (int j = 0; j < m; j++) {
        row[j] = rng.nextGaussian();
      }
    }
    return x;
  }

  public static void csv(Path p, double[][] rows, String delimiter, String header) throws IOException {
    StringBuilder sb = new StringBuilder();
    if (header != null) {
      sb.append(header).append('\n');
    }
    for (double[] r : rows) {
      for (int j = 0; j < r.length; j++) {
        sb.append(j > 0 ? delimiter : "").append(Double.toString(r[j]));
      }
      sb.append('\n');
    }
    Files.writeString(p, sb.toString());
  }

  /** float64, C order (row-major) or Fortran order. */
  public static void npy(Path p, double[][] rows, boolean fortran) throws IOException {
    int n = rows.length;
    int m = n == 0 ? 0 : rows[0].length;
    double[] flat = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        if (fortran) {
          flat[i + j * n] = rows[i][j];
        } else {
          flat[i * m + j] = rows[i][j];
        }
      }
    }
    try (OutputStream o = Files.newOutputStream(p)) {
      if (fortran) {
        Npy.writeColumnMajor(o, flat, n, m);
      } else {
        Npy.writeRowMajor(o, flat, n, m);
      }
    }
  }

  /** float32, C order, little-endian; or any descr with raw 4-byte values. */
  public static void npy32(Path p, double[][] rows, String descr) throws IOException {
    int n = rows.length;
    int m = rows[0].length;
    try (OutputStream o = Files.newOutputStream(p)) {
      Npy.writeHeader(o, descr, false, new long[] {n, m});
      ByteBuffer bb = ByteBuffer.allocate(4 * n * m).order(ByteOrder.LITTLE_ENDIAN);
      for (double[] r : rows) {
        for (double v : r) {
          if (descr.contains("f")) {
            bb.putFloat((float) v);
          } else {
            bb.putInt((int) v);
          }
        }
      }
      o.write(bb.array());
    }
  }

  /**
   * A version-1 {@code .npy} of the header text {@code dict} as written (numpy's padding added)
   * followed by {@code dataBytes} zero bytes: headers that lie or that numpy refuses.
   */
  public static void npyWithHeader(Path p, String dict, int dataBytes) throws IOException {
    int unpadded = 10 + dict.length() + 1;
    String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
    try (OutputStream o = Files.newOutputStream(p)) {
      o.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
      o.write(header.length() & 0xff);
      o.write(header.length() >>> 8);
      o.write(header.getBytes(StandardCharsets.ISO_8859_1));
      o.write(new byte[dataBytes]);
    }
  }

  /**
   * A valid black 8-bit gray PNG of w x h pixels, written without holding its pixels: the zlib
   * stream repeats one fully flushed deflate block of 100 zero rows. 20000 x 20000 pixels take
   * 392 KB.
   */
  public static void blankPng(Path p, int w, int h) throws IOException {
    int rows = 100;
    if (h % rows != 0) {
      throw new IllegalArgumentException("h: expected a multiple of " + rows + ", got " + h);
    }
    java.util.zip.Deflater d = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_COMPRESSION, true);
    d.setInput(new byte[(w + 1) * rows]); // each row: filter byte 0, then w zero pixels
    byte[] buf = new byte[1 << 20];
    byte[] piece = java.util.Arrays.copyOf(buf, d.deflate(buf, 0, buf.length, java.util.zip.Deflater.FULL_FLUSH));
    d.finish();
    byte[] tail = java.util.Arrays.copyOf(buf, d.deflate(buf, 0, buf.length));
    d.end();
    java.io.ByteArrayOutputStream z = new java.io.ByteArrayOutputStream();
    z.write(0x78);
    z.write(0xDA);
    for (int i = 0; i < h / rows; i++) {
      z.write(piece);
    }
    z.write(tail);
    long length = (long) (w + 1) * h;
    ByteBuffer adler = ByteBuffer.allocate(4).putInt((int) ((length % 65521) << 16 | 1)); // Adler-32 of zeros
    z.write(adler.array());
    try (java.io.DataOutputStream o = new java.io.DataOutputStream(Files.newOutputStream(p))) {
      o.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
      pngChunk(o, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put(new byte[4]).array());
      pngChunk(o, "IDAT", z.toByteArray());
      pngChunk(o, "IEND", new byte[0]);
    }
  }

  private static void pngChunk(java.io.DataOutputStream o, String type, byte[] data) throws IOException {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(t);
    crc.update(data);
    o.writeInt(data.length);
    o.write(t);
    o.write(data);
    o.writeInt((int) crc.getValue());
  }

  /** A gray 8-bit PNG of w x h pixels with value (7 x + 13 y + seed) mod 256. */
  public static int[][] grayPng(Path p, int w, int h, int seed) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    int[][] v = new int[h][w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        v[y][x] = (7 * x + 13 * y + seed) % 256;
        img.getRaster().setSample(x, y, 0, v[y][x]);
      }
    }
    ImageIO.write(img, "png", p.toFile());
    return v;
  }

  /** An RGB PNG; returns [y][x][c]. */
  public static int[][][] colorPng(Path p, int w, int h) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[][][] v = new int[h][w][3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        v[y][x] = new int[] {(11 * x + 3 * y) % 256, (5 * x + 17 * y) % 256, (x * y) % 256};
        img.setRGB(x, y, (v[y][x][0] << 16) | (v[y][x][1] << 8) | v[y][x][2]);
      }
    }
    ImageIO.write(img, "png", p.toFile());
    return v;
  }

  /** A PGM, P5 (raw) or P2 (plain), of the given pixels and maxval. */
  public static void pgm(Path p, int[][] v, int max, boolean plain) throws IOException {
    int h = v.length;
    int w = v[0].length;
    String header = (plain ? "P2" : "P5") + "\n# a comment\n" + w + " " + h + "\n" + max + "\n";
    try (OutputStream o = Files.newOutputStream(p)) {
      o.write(header.getBytes(StandardCharsets.US_ASCII));
      for (int[] row : v) {
        for (int s : row) {
          if (plain) {
            o.write((s + " ").getBytes(StandardCharsets.US_ASCII));
          } else if (max < 256) {
            o.write(s);
          } else {
            o.write(s >> 8);
            o.write(s & 0xff);
          }
        }
      }
    }
  }

  /** The samples of the blocks, row i = sample i; checks that the indices are exactly 0..n-1. */
  public static double[][] collect(JavaRDD<SampleBlock> blocks, long n) {
    List<SampleBlock> all = new ArrayList<>(blocks.collect());
    double[][] x = new double[(int) n][];
    for (SampleBlock b : all) {
      for (int c = 0; c < b.cols(); c++) {
        int i = (int) (b.first() + c);
        if (x[i] != null) {
          throw new AssertionError("sample " + i + " twice");
        }
        double[] row = new double[b.m()];
        System.arraycopy(b.x(), c * b.m(), row, 0, b.m());
        x[i] = row;
      }
    }
    for (int i = 0; i < n; i++) {
      if (x[i] == null) {
        throw new AssertionError("sample " + i + " missing");
      }
    }
    return x;
  }

  public static String fmt(double v) {
    return String.format(Locale.ROOT, "%.17g", v);
  }
}
