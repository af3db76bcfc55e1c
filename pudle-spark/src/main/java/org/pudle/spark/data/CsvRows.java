package org.pudle.spark.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * CSV or TSV, one sample per line. Blank lines and lines starting with {@code #} (numpy's
 * {@code savetxt} header) are skipped; fields may be quoted; {@code nan} and {@code inf} are read
 * as such and then rejected as not finite. Lines and columns count from 1, as in an editor.
 */
final class CsvRows extends RowReader {
  private final BufferedReader in;
  private final Boolean header;
  private final String delimiter;
  private long line;
  private boolean first = true;

  CsvRows(InputFile file, InputParams params, Configuration conf) throws IOException {
    super("line", 1);
    this.in = new BufferedReader(new InputStreamReader(openStream(new Path(file.path()), conf), StandardCharsets.UTF_8),
        1 << 16);
    this.header = params.header();
    this.delimiter = params.delimiter() != null ? params.delimiter() : file.format() == FileFormat.TSV ? "\t" : ",";
  }

  @Override
  protected RawRow read() throws IOException {
    while (true) {
      String s = in.readLine();
      if (s == null) {
        return null;
      }
      line++;
      if (first && !s.isEmpty() && s.charAt(0) == '\uFEFF') {
        s = s.substring(1);
      }
      String t = s.strip();
      if (t.isEmpty() || t.charAt(0) == '#') {
        continue;
      }
      List<String> fields = split(t);
      if (first) {
        first = false;
        boolean isHeader = header != null ? header : fields.stream().noneMatch(CsvRows::isNumber);
        if (isHeader) {
          continue;
        }
      }
      double[] v = new double[fields.size()];
      for (int j = 0; j < v.length; j++) {
        String f = fields.get(j);
        Double d = number(f);
        if (d == null) {
          return RawRow.bad(line, where(line) + ", column " + (j + 1) + ": '" + abbreviate(f) + "' is not a number");
        }
        v[j] = d;
      }
      return RawRow.good(line, v);
    }
  }

  private List<String> split(String t) {
    List<String> out = new ArrayList<>();
    if (" ".equals(delimiter)) {
      for (String f : t.split("\\s+")) {
        out.add(unquote(f));
      }
      return out;
    }
    char d = delimiter.charAt(0);
    int start = 0;
    for (int i = 0; i <= t.length(); i++) {
      if (i == t.length() || t.charAt(i) == d) {
        out.add(unquote(t.substring(start, i).strip()));
        start = i + 1;
      }
    }
    return out;
  }

  private static String unquote(String f) {
    if (f.length() >= 2 && (f.charAt(0) == '"' && f.charAt(f.length() - 1) == '"'
        || f.charAt(0) == '\'' && f.charAt(f.length() - 1) == '\'')) {
      return f.substring(1, f.length() - 1).strip();
    }
    return f;
  }

  private static boolean isNumber(String f) {
    return number(f) != null;
  }

  /** The number in a field, or null; accepts nan, inf, -inf and infinity in any case. */
  static Double number(String f) {
    if (f.isEmpty()) {
      return null;
    }
    switch (f.toLowerCase(Locale.ROOT)) {
      case "nan":
      case "+nan":
      case "-nan":
        return Double.NaN;
      case "inf":
      case "+inf":
      case "infinity":
      case "+infinity":
        return Double.POSITIVE_INFINITY;
      case "-inf":
      case "-infinity":
        return Double.NEGATIVE_INFINITY;
      default:
        break;
    }
    char last = f.charAt(f.length() - 1);
    if (!(Character.isDigit(last) || last == '.')) {
      return null; // Java would accept 1d, 1f and hex floats
    }
    try {
      return Double.parseDouble(f);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String abbreviate(String f) {
    return f.length() <= 40 ? f : f.substring(0, 37) + "...";
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
