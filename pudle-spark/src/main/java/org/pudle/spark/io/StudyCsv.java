package org.pudle.spark.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.study.DepthStudySums.Reference;
import org.pudle.kernels.study.StudyEstimates.Norm;
import org.pudle.kernels.study.StudyEstimates.Row;

/**
 * {@code study.csv} and {@code sweep.csv} of {@code pudle study}: one row per depth and gradient
 * ({@link Row}), every number written so that it reads back exactly; and the reading back, by
 * header name, for {@code --replot}.
 */
public final class StudyCsv {
  /** The header: t, the gradient, the errors and their standard errors, the code and Jacobian errors, n. */
  public static final String HEADER;

  static {
    StringBuilder sb = new StringBuilder("t,gradient");
    for (String suffix : new String[] {"", "_se"}) {
      for (Norm norm : Norm.values()) {
        for (Reference r : Reference.values()) {
          sb.append(',').append(r.key()).append('_').append(norm.key()).append(suffix);
        }
      }
    }
    sb.append(",z_err,z_err_se,support_found,jac_err,jac_err_se,n");
    HEADER = sb.toString();
  }

  private StudyCsv() {}

  /** The {@link #HEADER} row of {@code r}; NaN is an empty field. */
  public static String row(Row r) {
    StringBuilder sb = new StringBuilder();
    sb.append(r.t()).append(',').append(r.kind().key());
    for (int s = 0; s < 2; s++) {
      for (Norm norm : Norm.values()) {
        for (Reference ref : Reference.values()) {
          sb.append(',').append(num(s == 0 ? r.error(ref, norm) : r.se(ref, norm)));
        }
      }
    }
    sb.append(',').append(num(r.codeError())).append(',').append(num(r.codeErrorSe())).append(',')
        .append(num(r.supportFound())).append(',').append(num(r.jacobianError())).append(',')
        .append(num(r.jacobianErrorSe())).append(',').append(r.n());
    return sb.toString();
  }

  /** The file: the header, then a row each. */
  public static String text(List<Row> rows) {
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    for (Row r : rows) {
      sb.append(row(r)).append('\n');
    }
    return sb.toString();
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : Matrices.formatExact(v);
  }

  /**
   * Reads the rows of a study.csv or sweep.csv, by header name.
   *
   * @throws IOException naming the file and line of a malformed row
   */
  public static List<Row> read(FileSystem fs, Path path) throws IOException {
    List<String> lines;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(path), StandardCharsets.UTF_8))) {
      lines = r.lines().toList();
    }
    if (lines.isEmpty()) {
      throw new IOException(path + ": empty");
    }
    List<String> header = Arrays.asList(lines.get(0).split(","));
    List<Row> rows = new ArrayList<>();
    for (int li = 1; li < lines.size(); li++) {
      if (lines.get(li).isBlank()) {
        continue;
      }
      String[] f = lines.get(li).split(",", -1);
      if (f.length != header.size()) {
        throw new IOException(path + ", line " + (li + 1) + ": expected " + header.size() + " fields, got " + f.length);
      }
      Function<String, Double> col = name -> {
        int i = header.indexOf(name);
        return i < 0 || f[i].isEmpty() ? Double.NaN : Double.parseDouble(f[i]);
      };
      try {
        double[][] err = new double[Reference.values().length][2];
        double[][] se = new double[Reference.values().length][2];
        for (Reference ref : Reference.values()) {
          for (Norm norm : Norm.values()) {
            err[ref.ordinal()][norm.ordinal()] = col.apply(ref.key() + "_" + norm.key());
            se[ref.ordinal()][norm.ordinal()] = col.apply(ref.key() + "_" + norm.key() + "_se");
          }
        }
        rows.add(new Row((int) Math.round(col.apply("t")), GradientKind.parse(f[header.indexOf("gradient")]), err, se,
            col.apply("z_err"), col.apply("z_err_se"), col.apply("support_found"), col.apply("jac_err"),
            col.apply("jac_err_se"), Math.round(col.apply("n"))));
      } catch (IllegalArgumentException e) {
        throw new IOException(path + ", line " + (li + 1) + ": " + e.getMessage(), e);
      }
    }
    return rows;
  }
}
