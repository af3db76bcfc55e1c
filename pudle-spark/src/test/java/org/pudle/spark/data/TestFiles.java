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
