package org.pudle.kernels.io;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * NumPy {@code .npy} files (format versions 1, 2 and 3) of float32 or float64, either byte order,
 * C or Fortran order, on plain streams so that any Hadoop filesystem can hold them.
 *
 * <p>No header is trusted: it is parsed as numpy parses it (a Python dict literal with exactly the
 * keys {@code descr}, {@code fortran_order} and {@code shape}; {@link PythonLiteral}), and the
 * data it promises is compared with the bytes the file holds (when the caller knows the file's
 * length) and with {@link MemoryCap} before anything is allocated. Without a known length, an
 * array is read in growing pieces, so that a header that lies costs at most what the file holds.
 *
 * <p>Written by hand: the format is one small header and raw values, and the Java libraries that
 * read it work on local paths only, not on the streams a Hadoop filesystem gives.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  /** numpy's {@code max_header_size}: longer headers are refused as unsafe to parse. */
  public static final int MAX_HEADER_SIZE = 10000;
  /** Values allocated at first when the length of the data is unknown. */
  private static final int FIRST_PIECE = 1 << 20;

  private Npy() {}

  /**
   * The header of an array.
   *
   * @param descr        the NumPy dtype string, for example {@code <f8}
   * @param fortranOrder whether the data is column-major
   * @param shape        the dimensions
   * @param dataOffset   the position of the first value in the file: the length of the magic,
   *                     version, header length and header
   */
  public record Header(String descr, boolean fortranOrder, long[] shape, long dataOffset) {
    /** The number of values (checked not to overflow when the header is read). */
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

    /** The bytes of data the header promises. */
    public long dataBytes() {
      return Math.multiplyExact(size(), bytesPerValue());
    }

    /** The byte order of the values. */
    public ByteOrder order() {
      return descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }

    /** The shape as numpy prints it: {@code (100, 20)}, {@code (6,)}. */
    public String shapeText() {
      StringBuilder sb = new StringBuilder("(");
      for (int i = 0; i < shape.length; i++) {
        sb.append(i > 0 ? ", " : "").append(shape[i]);
      }
      return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /**
     * Checks that a file of {@code fileLength} bytes holds the data the header promises; a
     * negative length (unknown: a compressed stream) passes.
     *
     * @throws IOException naming {@code source} and both sizes
     */
    public void checkLength(long fileLength, String source) throws IOException {
      if (fileLength >= 0 && dataOffset + dataBytes() > fileLength) {
        throw new IOException(source + ": .npy data cut short: the header promises shape " + shapeText() + " of "
            + descr + ", " + dataBytes() + " bytes of data, but the file holds " + Math.max(0, fileLength - dataOffset)
            + " bytes after its " + dataOffset + "-byte header (a truncated file, or a header that does not "
            + "describe it)");
      }
    }

    @Override
    public String toString() {
      return "dtype " + descr + ", shape " + shapeText() + (fortranOrder ? ", Fortran order" : ", C order");
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
   * Reads and checks the header as numpy does; afterwards the stream is at the first value.
   *
   * @param source names the file in error messages
   * @throws IOException with the source named, for a file that is not a float32/float64 .npy, or
   *                     whose header numpy would refuse or that ends inside its header
   */
  public static Header readHeader(DataInputStream in, String source) throws IOException {
    byte[] magic = new byte[8];
    int got = readUpTo(in, magic);
    if (got < 6) {
      throw new IOException(source + ": not a .npy file (" + got + " bytes, shorter than the 6-byte magic string)");
    }
    if (!Arrays.equals(Arrays.copyOf(magic, 6), MAGIC)) {
      throw new IOException(source + ": not a .npy file (bad magic string)");
    }
    if (got < 8) {
      throw cutShort(source, got, "its format version");
    }
    int major = magic[6] & 0xff;
    int minor = magic[7] & 0xff;
    if (!(major >= 1 && major <= 3) || minor != 0) {
      throw new IOException(source + ": unsupported .npy format version " + major + "." + minor
          + " (numpy writes 1.0, 2.0 and 3.0)");
    }
    byte[] len = new byte[major == 1 ? 2 : 4];
    int lenGot = readUpTo(in, len);
    if (lenGot < len.length) {
      throw cutShort(source, 8 + lenGot, "the length of its header");
    }
    long headerLen = 0;
    for (int i = len.length - 1; i >= 0; i--) {
      headerLen = (headerLen << 8) | (len[i] & 0xff);
    }
    long offset = 8 + len.length + headerLen;
    if (headerLen > 4L * MAX_HEADER_SIZE) {
      throw new IOException(source + ": .npy header of " + headerLen + " bytes, longer than numpy's limit of "
          + MAX_HEADER_SIZE);
    }
    byte[] text = new byte[(int) headerLen];
    int textGot = readUpTo(in, text);
    if (textGot < text.length) {
      throw cutShort(source, 8 + len.length + textGot, "its " + headerLen + "-byte header");
    }
    String dict = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    if (dict.length() > MAX_HEADER_SIZE) {
      throw new IOException(source + ": .npy header of " + dict.length() + " characters, longer than numpy's limit of "
          + MAX_HEADER_SIZE);
    }
    return parseHeader(dict, major, offset, source);
  }

  /** The header dict as numpy's {@code _read_array_header} checks it. */
  private static Header parseHeader(String dict, int major, long offset, String source) throws IOException {
    Object parsed;
    try {
      parsed = PythonLiteral.parse(dict, false);
    } catch (IllegalArgumentException e) {
      if (major > 2) {
        throw malformed(source, dict, e.getMessage());
      }
      try {
        parsed = PythonLiteral.parse(dict, true); // Python 2 wrote 3L for a long
      } catch (IllegalArgumentException e2) {
        throw malformed(source, dict, e.getMessage());
      }
    }
    if (!(parsed instanceof Map<?, ?> d)) {
      throw malformed(source, dict, "not a dict");
    }
    if (!d.keySet().equals(Set.of("descr", "fortran_order", "shape"))) {
      List<String> keys = new ArrayList<>();
      for (Object k : d.keySet()) {
        keys.add(PythonLiteral.repr(k));
      }
      throw malformed(source, dict, "expected exactly the keys 'descr', 'fortran_order' and 'shape', got "
          + String.join(", ", keys));
    }
    Object shape = d.get("shape");
    if (!(shape instanceof PythonLiteral.Tuple t) || !t.items().stream().allMatch(v -> v instanceof BigInteger)) {
      throw malformed(source, dict, "shape is not a tuple of ints: " + PythonLiteral.repr(shape));
    }
    long[] dims = new long[t.items().size()];
    for (int i = 0; i < dims.length; i++) {
      BigInteger v = (BigInteger) t.items().get(i);
      if (v.signum() < 0) {
        throw new IOException(source + ": negative dimension in .npy shape " + PythonLiteral.repr(shape));
      }
      if (v.bitLength() > 62) {
        throw new IOException(source + ": .npy shape " + PythonLiteral.repr(shape) + " is too large");
      }
      dims[i] = v.longValue();
    }
    if (!(d.get("fortran_order") instanceof Boolean fortran)) {
      throw malformed(source, dict, "fortran_order is not a bool: " + PythonLiteral.repr(d.get("fortran_order")));
    }
    Object descr = d.get("descr");
    if (!(descr instanceof String ds) || !ds.matches("[<>=|]f[48]")) {
      throw new IOException(source + ": unsupported .npy dtype " + PythonLiteral.repr(descr)
          + ": expected float32 or float64 ('<f4', '<f8', '>f4', '>f8')");
    }
    String order = ds.charAt(0) == '=' || ds.charAt(0) == '|'
        ? (ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ">" : "<") + ds.substring(1) : ds;
    Header h = new Header(order, fortran, dims, offset);
    try {
      h.dataBytes();
    } catch (ArithmeticException e) {
      throw new IOException(source + ": .npy shape " + h.shapeText() + " is too large");
    }
    return h;
  }

  private static IOException malformed(String source, String dict, String why) {
    String shown = dict.strip();
    return new IOException(source + ": malformed .npy header (" + why + "): "
        + (shown.length() > 200 ? shown.substring(0, 200) + "..." : shown));
  }

  private static IOException cutShort(String source, long got, String what) {
    return new IOException(source + ": .npy header cut short: the file ends after " + got + " bytes, inside " + what);
  }

  /** Reads until {@code b} is full or the stream ends; returns the bytes read. */
  private static int readUpTo(InputStream in, byte[] b) throws IOException {
    int n = 0;
    while (n < b.length) {
      int r = in.read(b, n, b.length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
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
        throw new IOException(source + ": .npy data ends early: the header promises shape " + h.shapeText() + " of "
            + h.descr() + ", " + h.size() + " values");
      }
      decode(bb, width, n, dst, off + done);
      done += n;
    }
  }

  /** Converts {@code n} values of {@code width} bytes at the start of {@code bb} into {@code dst[off..]}. */
  public static void decode(ByteBuffer bb, int width, int n, double[] dst, int off) {
    if (width == 8) {
      for (int i = 0; i < n; i++) {
        dst[off + i] = bb.getDouble(i * 8);
      }
    } else {
      for (int i = 0; i < n; i++) {
        dst[off + i] = bb.getFloat(i * 4);
      }
    }
  }

  /**
   * Reads a whole 1-D or 2-D array from a stream of unknown length, under {@link MemoryCap#bytes}.
   */
  public static Matrix read(InputStream raw, String source) throws IOException {
    return read(raw, source, -1, MemoryCap.bytes());
  }

  /**
   * Reads a whole 1-D or 2-D array.
   *
   * @param fileLength the length of the file in bytes, or -1 when unknown (a compressed stream):
   *                   the data is then read in growing pieces
   * @param capBytes   the most the array may take as doubles ({@link MemoryCap#bytes})
   * @throws IOException naming {@code source} for a bad header, a file shorter than its header
   *                     promises, or an array over the cap
   */
  public static Matrix read(InputStream raw, String source, long fileLength, long capBytes) throws IOException {
    DataInputStream in = raw instanceof DataInputStream ? (DataInputStream) raw : new DataInputStream(raw);
    Header h = readHeader(in, source);
    if (h.shape().length < 1 || h.shape().length > 2) {
      throw new IOException(source + ": expected a 1-D or 2-D array, got shape " + h.shapeText());
    }
    h.checkLength(fileLength, source);
    long size = h.size();
    MemoryCap.check(source, "the array of shape " + h.shapeText(), size, capBytes);
    int rows = (int) h.shape()[0];
    int cols = h.shape().length == 2 ? (int) h.shape()[1] : 1;
    double[] data;
    if (fileLength >= 0) {
      data = new double[(int) size];
      readValues(in, h, data, 0, data.length, source);
    } else {
      data = new double[(int) Math.min(size, FIRST_PIECE)];
      int filled = 0;
      while (true) {
        readValues(in, h, data, filled, data.length - filled, source);
        filled = data.length;
        if (filled == size) {
          break;
        }
        data = Arrays.copyOf(data, (int) Math.min(size, 2L * filled));
      }
    }
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
