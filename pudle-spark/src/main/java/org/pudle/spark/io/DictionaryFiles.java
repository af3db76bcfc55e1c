package org.pudle.spark.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.data.FileSystems;
import org.pudle.spark.data.InputException;

/**
 * Dictionaries in files: read from {@code .npy} or CSV (for {@code init=} and {@code reference=}),
 * written as a Parquet dataset beside the {@code .npy} and CSV copies.
 */
public final class DictionaryFiles {
  private DictionaryFiles() {}

  /** A matrix read from a file, column-major. */
  public record Matrix(int rows, int cols, double[] columnMajor) {}

  /**
   * Reads an m x p matrix: {@code .npy} (2-D, float32 or float64, C or Fortran order) or CSV (one
   * line per row, separated by commas or blanks; {@code #} lines are skipped). Every value must
   * be finite.
   *
   * @param key the config key that named the file, for messages
   * @throws InputException naming the file (and line and column) when it is missing or bad
   */
  public static Matrix read(String path, Configuration conf, String key) {
    try {
      Path p = new Path(path);
      FileSystem fs = FileSystems.of(p, conf, "config key '" + key + "'");
      if (!fs.exists(p)) {
        throw new InputException(path + " (config key '" + key + "'): no such file");
      }
      Matrix mat;
      if (path.toLowerCase(Locale.ROOT).endsWith(".npy")) {
        Npy.Matrix n = Matrices.readNpy(path, conf);
        if (n.header().shape().length != 2) {
          throw new InputException(path + " (config key '" + key + "'): expected a 2-D m x p array, got shape "
              + Arrays.toString(n.header().shape()));
        }
        mat = new Matrix(n.rows(), n.cols(), n.columnMajor());
      } else {
        try (InputStream in = fs.open(p)) {
          mat = readCsv(in, path);
        }
      }
      for (int i = 0; i < mat.columnMajor().length; i++) {
        double v = mat.columnMajor()[i];
        if (!Double.isFinite(v)) {
          throw new InputException(path + " (config key '" + key + "'): value " + v + " at row " + i % mat.rows()
              + ", column " + i / mat.rows() + " is not finite");
        }
      }
      if (mat.rows() == 0 || mat.cols() == 0) {
        throw new InputException(path + " (config key '" + key + "'): empty matrix (" + mat.rows() + " x "
            + mat.cols() + ")");
      }
      return mat;
    } catch (IOException e) {
      throw new InputException(path + " (config key '" + key + "'): " + e.getMessage(), e);
    }
  }

  private static Matrix readCsv(InputStream in, String source) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    List<double[]> rows = new ArrayList<>();
    String s;
    int line = 0;
    while ((s = r.readLine()) != null) {
      line++;
      String t = s.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] f = t.split("\\s*[,;\\s]\\s*");
      double[] v = new double[f.length];
      for (int j = 0; j < f.length; j++) {
        try {
          v[j] = Double.parseDouble(f[j]);
        } catch (NumberFormatException e) {
          throw new InputException(source + ": line " + line + ", column " + (j + 1) + ": '" + f[j]
              + "' is not a number");
        }
      }
      if (!rows.isEmpty() && v.length != rows.get(0).length) {
        throw new InputException(source + ": line " + line + " has " + v.length + " values, the first row "
            + rows.get(0).length);
      }
      rows.add(v);
    }
    int m = rows.size();
    int p = m == 0 ? 0 : rows.get(0).length;
    double[] d = new double[m * p];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < p; j++) {
        d[i + j * m] = rows.get(i)[j];
      }
    }
    return new Matrix(m, p, d);
  }

  /**
   * A dictionary as a Parquet dataset of p rows, one per atom: {@code atom} (int, 0-based) and
   * {@code values} ({@code array<double>} of its m entries), in one file ({@link ParquetTables}); for
   * {@link RunOutputs#directory}.
   */
  public static OutputDir.DirectoryWriting parquet(Configuration conf, double[] d, int m, int p) {
    List<Row> rows = new ArrayList<>(p);
    for (int j = 0; j < p; j++) {
      rows.add(RowFactory.create(j, Arrays.copyOfRange(d, j * m, (j + 1) * m)));
    }
    StructType schema = new StructType()
        .add("atom", DataTypes.IntegerType, false)
        .add("values", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
    return path -> ParquetTables.write(path, conf, schema, rows);
  }

}
