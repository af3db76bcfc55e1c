package org.pudle.spark.io;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pudle.kernels.io.MemoryCap;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.data.FileSystems;

/** Dense matrices in and out of files on any Hadoop filesystem. */
public final class Matrices {
  private Matrices() {}

  /** Writes a column-major rows x cols matrix as CSV: one line per row, no header, full precision. */
  public static void writeCsv(OutputStream out, double[] columnMajor, int rows, int cols) throws IOException {
    StringBuilder sb = new StringBuilder(cols * 24);
    for (int i = 0; i < rows; i++) {
      sb.setLength(0);
      for (int j = 0; j < cols; j++) {
        if (j > 0) {
          sb.append(',');
        }
        sb.append(formatExact(columnMajor[i + j * rows]));
      }
      sb.append('\n');
      out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** The shortest decimal that reads back as the same double. */
  public static String formatExact(double v) {
    return Double.toString(v).toLowerCase(Locale.ROOT).replace("infinity", "inf");
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
