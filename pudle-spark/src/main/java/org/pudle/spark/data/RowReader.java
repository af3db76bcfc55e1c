package org.pudle.spark.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.NoSuchElementException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * The records of one split of an input file ({@link InputSplit}), read lazily. Values that are not
 * finite make a record bad (the message names the column); a failure to read the file becomes one
 * file-level bad record, after which the reader ends. Nothing here throws for bad data, so Spark
 * never retries a task for it.
 *
 * <p>Records are numbered within the split ({@link RawRow#number}); {@link #span} says how many
 * numbers the split took, so that the numbers of a file's later splits follow on.
 */
public abstract class RowReader implements Iterator<RawRow>, Closeable {
  private final int columnBase;
  private RawRow next;
  private boolean done;

  /**
   * @param columnBase the number of the first column in messages (1 for CSV, 0 for arrays)
   */
  protected RowReader(int columnBase) {
    this.columnBase = columnBase;
  }

  /** The next record, or null at the end of the split. */
  protected abstract RawRow read() throws IOException;

  /**
   * How many record numbers the split has used so far (at its end: all of them): CSV lines
   * including blank and comment lines, array rows. The next split of the file numbers on from
   * here.
   */
  protected long span() {
    return 0;
  }

  /**
   * Skips the next {@code records} records without reading them when the reader can (a
   * {@code .npy} file seeks), the caller knowing that they are all good; returns whether it did.
   */
  boolean skipGood(long records) {
    return false;
  }

  /** Opens the reader of {@code split}. Failures to open show up as a file-level bad record. */
  public static RowReader open(InputSplit split, InputParams params, Configuration conf) {
    try {
      InputFile file = split.file();
      switch (file.format()) {
        case CSV:
        case TSV:
          return new CsvRows(split, params, conf);
        case NPY:
          return new NpyRows(split, conf);
        case PARQUET:
          return new ParquetRows(file, params.column(), conf);
        case IMAGE:
          return new ImageRows(file, params.image(), conf);
        default:
          throw new IllegalStateException("format " + file.format());
      }
    } catch (IOException | RuntimeException e) {
      return failed(message(e));
    }
  }

  /** A reader with one file-level error. */
  static RowReader failed(String message) {
    return new RowReader(0) {
      private boolean given;

      @Override
      protected RawRow read() {
        if (given) {
          return null;
        }
        given = true;
        return RawRow.bad(-1, message);
      }

      @Override
      public void close() {}
    };
  }

  /** An exception's message, or its class when it has none. */
  static String message(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  /** Opens a file for reading, through its compression codec when its name has one. */
  static InputStream openStream(Path path, Configuration conf) throws IOException {
    FileSystem fs = FileSystems.of(path, conf, null);
    InputStream in = fs.open(path);
    CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
    return codec == null ? in : codec.createInputStream(in);
  }

  /** The file's codec, or null for an uncompressed file. */
  static CompressionCodec codec(Path path, Configuration conf) {
    return new CompressionCodecFactory(conf).getCodec(path);
  }

  @Override
  public final boolean hasNext() {
    if (next == null && !done) {
      try {
        next = read();
      } catch (IOException | RuntimeException e) {
        next = RawRow.bad(-1, message(e));
      }
      if (next == null) {
        done = true;
        closeQuietly();
      } else if (next.isFileError()) {
        done = true;
        closeQuietly();
      } else if (next.isGood()) {
        next = checkFinite(next);
      }
    }
    return next != null;
  }

  @Override
  public final RawRow next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    RawRow r = next;
    next = null;
    return r;
  }

  private RawRow checkFinite(RawRow r) {
    double[] v = r.values();
    if (v.length == 0) {
      return RawRow.bad(r.number(), ": no values");
    }
    for (int j = 0; j < v.length; j++) {
      if (!Double.isFinite(v[j])) {
        return RawRow.bad(r.number(), ", column " + (j + columnBase) + ": value " + v[j] + " is not finite");
      }
    }
    return r;
  }

  private void closeQuietly() {
    try {
      close();
    } catch (IOException e) {
      // the records are read; a failing close changes nothing
    }
  }
}
