package org.pudle.spark.data;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.hadoop.conf.Configuration;

/**
 * What one pass over a split of a file found, before the signal dimension is decided: how many
 * good records of each length (and where the first of each is), how many bad ones (and the
 * first's message), whether the file could not be read, and how many record numbers the split
 * spans. The scans of a file's splits {@link #merge} into the scan of the file, whose numbers
 * count from the start of the file.
 */
public final class FileScan implements Serializable {
  private static final long serialVersionUID = 1L;

  private final InputSplit split;
  /** length -> {count, number of the first record of that length} */
  private final TreeMap<Integer, long[]> lengths = new TreeMap<>();
  private long bad;
  private String firstBad;
  private long firstBadNumber = Long.MAX_VALUE;
  private String fileError;
  private long span;

  FileScan(InputSplit split) {
    this.split = split;
  }

  /** Reads the whole split (on an executor). */
  static FileScan of(InputSplit split, InputParams params, Configuration conf) {
    FileScan s = new FileScan(split);
    try (RowReader r = RowReader.open(split, params, conf)) {
      while (r.hasNext()) {
        s.add(r.next());
      }
      s.span = r.span();
    } catch (java.io.IOException e) {
      // closing failed after every record was read
    }
    return s;
  }

  void add(RawRow r) {
    if (r.isFileError()) {
      if (fileError == null) {
        fileError = r.error();
      }
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

  /**
   * The scan of a whole file from the scans of its splits, in order: the numbers of each split
   * follow on from the spans of the splits before it.
   */
  static FileScan merge(List<FileScan> splits) {
    FileScan f = new FileScan(splits.get(0).split);
    long base = 0;
    for (FileScan s : splits) {
      for (Map.Entry<Integer, long[]> e : s.lengths.entrySet()) {
        long[] c = f.lengths.computeIfAbsent(e.getKey(), k -> new long[] {0, Long.MAX_VALUE});
        c[0] += e.getValue()[0];
        c[1] = Math.min(c[1], base + e.getValue()[1]);
      }
      f.bad += s.bad;
      if (s.bad > 0 && base + s.firstBadNumber < f.firstBadNumber) {
        f.firstBadNumber = base + s.firstBadNumber;
        f.firstBad = s.firstBad;
      }
      if (f.fileError == null) {
        f.fileError = s.fileError;
      }
      base += s.span;
    }
    f.span = base;
    return f;
  }

  public InputFile file() {
    return split.file();
  }

  public InputSplit split() {
    return split;
  }

  /** The place of record {@code number} for messages: "line 7", "row 12", "patch 3". */
  public String where(long number) {
    return split.file().format().recordUnit() + " " + number;
  }

  /** Good records by length: {count, number of the first}. */
  public Map<Integer, long[]> lengths() {
    return lengths;
  }

  /** Records that are bad whatever m is (not numbers, not finite, null). */
  public long bad() {
    return bad;
  }

  /** The first bad record's problem with its place: "line 3, column 2: value NaN is not finite". */
  public String firstBad() {
    return firstBad == null ? null : where(firstBadNumber) + firstBad;
  }

  public long firstBadNumber() {
    return firstBadNumber;
  }

  /** Why the file (or its rest) could not be read, or null. */
  public String fileError() {
    return fileError;
  }

  /** How many record numbers the split spans (lines, rows). */
  public long span() {
    return span;
  }

  /** Good records of length {@code m}. */
  public long good(int m) {
    long[] c = lengths.get(m);
    return c == null ? 0 : c[0];
  }

  /** Whether every record is good and of length {@code m}, so that good record k is the split's record k. */
  public boolean allGood(int m) {
    return bad == 0 && fileError == null && lengths.size() <= 1 && (lengths.isEmpty() || lengths.containsKey(m));
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
