package org.pudle.spark.data;

/**
 * One record of an input file: a sample's values, or why it is bad.
 *
 * @param number the record's number in its split as messages show it (a CSV line counts from 1;
 *               a .npy or Parquet row and an image patch from 0), to which the records of the
 *               file's earlier splits are added; -1 for the file as a whole
 * @param values the values, or null for a bad record
 * @param error  what is wrong: after the record's place (", column 3: 'abc' is not a number"),
 *               or the whole message for the file; null for a good record
 */
public record RawRow(long number, double[] values, String error) {

  static RawRow good(long number, double[] values) {
    return new RawRow(number, values, null);
  }

  static RawRow bad(long number, String error) {
    return new RawRow(number, null, error);
  }

  public boolean isGood() {
    return values != null;
  }

  /** Whether the whole file is unreadable (no record after this one). */
  public boolean isFileError() {
    return number < 0;
  }
}
