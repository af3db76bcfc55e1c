package org.pudle.spark.config;

import java.util.List;
import java.util.Locale;

import org.pudle.spark.data.FileFormat;
import org.pudle.spark.data.InputParams;
import org.pudle.spark.data.SampleNormalization;

/** The keys of samples read from files: {@code input} and how its files are read ({@link InputParams}). */
public final class InputSettings {
  private InputSettings() {}

  public static final Setting<String> INPUT = Setting.text("input", null)
      .doc("samples from files: a file, directory or glob on any Hadoop path; none = synthetic data");
  public static final Setting<FileFormat> FORMAT = Setting.of("input.format", "auto",
      s -> "auto".equalsIgnoreCase(s) ? null : FileFormat.parse(s), "auto, parquet, csv, tsv, npy or image")
      .format(FileFormat::key).nullAs("auto")
      .doc("parquet, csv, tsv, npy or image; auto = by each file's extension");
  public static final Setting<String> COLUMN = Setting.of("input.column", "auto",
      s -> "auto".equalsIgnoreCase(s) ? null : s, "a column name or auto")
      .nullAs("auto")
      .doc("Parquet column (array<double>, array<float> or ML Vector); auto = the only such column, or 'features'");
  public static final Setting<Boolean> HEADER = Setting.of("input.header", "auto", InputSettings::header,
      "true, false or auto")
      .nullAs("auto")
      .doc("CSV/TSV: true, false or auto (a first line with no number is a header)");
  public static final Setting<String> DELIMITER = Setting.of("input.delimiter", "auto", InputSettings::delimiter,
      "a single character, tab, space or auto")
      .format(d -> d.equals("\t") ? "tab" : d.equals(" ") ? "space" : d).nullAs("auto")
      .doc("CSV/TSV separator: a character, 'tab' or 'space' (runs of blanks); auto = ',' for .csv, tab for .tsv");
  public static final Setting<SampleNormalization> NORMALIZE = Setting.of("input.normalize", "none",
      SampleNormalization::parse, "none, center, unit or center-unit")
      .format(SampleNormalization::key)
      .doc("per-sample normalization: none, center (subtract the mean), unit (l2 norm 1) or center-unit");
  public static final Setting<Boolean> BAD_ROWS = Setting.of("input.bad.rows", "fail", InputSettings::skip,
      "fail or skip")
      .format(skip -> skip ? "skip" : "fail")
      .doc("fail (a bad row or file is an error) or skip (skip them, count them and report the count)");
  public static final Setting<int[]> IMAGE_PATCH = Setting.of("image.patch", "8", InputSettings::size,
      "N or HxW with positive N, H, W")
      .format(InputSettings::sizeText)
      .doc("image patch size in pixels: N or HxW");
  public static final Setting<int[]> IMAGE_STRIDE = Setting.of("image.stride", null, InputSettings::size,
      "N or HxW with positive N, H, W")
      .format(InputSettings::sizeText)
      .derived("half the patch", c -> {
        int[] patch = c.get(IMAGE_PATCH);
        return new int[] {Math.max(1, patch[0] / 2), Math.max(1, patch[1] / 2)};
      })
      .doc("pixels between patch origins: N or HxW (patches overlap when smaller than the patch)");
  public static final Setting<Boolean> IMAGE_COLOR = Setting.of("image.color", "gray", InputSettings::rgb,
      "gray or rgb")
      .format(rgb -> rgb ? "rgb" : "gray")
      .doc("gray (luminance 0.299 R + 0.587 G + 0.114 B) or rgb (3 values per pixel)");
  public static final Setting<Double> SPLIT_MB = Setting.real("input.split.mb", "128")
      .check(v -> v > 0 && v * (1 << 20) >= 1 && !v.isInfinite(), "a positive size of at least one byte")
      .doc("MiB of an input file one task reads (CSV, TSV and .npy files are split, by lines and by rows, like "
          + "Spark's spark.files.maxPartitionBytes) and, with partitions = 0, MiB of samples (as doubles) per "
          + "partition");
  /** The dimension the input's samples must have; 0 (the default) infers it. */
  public static final Setting<Integer> DIMENSION = Setting.integer("m", "0")
      .withDefault(0, "inferred")
      .check(v -> v >= 0, "a positive dimension")
      .doc("the signal dimension the input must have");

  /** The keys of {@link InputParams}, without {@link #DIMENSION} (which is {@code m}). */
  public static final List<Setting<?>> ALL = List.of(INPUT, FORMAT, COLUMN, HEADER, DELIMITER, NORMALIZE, BAD_ROWS,
      IMAGE_PATCH, IMAGE_STRIDE, IMAGE_COLOR, SPLIT_MB);

  /** The input of the config, or null when it has no {@code input} key (synthetic data). */
  public static InputParams from(Config c) {
    String path = c.get(INPUT);
    FileFormat format = c.get(FORMAT);
    String column = c.get(COLUMN);
    Boolean header = c.get(HEADER);
    String delimiter = c.get(DELIMITER);
    SampleNormalization normalize = c.get(NORMALIZE);
    boolean skip = c.get(BAD_ROWS);
    int[] patch = c.get(IMAGE_PATCH);
    int[] stride = c.get(IMAGE_STRIDE);
    boolean rgb = c.get(IMAGE_COLOR);
    long split = Math.max(1, Math.round(c.get(SPLIT_MB) * (1 << 20)));
    if (path == null) {
      return null;
    }
    return new InputParams(path, format, column, header, delimiter, normalize, skip, c.get(DIMENSION),
        new InputParams.ImagePatches(patch[0], patch[1], stride[0], stride[1], rgb), split);
  }

  private static Boolean header(String s) {
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
  }

  private static boolean skip(String s) {
    switch (s.toLowerCase(Locale.ROOT)) {
      case "fail":
        return false;
      case "skip":
        return true;
      default:
        throw new IllegalArgumentException();
    }
  }

  private static boolean rgb(String s) {
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

  private static String sizeText(int[] hw) {
    return hw[0] + "x" + hw[1];
  }
}
