package org.pudle.spark.config;

import java.util.List;
import java.util.Locale;

import org.pudle.spark.data.FileFormat;
import org.pudle.spark.data.SampleNormalization;

/**
 * Samples read from files ({@code input=}): where, in which format, how strictly.
 *
 * @param path        a file, a directory or a glob on any Hadoop filesystem
 * @param format      the format of every file, or null to tell it from each file's extension
 * @param column      the Parquet column, or null to pick the only vector-like column
 * @param header      CSV/TSV: whether the first line is a header; null = auto (a first line
 *                    without any number is a header)
 * @param delimiter   CSV/TSV field separator; null = ',' for csv and tab for tsv; " " = runs of blanks
 * @param normalize   per-sample normalization
 * @param skipBadRows skip (and count) bad rows and files instead of failing on the first
 * @param expectedM   the signal dimension the data must have, or 0 to infer it from the data
 * @param image       how images are cut into patches
 */
public record InputParams(String path, FileFormat format, String column, Boolean header, String delimiter,
    SampleNormalization normalize, boolean skipBadRows, int expectedM, ImagePatches image)
    implements java.io.Serializable {

  /**
   * Patches of images.
   *
   * @param height   patch rows
   * @param width    patch columns
   * @param strideY  rows between patch origins
   * @param strideX  columns between patch origins
   * @param rgb      three values (R, G, B) per pixel instead of the luminance
   */
  public record ImagePatches(int height, int width, int strideY, int strideX, boolean rgb)
      implements java.io.Serializable {
    /** Values per patch: its pixels, row by row, with the channels of a pixel together. */
    public int dimension() {
      return height * width * (rgb ? 3 : 1);
    }
  }

  public static final List<KeyDoc> KEYS = List.of(
      new KeyDoc("input", "(none)", "samples from files: a file, directory or glob on any Hadoop path; none = synthetic data"),
      new KeyDoc("input.format", "auto", "parquet, csv, tsv, npy or image; auto = by each file's extension"),
      new KeyDoc("input.column", "auto", "Parquet column (array<double>, array<float> or ML Vector); auto = the only such column, or 'features'"),
      new KeyDoc("input.header", "auto", "CSV/TSV: true, false or auto (a first line with no number is a header)"),
      new KeyDoc("input.delimiter", "auto", "CSV/TSV separator: a character, 'tab' or 'space' (runs of blanks); auto = ',' for .csv, tab for .tsv"),
      new KeyDoc("input.normalize", "none", "per-sample normalization: none, center (subtract the mean), unit (l2 norm 1) or center-unit"),
      new KeyDoc("input.bad.rows", "fail", "fail (a bad row or file is an error) or skip (skip them, count them and report the count)"),
      new KeyDoc("image.patch", "8", "image patch size in pixels: N or HxW"),
      new KeyDoc("image.stride", "half the patch", "pixels between patch origins: N or HxW (patches overlap when smaller than the patch)"),
      new KeyDoc("image.color", "gray", "gray (luminance 0.299 R + 0.587 G + 0.114 B) or rgb (3 values per pixel)"));

  /** The input of the config, or null when it has no {@code input} key (synthetic data). */
  public static InputParams from(Config c) {
    String path = c.string("input", null);
    FileFormat format = c.parse("input.format", null, s -> "auto".equalsIgnoreCase(s) ? null : FileFormat.parse(s),
        "auto, parquet, csv, tsv, npy or image");
    String column = c.string("input.column", null);
    if ("auto".equalsIgnoreCase(column)) {
      column = null;
    }
    Boolean header = c.parse("input.header", null, s -> {
      switch (s.toLowerCase(Locale.ROOT)) {
        case "auto":
          return null;
        case "true":
        case "yes":
          return Boolean.TRUE;
        case "false":
        case "no":
          return Boolean.FALSE;
        default:
          throw new IllegalArgumentException();
      }
    }, "true, false or auto");
    String delimiter = c.parse("input.delimiter", null, InputParams::delimiter, "a single character, tab, space or auto");
    SampleNormalization normalize = c.parse("input.normalize", SampleNormalization.NONE, SampleNormalization::parse,
        "none, center, unit or center-unit");
    boolean skip = c.parse("input.bad.rows", false, s -> {
      switch (s.toLowerCase(Locale.ROOT)) {
        case "fail":
          return false;
        case "skip":
          return true;
        default:
          throw new IllegalArgumentException();
      }
    }, "fail or skip");
    int[] patch = c.parse("image.patch", new int[] {8, 8}, InputParams::size, "N or HxW with positive N, H, W");
    int[] stride = c.parse("image.stride", new int[] {Math.max(1, patch[0] / 2), Math.max(1, patch[1] / 2)},
        InputParams::size, "N or HxW with positive N, H, W");
    boolean rgb = c.parse("image.color", false, s -> {
      switch (s.toLowerCase(Locale.ROOT)) {
        case "gray":
        case "grey":
          return false;
        case "rgb":
        case "color":
          return true;
        default:
          throw new IllegalArgumentException();
      }
    }, "gray or rgb");
    if (path == null) {
      return null;
    }
    int m = c.values().containsKey("m") ? c.integer("m", 0) : 0;
    if (m < 0) {
      throw c.error("m", "expected a positive dimension, got " + m);
    }
    return new InputParams(path, format, column, header, delimiter, normalize, skip, m,
        new ImagePatches(patch[0], patch[1], stride[0], stride[1], rgb));
  }

  private static String delimiter(String s) {
    switch (s.toLowerCase(Locale.ROOT)) {
      case "auto":
        return null;
      case "tab":
      case "\\t":
        return "\t";
      case "space":
      case "whitespace":
        return " ";
      case "comma":
        return ",";
      case "semicolon":
        return ";";
      default:
        if (s.length() == 1) {
          return s;
        }
        throw new IllegalArgumentException();
    }
  }

  private static int[] size(String s) {
    String[] parts = s.toLowerCase(Locale.ROOT).split("x");
    if (parts.length < 1 || parts.length > 2) {
      throw new IllegalArgumentException();
    }
    int h = Integer.parseInt(parts[0].trim());
    int w = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : h;
    if (h < 1 || w < 1) {
      throw new IllegalArgumentException();
    }
    return new int[] {h, w};
  }

  /** The settings as config lines, for run.properties. */
  public String describe() {
    return "input=" + path + (format == null ? "" : " format=" + format) + (column == null ? "" : " column=" + column)
        + (normalize == SampleNormalization.NONE ? "" : " normalize=" + normalize)
        + (skipBadRows ? " bad rows skipped" : "");
  }
}
