package org.pudle.spark.data;

import java.util.Locale;

/** The file formats a {@link FileSource} reads, told apart by extension or by {@code input.format}. */
public enum FileFormat {
  /** A column of {@code array<double>}, {@code array<float>} or Spark ML {@code Vector}. */
  PARQUET("parquet"),
  /** One sample per line, comma-separated. */
  CSV("csv"),
  /** One sample per line, tab-separated. */
  TSV("tsv"),
  /** A 2-D float32/float64 array, one sample per row. */
  NPY("npy"),
  /** PNG, JPEG or PGM images, cut into patches. */
  IMAGE("image");

  private final String key;

  FileFormat(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }

  /** What one record is called in messages: a CSV line, an array row, an image patch. */
  public String recordUnit() {
    switch (this) {
      case CSV:
      case TSV:
        return "line";
      case IMAGE:
        return "patch";
      default:
        return "row";
    }
  }

  /** Parses {@code parquet}, {@code csv}, {@code tsv}, {@code npy} or {@code image}. */
  public static FileFormat parse(String s) {
    for (FileFormat f : values()) {
      if (f.key.equals(s.trim().toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown format '" + s + "'");
  }

  /**
   * The format of a file by its extension (a compression suffix such as {@code .gz} is looked
   * through), or null when the extension says nothing.
   */
  public static FileFormat ofFileName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (String codec : new String[] {".gz", ".bz2", ".deflate", ".zst", ".lz4", ".snappy"}) {
      if (n.endsWith(codec) && !n.endsWith(".snappy.parquet")) {
        n = n.substring(0, n.length() - codec.length());
        break;
      }
    }
    if (n.endsWith(".parquet") || n.endsWith(".parq")) {
      return PARQUET;
    }
    if (n.endsWith(".csv") || n.endsWith(".txt")) {
      return CSV;
    }
    if (n.endsWith(".tsv") || n.endsWith(".tab")) {
      return TSV;
    }
    if (n.endsWith(".npy")) {
      return NPY;
    }
    if (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".pgm")) {
      return IMAGE;
    }
    return null;
  }

  @Override
  public String toString() {
    return key;
  }
}
