package org.pudle.kernels.io;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format versions 1, 2 and 3) of float32 or float64, either byte order,
 * C or Fortran order, on plain streams so that any Hadoop filesystem can hold them.
 *
 * <p>Written by hand: the format is one small header and raw values, and the Java libraries that
 * read it work on local paths only, not on the streams a Hadoop filesystem gives.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /**
   * The header of an array.
   *
   * @param descr        the NumPy dtype string, for example {@code <f8}
   * @param fortranOrder whether the data is column-major
   * @param shape        the dimensions
   */
  public record Header(String descr, boolean fortranOrder, long[] shape) {
    /** The number of values. */
    public long size() {
      long n = 1;
      for (long s : shape) {
        n = Math.multiplyExact(n, s);
      }
      return n;
    }

    /** 4 or 8; the dtype must be a float. */
    public int bytesPerValue() {
      return descr.charAt(descr.length() - 1) == '8' ? 8 : 4;
    }

    /** The byte order of the values. */
    public ByteOrder order() {
      return descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }

    @Override
    public String toString() {
      return "dtype " + descr + ", shape " + Arrays.toString(shape) + (fortranOrder ? ", Fortran order" : ", C order");
    }
  }

  /**
   * A 1-D or 2-D array read whole, as doubles.
   *
   * @param rows the first dimension (the length of a 1-D array)
   * @param cols the second dimension (1 for a 1-D array)
   * @param data the values in the file's order
   */
  public record Matrix(Header header, int rows, int cols, double[] data) {
    /** The values as a column-major rows x cols array. */
    public double[] columnMajor() {
      return header.fortranOrder() || cols == 1 || rows == 1 ? data : transpose(data, cols, rows);
    }

    /** The values as a row-major rows x cols array: each row contiguous. */
    public double[] rowMajor() {
      return !header.fortranOrder() || cols == 1 || rows == 1 ? data : transpose(data, rows, cols);
    }
  }

  /**
   * Reads and checks the header; afterwards the stream is at the first value.
   *
   * @param source names the file in error messages
   * @throws IOException with the source named, for a file that is not a float32/float64 .npy
   */
  public static Header readHeader(DataInputStream in, String source) throws IOException {
    byte[] magic = new byte[6];
    try {
      in.readFully(magic);
    } catch (EOFException e) {
      throw new IOException(source + ": not a .npy file (shorter than its 6-byte magic)");
    }
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException(source + ": not a .npy file (bad magic string)");
    }
    int major = in.readUnsignedByte();
    in.readUnsignedByte();
    long headerLen;
    if (major == 1) {
      headerLen = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
    } else if (major == 2 || major == 3) {
      headerLen = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
    } else {
      throw new IOException(source + ": unsupported .npy format version " + major);
    }
    if (headerLen > 1 << 20) {
      throw new IOException(source + ": .npy header of " + headerLen + " bytes is implausible");
    }
    byte[] text = new byte[(int) headerLen];
    in.readFully(text);
    String dict = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher descr = DESCR.matcher(dict);
    Matcher fortran = FORTRAN.matcher(dict);
    Matcher shape = SHAPE.matcher(dict);
    if (!descr.find() || !fortran.find() || !shape.find()) {
      throw new IOException(source + ": malformed .npy header: " + dict.trim());
    }
    String d = descr.group(1);
    if (!d.matches("[<>=|]f[48]")) {
      throw new IOException(source + ": unsupported .npy dtype '" + d + "': expected float32 or float64 ('<f4', '<f8', '>f4', '>f8')");
    }
    if (d.charAt(0) == '=' || d.charAt(0) == '|') {
      d = (ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ">" : "<") + d.substring(1);
    }
    String[] parts = shape.group(1).split(",");
    long[] dims = Arrays.stream(parts).map(String::trim).filter(s -> !s.isEmpty()).mapToLong(s -> {
      long v = Long.parseLong(s.endsWith("L") ? s.substring(0, s.length() - 1) : s);
      return v;
    }).toArray();
    for (long v : dims) {
      if (v < 0) {
        throw new IOException(source + ": negative dimension in .npy shape " + Arrays.toString(dims));
      }
    }
    return new Header(d, fortran.group(1).equals("True"), dims);
  }

  /**
   * Reads {@code count} values into {@code dst[off..off+count)}, converting float32 to double.
   *
   * @throws IOException naming the source when the file ends early
   */
  public static void readValues(DataInputStream in, Header h, double[] dst, int off, int count, String source)
      throws IOException {
    int width = h.bytesPerValue();
    byte[] buf = new byte[Math.min(count, 8192) * width];
    ByteBuffer bb = ByteBuffer.wrap(buf).order(h.order());
    int done = 0;
    while (done < count) {
      int n = Math.min(count - done, buf.length / width);
      try {
        in.readFully(buf, 0, n * width);
      } catch (EOFException e) {
        throw new IOException(source + ": .npy data ends early: header " + h + " promises " + h.size()
            + " values");
      }
      bb.clear();
      if (width == 8) {
        for (int i = 0; i < n; i++) {
          dst[off + done + i] = bb.getDouble(i * 8);
        }
      } else {
        for (int i = 0; i < n; i++) {
          dst[off + done + i] = bb.getFloat(i * 4);
        }
      }
      done += n;
    }
  }

  /** Reads a whole 1-D or 2-D array. */
  public static Matrix read(InputStream raw, String source) throws IOException {
    DataInputStream in = raw instanceof DataInputStream ? (DataInputStream) raw : new DataInputStream(raw);
    Header h = readHeader(in, source);
    if (h.shape().length < 1 || h.shape().length > 2) {
      throw new IOException(source + ": expected a 1-D or 2-D array, got shape " + Arrays.toString(h.shape()));
    }
    long size = h.size();
    if (size > Integer.MAX_VALUE - 8) {
      throw new IOException(source + ": " + size + " values do not fit in one Java array");
    }
    int rows = (int) h.shape()[0];
    int cols = h.shape().length == 2 ? (int) h.shape()[1] : 1;
    double[] data = new double[(int) size];
    readValues(in, h, data, 0, data.length, source);
    return new Matrix(h, rows, cols, data);
  }

  /**
   * Writes a rows x cols float64 array, little-endian, from column-major {@code data} (written
   * with {@code fortran_order: True}, which {@code numpy.load} reads as the same matrix).
   */
  public static void writeColumnMajor(OutputStream out, double[] data, int rows, int cols) throws IOException {
    if (data.length != (long) rows * cols) {
      throw new IllegalArgumentException("npy: expected " + rows + " x " + cols + " values, got " + data.length);
    }
    writeHeader(out, "<f8", true, new long[] {rows, cols});
    writeValues(out, data);
  }

  /** Writes a rows x cols float64 array from row-major {@code data} (C order). */
  public static void writeRowMajor(OutputStream out, double[] data, int rows, int cols) throws IOException {
    if (data.length != (long) rows * cols) {
      throw new IllegalArgumentException("npy: expected " + rows + " x " + cols + " values, got " + data.length);
    }
    writeHeader(out, "<f8", false, new long[] {rows, cols});
    writeValues(out, data);
  }

  /** Writes a version-1 header, padded so that the data starts on a 64-byte boundary. */
  public static void writeHeader(OutputStream out, String descr, boolean fortranOrder, long[] shape)
      throws IOException {
    StringBuilder dims = new StringBuilder();
    for (int i = 0; i < shape.length; i++) {
      dims.append(shape[i]).append(shape.length == 1 ? "," : (i + 1 < shape.length ? ", " : ""));
    }
    String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortranOrder ? "True" : "False")
        + ", 'shape': (" + dims + "), }";
    int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    if (header.length() > 65535) {
      throw new IOException("npy header too long");
    }
    out.write(MAGIC);
    out.write(1);
    out.write(0);
    out.write(header.length() & 0xff);
    out.write(header.length() >>> 8);
    out.write(header.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static void writeValues(OutputStream out, double[] data) throws IOException {
    byte[] buf = new byte[8 * 8192];
    ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
    for (int start = 0; start < data.length; start += 8192) {
      int n = Math.min(8192, data.length - start);
      for (int i = 0; i < n; i++) {
        bb.putDouble(i * 8, data[start + i]);
      }
      out.write(buf, 0, n * 8);
    }
  }

  /** Transposes an r x c column-major array into a c x r column-major array. */
  static double[] transpose(double[] a, int r, int c) {
    double[] t = new double[a.length];
    for (int j = 0; j < c; j++) {
      for (int i = 0; i < r; i++) {
        t[j + i * c] = a[i + j * r];
      }
    }
    return t;
  }
}
