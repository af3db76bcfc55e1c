package org.pudle.spark.data;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.util.LineReader;
import org.pudle.kernels.io.MemoryCap;

/**
 * CSV or TSV, one sample per line. Blank lines and lines starting with {@code #} (numpy's
 * {@code savetxt} header) are skipped; fields may be quoted as RFC 4180 says (a quoted field may
 * hold the delimiter, and {@code ""} stands for a quote inside it); {@code nan} and {@code inf}
 * are read as such and then rejected as not finite. Lines and columns count from 1, as in an
 * editor.
 *
 * <p>A split of a file ({@link InputSplit}) reads the lines that start in its byte range, as
 * Hadoop's {@code LineRecordReader} does: lines end at {@code \n}, {@code \r} or {@code \r\n};
 * a split after the first skips the line it starts in. Only the file's first split has a header
 * or a byte-order mark. A line longer than {@link #maxLineBytes} is a bad line, read past without
 * keeping it.
 */
final class CsvRows extends RowReader {
  private final LineReader in;
  private final Text text = new Text();
  private final Boolean header;
  private final String delimiter;
  /** Lines that start at or before this byte belong to the split. */
  private final long end;
  private final int maxLine;
  /** The byte where the next line starts. */
  private long pos;
  private long line;
  private boolean first;
  private boolean bom;

  CsvRows(InputSplit split, InputParams params, Configuration conf) throws IOException {
    super(1);
    Path path = new Path(split.file().path());
    InputStream raw;
    if (split.start() > 0) {
      FSDataInputStream s = FileSystems.of(path, conf, null).open(path);
      s.seek(split.start());
      raw = s;
    } else {
      raw = openStream(path, conf);
    }
    this.in = new LineReader(raw, 1 << 16);
    this.header = params.header();
    this.delimiter = params.delimiter() != null ? params.delimiter()
        : split.file().format() == FileFormat.TSV ? "\t" : ",";
    this.end = split.end();
    this.maxLine = maxLineBytes();
    this.first = split.first();
    this.bom = split.first();
    this.pos = split.start();
    if (split.start() > 0) {
      try {
        // the line this split starts in belongs to the split before
        pos += in.readLine(new Text(), 0, Integer.MAX_VALUE);
      } catch (IOException e) {
        in.close();
        throw e;
      }
    }
  }

  /** The longest line kept: an eighth of {@link MemoryCap#bytes} (a line becomes a String and its doubles). */
  static int maxLineBytes() {
    return (int) Math.min(Integer.MAX_VALUE - 8, MemoryCap.bytes() / 8);
  }

  @Override
  protected long span() {
    return line;
  }

  @Override
  protected RawRow read() throws IOException {
    while (true) {
      if (pos > end) {
        return null;
      }
      int consumed = in.readLine(text, maxLine, Integer.MAX_VALUE);
      if (consumed == 0) {
        return null;
      }
      pos += consumed;
      line++;
      if (consumed - text.getLength() > 2) {
        first = false;
        bom = false;
        return RawRow.bad(line, ": longer than " + MemoryCap.size(maxLine) + " (" + consumed + " bytes), the most "
            + "one line may take in this JVM");
      }
      String s = text.toString();
      if (bom && !s.isEmpty() && s.charAt(0) == '\uFEFF') {
        s = s.substring(1);
      }
      bom = false;
      String t = s.strip();
      if (t.isEmpty() || t.charAt(0) == '#') {
        continue;
      }
      List<String> fields = new ArrayList<>();
      String problem = split(t, delimiter, fields);
      if (first) {
        first = false;
        boolean isHeader = header != null ? header : problem == null && fields.stream().noneMatch(CsvRows::isNumber);
        if (isHeader) {
          continue;
        }
      }
      if (problem != null) {
        return RawRow.bad(line, problem);
      }
      double[] v = new double[fields.size()];
      for (int j = 0; j < v.length; j++) {
        String f = fields.get(j);
        Double d = number(f);
        if (d == null) {
          return RawRow.bad(line, ", column " + (j + 1) + ": '" + abbreviate(f) + "' is not a number");
        }
        v[j] = d;
      }
      return RawRow.good(line, v);
    }
  }

  /**
   * Splits a line into {@code out} as RFC 4180 reads it: a field that starts with {@code "} runs to
   * the closing quote ({@code ""} is a quote), blanks around fields are dropped; with the
   * delimiter {@code " "}, runs of blanks separate the fields. A field in single quotes loses them.
   *
   * @return null, or what is wrong with the line, after its place: ", column 2: ..."
   */
  static String split(String t, String delimiter, List<String> out) {
    boolean blanks = " ".equals(delimiter);
    char d = delimiter.charAt(0);
    int i = 0;
    int n = t.length();
    while (true) {
      while (i < n && isBlank(t.charAt(i), blanks ? 0 : d)) {
        i++;
      }
      int column = out.size() + 1;
      if (i < n && t.charAt(i) == '"') {
        StringBuilder sb = new StringBuilder();
        i++;
        while (true) {
          if (i >= n) {
            return ", column " + column + ": the quoted field is not closed";
          }
          char c = t.charAt(i++);
          if (c == '"') {
            if (i < n && t.charAt(i) == '"') {
              sb.append('"');
              i++;
            } else {
              break;
            }
          } else {
            sb.append(c);
          }
        }
        while (i < n && isBlank(t.charAt(i), blanks ? 0 : d)) {
          i++;
        }
        out.add(sb.toString().strip());
        if (i < n && !blanks && t.charAt(i) != d) {
          return ", column " + column + ": text after the closing quote";
        }
      } else {
        int start = i;
        while (i < n && (blanks ? !Character.isWhitespace(t.charAt(i)) : t.charAt(i) != d)) {
          i++;
        }
        out.add(unquoteSingle(t.substring(start, i).strip()));
      }
      if (i >= n) {
        return null;
      }
      if (!blanks) {
        i++; // the delimiter
        if (i >= n) {
          out.add("");
          return null;
        }
      }
    }
  }

  private static boolean isBlank(char c, char delimiter) {
    return c != delimiter && (c == ' ' || c == '\t') || delimiter == 0 && Character.isWhitespace(c);
  }

  private static String unquoteSingle(String f) {
    if (f.length() >= 2 && f.charAt(0) == '\'' && f.charAt(f.length() - 1) == '\'') {
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
