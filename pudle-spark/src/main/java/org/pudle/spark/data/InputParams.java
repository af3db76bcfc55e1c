package org.pudle.spark.data;

/**
 * Samples read from files ({@code input=}): where, in which format, how strictly. The config keys
 * that set it are {@code org.pudle.spark.config.InputSettings}.
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
 * @param splitBytes  the most bytes of a file one task reads ({@link InputSplit}), and, without a
 *                    {@code partitions} key, the size of the samples of a partition as doubles
 */
public record InputParams(String path, FileFormat format, String column, Boolean header, String delimiter,
    SampleNormalization normalize, boolean skipBadRows, int expectedM, ImagePatches image, long splitBytes)
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
}
