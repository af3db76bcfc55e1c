package org.pudle.kernels.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results of {@link CudaCheck}: one row per measurement or fact, printed as one aligned table
 * and written as {@code check.csv} (and the printed table as {@code check.txt}) into the output
 * folder. The files are rewritten after every section, by rename, so a run that is cut short
 * leaves what it measured. Rows may be added from any thread.
 */
final class CheckTable {
  /** The CSV header; one column per {@link Row} component. */
  static final String HEADER = "section,item,gemm,precision,seconds,gflop_s,result,note";

  /**
   * One line of the table.
   *
   * @param section   device, gemm, agreement, gradients, b1, conv, study, cpu, result
   * @param item      what was measured (shape, kind)
   * @param gemm      the GEMM provider ({@code own}, {@code cublas}) or empty
   * @param precision {@code FP64}, {@code FP32} or empty
   * @param seconds   seconds per operation, or NaN
   * @param gflops    GFLOP/s, or NaN
   * @param result    a value with its unit, or PASS / FAIL with the difference, or a fact
   * @param note      anything else, or empty
   */
  record Row(String section, String item, String gemm, String precision, double seconds, double gflops, String result,
      String note) {
    String[] cells() {
      return new String[] {section, item, gemm, precision, Double.isNaN(seconds) ? "" : number(seconds),
        Double.isNaN(gflops) ? "" : String.format(Locale.ROOT, "%.1f", gflops), result, note};
    }
  }

  private final List<Row> rows = new ArrayList<>();

  synchronized void add(Row row) {
    rows.add(row);
  }

  /** A row without timing. */
  void fact(String section, String item, String gemm, String precision, String result, String note) {
    add(new Row(section, item, gemm, precision, Double.NaN, Double.NaN, result, note));
  }

  synchronized List<Row> rows() {
    return new ArrayList<>(rows);
  }

  static String number(double v) {
    return String.format(Locale.ROOT, Math.abs(v) >= 1e-3 || v == 0 ? "%.4f" : "%.3e", v);
  }

  /** The table, aligned, with a header line. */
  synchronized String text() {
    String[] head = {"section", "item", "gemm", "prec", "seconds", "GFLOP/s", "result", "note"};
    int[] width = new int[head.length];
    List<String[]> cells = new ArrayList<>();
    cells.add(head);
    for (Row r : rows) {
      cells.add(r.cells());
    }
    for (String[] c : cells) {
      for (int i = 0; i < c.length - 1; i++) {
        width[i] = Math.max(width[i], c[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] c : cells) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < c.length; i++) {
        line.append(i == c.length - 1 ? c[i] : String.format(Locale.ROOT, "%-" + width[i] + "s  ", c[i]));
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }

  /** The rows as CSV (RFC 4180 quoting), with {@link #HEADER}. */
  synchronized String csv() {
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    for (Row r : rows) {
      String[] c = r.cells();
      for (int i = 0; i < c.length; i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(quote(c[i]));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  static String quote(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  /** Writes {@code check.csv} and {@code check.txt} into {@code dir}, each by rename. */
  synchronized void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    replace(dir.resolve("check.csv"), csv());
    replace(dir.resolve("check.txt"), text());
  }

  private static void replace(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  void print(PrintStream out) {
    out.print(text());
    out.flush();
  }
}
