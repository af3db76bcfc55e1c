package org.pudle.spark.io;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.io.NumberOutput;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pudle.kernels.io.MemoryCap;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.data.FileSystems;

/** Dense matrices in and out of files on any Hadoop filesystem. */
public final class Matrices {
  private Matrices() {}

  /** The longest {@link #formatExact} text: a sign, 17 digits, the point, {@code e-324}. */
  private static final int MAX_CHARS = 25;

  /** Writes a column-major rows x cols matrix as CSV: one line per row, no header, full precision. */
  public static void writeCsv(OutputStream out, double[] columnMajor, int rows, int cols) throws IOException {
    byte[] line = new byte[cols * (MAX_CHARS + 1) + 1];
    for (int i = 0; i < rows; i++) {
      int n = 0;
      for (int j = 0; j < cols; j++) {
        if (j > 0) {
          line[n++] = ',';
        }
        n = appendExact(line, n, columnMajor[i + j * rows]);
      }
      line[n++] = '\n';
      out.write(line, 0, n);
    }
  }

  /**
   * The shortest decimal that reads back as the same double, in Java's format with a lower-case
   * exponent ({@code 0.1}, {@code 1.0e-5}, {@code -inf}, {@code nan}). The digits are the
   * Schubfach algorithm's (Jackson's port, the algorithm of {@code Double.toString} since JDK 19),
   * several times faster than JDK 17's {@code Double.toString}, which also gives a longer decimal
   * for a few values; both read back as the same double.
   */
  public static String formatExact(double v) {
    byte[] b = new byte[MAX_CHARS];
    int n = appendExact(b, 0, v);
    return new String(b, 0, n, StandardCharsets.US_ASCII);
  }

  /** {@link #formatExact} as ASCII into {@code dst} from {@code off}; returns the end. */
  private static int appendExact(byte[] dst, int off, double v) {
    if (!Double.isFinite(v)) {
      String s = Double.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
      for (int i = 0; i < s.length(); i++) {
        dst[off++] = (byte) s.charAt(i);
      }
      return off;
    }
    String s = NumberOutput.toString(v, true);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      dst[off++] = (byte) (c == 'E' ? 'e' : c);
    }
    return off;
  }

  /**
   * Reads a whole {@code .npy} matrix from a Hadoop path: its header is checked against the
   * file's length and against {@link MemoryCap} before anything is allocated.
   */
  public static Npy.Matrix readNpy(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    FileSystem fs = FileSystems.of(p, conf, null);
    if (!fs.exists(p)) {
      throw new IOException(path + ": no such file");
    }
    long length = fs.getFileStatus(p).getLen();
    try (InputStream in = fs.open(p)) {
      return Npy.read(new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16)), path, length,
          MemoryCap.bytes());
    }
  }
}
