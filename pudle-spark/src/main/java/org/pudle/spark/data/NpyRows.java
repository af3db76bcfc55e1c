package org.pudle.spark.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.pudle.kernels.io.MemoryCap;
import org.pudle.kernels.io.Npy;

/**
 * A 2-D float32 or float64 {@code .npy} array of n samples x m, one sample per row (rows count
 * from 0, as numpy indexes them), or the rows of one split of it ({@link InputSplit}). The header
 * is checked against the file's length before anything is read. Rows are read a chunk at a time
 * whatever the order: in C order a chunk is one contiguous range; in Fortran order it is one
 * positioned read per column, so that a split never holds more than a chunk. A compressed file
 * cannot be read at a position: in Fortran order it is read whole, under {@link MemoryCap}.
 */
final class NpyRows extends RowReader {
  /** Values per chunk of rows. */
  private static final int CHUNK_VALUES = 1 << 16;

  private final String source;
  private final Npy.Header header;
  private final long n;
  private final int m;
  private final int width;
  /** The file when it is not compressed: seekable, and read at positions in Fortran order. */
  private final FSDataInputStream file;
  /** The stream of values in C order (or of the header), positioned at row {@link #next}. */
  private DataInputStream in;
  /** A compressed Fortran-order file, read whole, column-major. */
  private final double[] whole;
  private final boolean fortran;
  /** The split's rows: [firstRow, last); the next to read. */
  private final long firstRow;
  private final long last;
  private long next;
  private double[] chunk;
  private byte[] bytes;
  private int chunkRows;
  private int chunkPos;

  NpyRows(InputSplit split, Configuration conf) throws IOException {
    super(0);
    this.source = split.file().path();
    Path path = new Path(source);
    boolean compressed = codec(path, conf) != null;
    this.file = compressed ? null : FileSystems.of(path, conf, null).open(path);
    InputStream raw = compressed ? openStream(path, conf) : file;
    this.in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
    try {
      this.header = readHeader(in, source);
      header.checkLength(compressed ? -1 : split.file().length(), source);
      this.n = header.shape()[0];
      this.m = (int) header.shape()[1];
      this.width = header.bytesPerValue();
      long rowBytes = (long) m * width;
      long h = header.dataOffset();
      this.firstRow = split.whole() ? 0 : rowsBefore(split.start(), h, rowBytes);
      this.last = split.end() == Long.MAX_VALUE ? n : rowsBefore(split.end(), h, rowBytes);
      this.next = firstRow;
      this.fortran = header.fortranOrder() && n > 1 && m > 1;
      if (fortran && compressed) {
        MemoryCap.check(source, "the Fortran-order array of shape " + header.shapeText()
            + " (compressed, so read whole)", header.size(), MemoryCap.bytes());
        this.whole = readWhole(in, header, source);
      } else {
        this.whole = null;
        if (!fortran && firstRow > 0) {
          seekRow(firstRow);
        }
      }
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /** The values of a compressed file, the header read; in pieces, so that a short file fails early. */
  private static double[] readWhole(DataInputStream in, Npy.Header h, String source) throws IOException {
    long size = h.size();
    double[] data = new double[(int) Math.min(size, 1 << 20)];
    int filled = 0;
    while (true) {
      Npy.readValues(in, h, data, filled, data.length - filled, source);
      filled = data.length;
      if (filled == size) {
        return data;
      }
      data = java.util.Arrays.copyOf(data, (int) Math.min(size, 2L * filled));
    }
  }

  /** Places the C-order stream at row {@code r} (an uncompressed file). */
  private void seekRow(long r) throws IOException {
    file.seek(header.dataOffset() + r * m * width);
    in = new DataInputStream(new BufferedInputStream(file, 1 << 16));
  }

  /** The number of rows that start before byte {@code pos}: rows r with {@code h + r * rowBytes < pos}. */
  private long rowsBefore(long pos, long h, long rowBytes) {
    if (rowBytes == 0) {
      return pos > 0 ? n : 0; // rows of no values all belong to the first split
    }
    return Math.max(0, Math.min(n, Math.floorDiv(pos - h + rowBytes - 1, rowBytes)));
  }

  /** Reads and checks the header of a samples x m array. */
  static Npy.Header readHeader(DataInputStream in, String source) throws IOException {
    Npy.Header h = Npy.readHeader(in, source);
    if (h.shape().length != 2) {
      throw new IOException(source + ": expected a 2-D array of samples x m, got shape " + h.shapeText());
    }
    if (h.shape()[1] > Integer.MAX_VALUE / 8) {
      throw new IOException(source + ": rows of " + h.shape()[1] + " values are too long");
    }
    return h;
  }

  @Override
  protected long span() {
    return last - firstRow;
  }

  @Override
  boolean skipGood(long records) {
    if (next != firstRow || chunkRows > 0 || records > last - next || file == null && !fortran) {
      return false;
    }
    try {
      if (!fortran) {
        seekRow(next + records);
      }
    } catch (IOException e) {
      return false;
    }
    next += records;
    return true;
  }

  @Override
  protected RawRow read() throws IOException {
    if (chunkPos == chunkRows) {
      if (next >= last) {
        return null;
      }
      fill();
    }
    double[] v = new double[m];
    System.arraycopy(chunk, chunkPos * m, v, 0, m);
    long row = next - chunkRows + chunkPos;
    chunkPos++;
    return RawRow.good(row - firstRow, v);
  }

  /** Reads the next chunk of rows into {@code chunk}, row-major. */
  private void fill() throws IOException {
    int rows = (int) Math.min(last - next, Math.max(1, CHUNK_VALUES / Math.max(m, 1)));
    if (chunk == null || chunk.length < rows * m) {
      chunk = new double[rows * m];
    }
    if (whole != null) {
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < m; j++) {
          chunk[i * m + j] = whole[(int) (next + i + j * n)];
        }
      }
    } else if (fortran) {
      // column j of rows [next, next + rows) is one contiguous run
      int runBytes = rows * width;
      if (bytes == null || bytes.length < runBytes) {
        bytes = new byte[runBytes];
      }
      ByteBuffer bb = ByteBuffer.wrap(bytes).order(header.order());
      double[] column = new double[rows];
      for (int j = 0; j < m; j++) {
        long at = header.dataOffset() + ((long) j * n + next) * width;
        try {
          file.readFully(at, bytes, 0, runBytes);
        } catch (java.io.EOFException e) {
          throw new IOException(source + ": .npy data ends early: the header promises shape " + header.shapeText());
        }
        Npy.decode(bb, width, rows, column, 0);
        for (int i = 0; i < rows; i++) {
          chunk[i * m + j] = column[i];
        }
      }
    } else {
      Npy.readValues(in, header, chunk, 0, rows * m, source);
    }
    next += rows;
    chunkRows = rows;
    chunkPos = 0;
  }

  @Override
  public void close() throws IOException {
    in.close();
    if (file != null) {
      file.close();
    }
  }
}
