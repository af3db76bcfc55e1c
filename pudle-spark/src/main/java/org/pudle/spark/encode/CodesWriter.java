package org.pudle.spark.encode;

import java.io.BufferedWriter;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.io.RunOutputs;

/**
 * The codes of {@code encode} in the format users read ({@code codes.format}): Parquet (the rows
 * as they are), dense {@code .npy} (n x p, row i the code of sample i), a CSR triplet of
 * {@code .npy} files ({@code codes-data.npy}, {@code codes-indices.npy}, {@code codes-indptr.npy}:
 * {@code scipy.sparse.csr_matrix((data, indices, indptr), shape=(n, p))}), or CSV
 * ({@code index,loss,z0,...}); or, with {@code codes.errors.only}, only each sample's
 * reconstruction error {@code 1/2 ||x - D z||^2} ({@code errors.parquet}, {@code errors.npy} or
 * {@code errors.csv}). The .npy and CSV files are streamed from the executors in index order.
 */
final class CodesWriter {
  private CodesWriter() {}

  /** {@code codes.format}. */
  enum Format {
    PARQUET("parquet"), NPY("npy"), CSR("csr"), CSV("csv");

    final String key;

    Format(String key) {
      this.key = key;
    }

    static Format parse(String s) {
      for (Format f : values()) {
        if (f.key.equals(s.trim().toLowerCase(Locale.ROOT))) {
          return f;
        }
      }
      throw new IllegalArgumentException("unknown codes format '" + s + "'");
    }
  }

  /**
   * Writes the rows ({@code index}, {@code code}, {@code loss}, {@code kkt}) of {@code n} samples
   * with {@code nnz} non-zeros in all; returns the names of the files written.
   */
  static String write(RunOutputs out, SparkSession spark, JavaRDD<Row> rows, StructType schema, Format format,
      boolean errorsOnly, long n, long nnz, int p) throws IOException {
    if (format == Format.PARQUET) {
      if (errorsOnly) {
        StructType errors = new StructType().add("index", DataTypes.LongType, false)
            .add("loss", DataTypes.DoubleType, false);
        JavaRDD<Row> e = rows.map(r -> RowFactory.create(r.getLong(0), r.getDouble(2)));
        out.directory("errors.parquet", path -> spark.createDataFrame(e, errors).write().parquet(path));
        return "errors.parquet (index, loss)";
      }
      out.directory("codes.parquet", path -> spark.createDataFrame(rows, schema).write().parquet(path));
      return "codes.parquet (index, code, loss, kkt)";
    }
    JavaRDD<Row> sorted = rows.sortBy(r -> r.getLong(0), true, rows.getNumPartitions())
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      if (errorsOnly) {
        if (format == Format.CSV) {
          out.file("errors.csv", o -> csv(o, sorted, p, true));
          return "errors.csv (index, loss)";
        }
        out.file("errors.npy", o -> npy(o, sorted, "<f8", new long[] {n}, (d, r) -> d.writeDouble(r.getDouble(2))));
        return "errors.npy (n values of 1/2 ||x - D z||^2)";
      }
      switch (format) {
        case NPY:
          out.file("codes.npy", o -> npy(o, sorted, "<f8", new long[] {n, p}, (d, r) -> {
            double[] z = ((Vector) r.get(1)).toArray();
            for (double v : z) {
              d.writeDouble(v);
            }
          }));
          return "codes.npy (n x p)";
        case CSR:
          out.file("codes-data.npy", o -> npy(o, sorted, "<f8", new long[] {nnz}, (d, r) -> {
            for (double v : sparse(r).values()) {
              d.writeDouble(v);
            }
          }));
          out.file("codes-indices.npy", o -> npy(o, sorted, "<i8", new long[] {nnz}, (d, r) -> {
            for (int j : sparse(r).indices()) {
              d.writeLong(j);
            }
          }));
          long[] total = {0};
          out.file("codes-indptr.npy", o -> {
            total[0] = 0;
            npy(o, sorted, "<i8", new long[] {n + 1}, (d, r) -> {
              if (r.getLong(0) == 0) {
                d.writeLong(0);
              }
              total[0] += sparse(r).indices().length;
              d.writeLong(total[0]);
            });
          });
          return "codes-data.npy, codes-indices.npy, codes-indptr.npy (CSR, n x p)";
        default:
          out.file("codes.csv", o -> csv(o, sorted, p, false));
          return "codes.csv (index, loss, z0 .. z" + (p - 1) + ")";
      }
    } finally {
      sorted.unpersist(false);
    }
  }

  private static SparseVector sparse(Row r) {
    return ((Vector) r.get(1)).toSparse();
  }

  /** Writes one row's values, little-endian. */
  private interface RowValues {
    void write(LittleEndian out, Row r) throws IOException;
  }

  /** The .npy {@code descr} {@code <f8} and {@code <i8} are little-endian. */
  private static final class LittleEndian {
    private final DataOutputStream out;

    LittleEndian(OutputStream o) {
      this.out = new DataOutputStream(new java.io.BufferedOutputStream(o, 1 << 16));
    }

    void writeDouble(double v) throws IOException {
      out.writeLong(Long.reverseBytes(Double.doubleToRawLongBits(v)));
    }

    void writeLong(long v) throws IOException {
      out.writeLong(Long.reverseBytes(v));
    }

    void flush() throws IOException {
      out.flush();
    }
  }

  private static void npy(OutputStream o, JavaRDD<Row> sorted, String descr, long[] shape, RowValues values)
      throws IOException {
    Npy.writeHeader(o, descr, false, shape);
    LittleEndian le = new LittleEndian(o);
    for (Iterator<Row> it = sorted.toLocalIterator(); it.hasNext();) {
      values.write(le, it.next());
    }
    le.flush();
  }

  private static void csv(OutputStream o, JavaRDD<Row> sorted, int p, boolean errorsOnly) throws IOException {
    BufferedWriter w = new BufferedWriter(new OutputStreamWriter(o, StandardCharsets.UTF_8), 1 << 16);
    StringBuilder header = new StringBuilder("index,loss");
    for (int j = 0; j < p && !errorsOnly; j++) {
      header.append(",z").append(j);
    }
    w.write(header.append('\n').toString());
    for (Iterator<Row> it = sorted.toLocalIterator(); it.hasNext();) {
      Row r = it.next();
      StringBuilder line = new StringBuilder().append(r.getLong(0)).append(',').append(r.getDouble(2));
      if (!errorsOnly) {
        for (double v : ((Vector) r.get(1)).toArray()) {
          line.append(',').append(v == 0 ? "0" : Double.toString(v));
        }
      }
      w.write(line.append('\n').toString());
    }
    w.flush();
  }
}
