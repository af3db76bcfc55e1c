package org.pudle.spark.data;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

import org.apache.hadoop.conf.Configuration;

/**
 * What one pass over a file found, before the signal dimension is decided: how many good records
 * of each length (and where the first of each is), how many bad ones (and the first's message),
 * and whether the file could not be read at all.
 */
public final class FileScan implements Serializable {
  private static final long serialVersionUID = 1L;

  private final InputFile file;
  /** length -> {count, number of the first record of that length} */
  private final TreeMap<Integer, long[]> lengths = new TreeMap<>();
  private long bad;
  private String firstBad;
  private long firstBadNumber = Long.MAX_VALUE;
  private String fileError;

  FileScan(InputFile file) {
    this.file = file;
  }

  /** Reads the whole file (on an executor). */
  static FileScan of(InputFile file, InputParams params, Configuration conf) {
    FileScan s = new FileScan(file);
    try (RowReader r = RowReader.open(file, params, conf)) {
      while (r.hasNext()) {
        s.add(r.next());
      }
    } catch (java.io.IOException e) {
      // closing failed after every record was read
    }
    return s;
  }

  void add(RawRow r) {
    if (r.isFileError()) {
      fileError = r.error();
    } else if (r.isGood()) {
      long[] c = lengths.computeIfAbsent(r.values().length, k -> new long[] {0, r.number()});
      c[0]++;
    } else {
      bad++;
      if (r.number() < firstBadNumber) {
        firstBadNumber = r.number();
        firstBad = r.error();
      }
    }
  }

  public InputFile file() {
    return file;
  }

  /** Good records by length: {count, number of the first}. */
  public Map<Integer, long[]> lengths() {
    return lengths;
  }

  /** Records that are bad whatever m is (not numbers, not finite, null). */
  public long bad() {
    return bad;
  }

  public String firstBad() {
    return firstBad;
  }

  public long firstBadNumber() {
    return firstBadNumber;
  }

  /** Why the file (or its rest) could not be read, or null. */
  public String fileError() {
    return fileError;
  }

  /** Good records of length {@code m}. */
  public long good(int m) {
    long[] c = lengths.get(m);
    return c == null ? 0 : c[0];
  }

  /** All records read, good or bad. */
  public long records() {
    long n = bad;
    for (long[] c : lengths.values()) {
      n += c[0];
    }
    return n;
  }

  /** The most frequent length (the smallest on ties), or -1 without good records. */
  public int commonLength() {
    int best = -1;
    long count = 0;
    for (Map.Entry<Integer, long[]> e : lengths.entrySet()) {
      if (e.getValue()[0] > count) {
        count = e.getValue()[0];
        best = e.getKey();
      }
    }
    return best;
  }
}
