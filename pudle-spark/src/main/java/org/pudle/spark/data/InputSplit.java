package org.pudle.spark.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * A byte range of an input file that one task reads, as Hadoop's {@code FileInputFormat} cuts
 * files: {@code [start, end)}. A record belongs to the split in which it starts: a CSV line
 * whose first byte lies in the range (a split after the first skips the line it starts in, which
 * the split before reads to its end, as {@code LineRecordReader} does); a {@code .npy} row
 * {@code r} whose place in a C-order layout, {@code header + r * rowBytes}, lies in the range
 * (whichever the file's order). Parquet files, images and compressed files are read whole.
 *
 * @param file  the file
 * @param index the split's number within the file, from 0
 * @param start the first byte
 * @param end   the byte after the last; {@link Long#MAX_VALUE} for a file read whole
 */
public record InputSplit(InputFile file, int index, long start, long end) implements Serializable {

  /** Spark's {@code spark.files.openCostInBytes}: a split is not made smaller than this for parallelism. */
  static final long OPEN_COST_BYTES = 4L << 20;

  /** Whether the split is the whole file. */
  public boolean whole() {
    return start == 0 && end == Long.MAX_VALUE;
  }

  /** Whether the split starts the file (and so reads a CSV header or a byte-order mark). */
  public boolean first() {
    return index == 0;
  }

  @Override
  public String toString() {
    return file.path() + (whole() ? "" : " [" + start + ", " + end + ")");
  }

  /**
   * The size of a split, as Spark's {@code FilePartition.maxSplitBytes} chooses it: at most
   * {@code target}, and smaller for a small input so that every core reads a part, but not below
   * the cost of opening a file.
   */
  static long splitBytes(long totalBytes, long target, int parallelism) {
    long perCore = totalBytes / Math.max(1, parallelism);
    return Math.max(1, Math.min(target, Math.max(Math.min(OPEN_COST_BYTES, target), perCore)));
  }

  /**
   * The splits of the files, in file order: CSV, TSV and {@code .npy} files longer than
   * {@code splitBytes} are cut into ranges of that size; other files are read whole.
   */
  static List<InputSplit> of(List<InputFile> files, long splitBytes, Configuration conf) {
    CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
    List<InputSplit> out = new ArrayList<>();
    for (InputFile f : files) {
      boolean splittable = (f.format() == FileFormat.CSV || f.format() == FileFormat.TSV
          || f.format() == FileFormat.NPY) && codecs.getCodec(new Path(f.path())) == null;
      if (!splittable || f.length() <= splitBytes) {
        out.add(new InputSplit(f, 0, 0, Long.MAX_VALUE));
        continue;
      }
      int index = 0;
      for (long s = 0; s < f.length(); s += splitBytes) {
        // the last split takes the rest, as Hadoop's SPLIT_SLOP does for a small remainder
        long e = f.length() - s <= splitBytes * 11 / 10 ? f.length() : s + splitBytes;
        out.add(new InputSplit(f, index++, s, e == f.length() ? Long.MAX_VALUE : e));
        if (e == f.length()) {
          break;
        }
      }
    }
    return out;
  }
}
