package org.pudle.spark.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.Arrays;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.pudle.kernels.io.Npy;

/**
 * A 2-D float32 or float64 {@code .npy} array of n samples x m, one sample per row (rows count
 * from 0, as numpy indexes them). C order is streamed a chunk of rows at a time; a Fortran-order
 * shard is read whole (its rows are not contiguous).
 */
final class NpyRows extends RowReader {
  private final DataInputStream in;
  private final String source;
  private final Npy.Header header;
  private final long rows;
  private final int m;
  private final double[] fortran;
  private double[] chunk;
  private int chunkRows;
  private int chunkPos;
  private long row;

  NpyRows(InputFile file, Configuration conf) throws IOException {
    super("row", 0);
    this.source = file.path();
    this.in = new DataInputStream(new BufferedInputStream(openStream(new Path(file.path()), conf), 1 << 16));
    try {
      this.header = readHeader(in, source);
    } catch (IOException e) {
      in.close();
      throw e;
    }
    this.rows = header.shape()[0];
    this.m = (int) header.shape()[1];
    if (header.fortranOrder() && rows > 1) {
      long size = header.size();
      if (size > Integer.MAX_VALUE - 8) {
        in.close();
        throw new IOException(source + ": a Fortran-order shard of " + size + " values is too large to read whole; "
            + "save it in C order or as smaller shards");
      }
      fortran = new double[(int) size];
      Npy.readValues(in, header, fortran, 0, fortran.length, source);
    } else {
      fortran = null;
    }
  }

  /** Reads and checks the header of a samples x m array. */
  static Npy.Header readHeader(DataInputStream in, String source) throws IOException {
    Npy.Header h = Npy.readHeader(in, source);
    if (h.shape().length != 2) {
      throw new IOException(source + ": expected a 2-D array of samples x m, got shape " + Arrays.toString(h.shape()));
    }
    if (h.shape()[1] > Integer.MAX_VALUE / 8) {
      throw new IOException(source + ": rows of " + h.shape()[1] + " values are too long");
    }
    return h;
  }

  @Override
  protected RawRow read() throws IOException {
    if (row >= rows) {
      return null;
    }
    double[] v = new double[m];
    if (fortran != null) {
      for (int j = 0; j < m; j++) {
        v[j] = fortran[(int) (row + j * rows)];
      }
    } else {
      if (chunkPos == chunkRows) {
        int want = (int) Math.min(rows - row, Math.max(1, (1 << 15) / Math.max(m, 1)));
        if (chunk == null || chunk.length < want * m) {
          chunk = new double[want * m];
        }
        Npy.readValues(in, header, chunk, 0, want * m, source);
        chunkRows = want;
        chunkPos = 0;
      }
      System.arraycopy(chunk, chunkPos * m, v, 0, m);
      chunkPos++;
    }
    return RawRow.good(row++, v);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
