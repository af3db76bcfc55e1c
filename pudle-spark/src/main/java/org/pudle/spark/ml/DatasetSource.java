package org.pudle.spark.ml;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SampleNormalization;
import org.pudle.spark.data.SampleSource;

/**
 * The samples of a dataset's vector or array column as a {@link SampleSource}, as
 * {@code FileSource} gives those of files: {@link #open} reads every row once on the executors
 * to check it (a null sample, a null or non-finite value, or a length other than m makes the row
 * invalid; m is the input column's attribute size when it has one, else the most frequent length
 * among the valid rows of the first partition that has any), and collects only counts. Invalid
 * rows fail the fit with {@code handleInvalid = error}, naming the first by the {@code idCol}
 * value or by its position; otherwise they are left out and counted.
 *
 * <p>Sample {@code i} is the i-th valid row in the dataset's order. {@link #blocks} keeps the
 * dataset's partitions: partition k holds samples {@code [offset_k, offset_k + valid_k)} in blocks
 * of consecutive samples, so that the samples and their indices (which pick the mini-batches) do
 * not depend on how the rows are partitioned. The dataset's order must be the same on every read
 * (as for {@code zipWithIndex}); {@link #blocks} checks the counts.
 */
final class DatasetSource implements SampleSource {
  private final JavaRDD<Row> rows;
  private final String column;
  private final SampleNormalization normalize;
  private final int m;
  private final long[] offsets;
  private final long[] valid;
  private final long rowCount;
  private final long invalidRows;
  private final String firstProblem;

  /** What one pass over a partition found, before m is decided. */
  static final class PartitionScan implements Serializable {
    private static final long serialVersionUID = 1L;
    long rows;
    /** length -> {count, position in the partition of the first such row} */
    final TreeMap<Integer, long[]> lengths = new TreeMap<>();
    /** length -> the id of the first such row (when idCol is set) */
    final TreeMap<Integer, String> lengthIds = new TreeMap<>();
    long bad;
    long firstBad = -1;
    String firstBadId;
    String firstBadWhy;
  }

  private DatasetSource(JavaRDD<Row> rows, String column, SampleNormalization normalize, int m, long[] offsets,
      long[] valid, long rowCount, long invalidRows, String firstProblem) {
    this.rows = rows;
    this.column = column;
    this.normalize = normalize;
    this.m = m;
    this.offsets = offsets;
    this.valid = valid;
    this.rowCount = rowCount;
    this.invalidRows = invalidRows;
    this.firstProblem = firstProblem;
  }

  /**
   * Reads and checks the rows of {@code dataset} as the params of {@code ps} say (inputCol,
   * idCol, handleInvalid, normalize).
   *
   * @param knownM the signal dimension when known, else -1
   * @throws IllegalArgumentException for an empty dataset, a dataset without valid rows, and
   *                                  (with {@code handleInvalid = error}) an invalid row, naming it
   */
  static DatasetSource open(Dataset<?> dataset, PudleParams ps, int knownM) {
    String who = ps.pudleParams().who();
    String col = ps.getInputCol();
    String id = ps.getIdCol();
    List<Column> cols = new ArrayList<>(List.of(functions.col(quoted(col))));
    if (!id.isEmpty()) {
      cols.add(functions.col(quoted(id)));
    }
    JavaRDD<Row> rows = dataset.select(cols.toArray(new Column[0])).toJavaRDD();
    boolean withId = !id.isEmpty();
    List<PartitionScan> scans = rows.mapPartitions(it -> List.of(scan(it, withId)).iterator()).collect();

    long total = 0;
    for (PartitionScan s : scans) {
      total += s.rows;
    }
    if (total == 0) {
      throw new IllegalArgumentException(who + ": the dataset is empty; nothing to learn from");
    }
    int m = knownM;
    if (m < 0) {
      for (PartitionScan s : scans) {
        if (!s.lengths.isEmpty()) {
          m = commonLength(s.lengths);
          break;
        }
      }
    }
    // the first invalid row in the dataset's order, and the counts
    long[] offsets = new long[scans.size()];
    long[] valid = new long[scans.size()];
    long n = 0;
    long before = 0;
    long invalid = 0;
    String first = null;
    for (int k = 0; k < scans.size(); k++) {
      PartitionScan s = scans.get(k);
      offsets[k] = n;
      long[] good = m > 0 ? s.lengths.get(m) : null;
      valid[k] = good == null ? 0 : good[0];
      n += valid[k];
      invalid += s.rows - valid[k];
      if (first == null) {
        long pos = s.firstBad >= 0 ? s.firstBad : Long.MAX_VALUE;
        String why = s.firstBadWhy;
        String rowId = s.firstBadId;
        for (Map.Entry<Integer, long[]> e : s.lengths.entrySet()) {
          if (e.getKey() != m && e.getValue()[1] < pos) {
            pos = e.getValue()[1];
            why = e.getKey() + " values, expected m = " + m + (knownM >= 0 ? "" : " (the most frequent length)");
            rowId = s.lengthIds.get(e.getKey());
          }
        }
        if (pos != Long.MAX_VALUE) {
          first = rowName(id, rowId, before + pos) + " of column '" + col + "': " + sampleWord(why);
        }
      }
      before += s.rows;
    }
    String counts = invalid + " invalid row" + (invalid == 1 ? "" : "s") + " of " + total;
    if (n == 0) {
      throw new IllegalArgumentException(who + ": no valid rows in column '" + col + "' (" + counts + "); the first: "
          + first);
    }
    if (invalid > 0 && ps.getHandleInvalid().equals("error")) {
      throw new IllegalArgumentException(who + ": " + first + " (" + counts + "; handleInvalid = skip or keep leaves "
          + "invalid rows out of the fit)");
    }
    SampleNormalization norm = SampleNormalization.parse(ps.getNormalize());
    return new DatasetSource(rows, col, norm, m, offsets, valid, total, invalid, first);
  }

  /** A column name as {@link functions#col} reads it: in back quotes, so that dots are not nesting. */
  static String quoted(String col) {
    return "`" + col.replace("`", "``") + "`";
  }

  /** How messages name a row: by its id when there is an id column, else by its position. */
  static String rowName(String idCol, String id, long position) {
    return idCol.isEmpty() ? "row " + position : "row " + idCol + "=" + id;
  }

  private static String sampleWord(String why) {
    return why.startsWith("is ") ? "the sample " + why : why;
  }

  private static PartitionScan scan(Iterator<Row> it, boolean withId) {
    PartitionScan s = new PartitionScan();
    double[][] buf = {new double[16]};
    while (it.hasNext()) {
      Row r = it.next();
      long pos = s.rows++;
      String why = RowSamples.check(r.get(0), buf);
      if (why != null) {
        if (s.bad++ == 0) {
          s.firstBad = pos;
          s.firstBadWhy = why;
          s.firstBadId = withId ? String.valueOf(r.get(1)) : null;
        }
        continue;
      }
      int len = RowSamples.length(r.get(0));
      long[] c = s.lengths.get(len);
      if (c == null) {
        s.lengths.put(len, new long[] {1, pos});
        if (withId) {
          s.lengthIds.put(len, String.valueOf(r.get(1)));
        }
      } else {
        c[0]++;
      }
    }
    return s;
  }

  /** The most frequent length (the smallest on ties). */
  private static int commonLength(TreeMap<Integer, long[]> lengths) {
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

  @Override
  public int m() {
    return m;
  }

  @Override
  public long count() {
    return offsets.length == 0 ? 0 : offsets[offsets.length - 1] + valid[valid.length - 1];
  }

  /** The rows of the dataset, valid or not. */
  long rows() {
    return rowCount;
  }

  /** The rows left out: invalid, or of another length than m. */
  long invalidRows() {
    return invalidRows;
  }

  /** The first invalid row and what is wrong with it, or null. */
  String firstProblem() {
    return firstProblem;
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "column '%s': %d rows, m=%d, n=%d%s", column, rowCount, m, count(),
        invalidRows == 0 ? "" : ", " + invalidRows + " invalid left out");
  }

  @Override
  public Optional<double[]> generatingDictionary() {
    return Optional.empty();
  }

  /**
   * The valid samples in blocks of at most {@code blockSize} consecutive samples, in the dataset's
   * partitions.
   *
   * @param partitions 0, or the dataset's number of partitions (the rows are not moved)
   */
  @Override
  public JavaRDD<SampleBlock> blocks(JavaSparkContext sc, int partitions, int blockSize) {
    if (partitions != 0 && partitions != offsets.length) {
      throw new IllegalArgumentException("partitions: a dataset's samples keep its " + offsets.length
          + " partitions; expected 0 or " + offsets.length + ", got " + partitions);
    }
    if (blockSize < 1) {
      throw new IllegalArgumentException("block size: expected at least 1, got " + blockSize);
    }
    long[] first = offsets;
    long[] counts = valid;
    int dim = m;
    SampleNormalization norm = normalize;
    return rows.mapPartitionsWithIndex((k, it) -> new Blocks(it, first[k], counts[k], dim, blockSize, norm), true);
  }

  /** One partition's valid samples cut into blocks. */
  private static final class Blocks implements Iterator<SampleBlock> {
    private final Iterator<Row> rows;
    private final long start;
    private final long expected;
    private final int m;
    private final int block;
    private final SampleNormalization normalize;
    private long done;

    Blocks(Iterator<Row> rows, long start, long expected, int m, int block, SampleNormalization normalize) {
      this.rows = rows;
      this.start = start;
      this.expected = expected;
      this.m = m;
      this.block = block;
      this.normalize = normalize;
    }

    @Override
    public boolean hasNext() {
      if (done < expected) {
        return true;
      }
      // the rest must hold no valid sample: the dataset changed between the reads otherwise
      double[] x = new double[m];
      while (rows.hasNext()) {
        if (RowSamples.read(rows.next().get(0), m, x, 0) == null) {
          throw changed();
        }
      }
      return false;
    }

    private IllegalStateException changed() {
      return new IllegalStateException("the dataset changed between two reads (a partition held " + expected
          + " valid samples when checked, now a different number); cache or checkpoint a nondeterministic dataset "
          + "before fitting");
    }

    @Override
    public SampleBlock next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      int cols = (int) Math.min(block, expected - done);
      double[] x = new double[m * cols];
      int c = 0;
      while (c < cols) {
        if (!rows.hasNext()) {
          throw changed();
        }
        if (RowSamples.read(rows.next().get(0), m, x, c * m) == null) {
          normalize.apply(x, c * m, m);
          c++;
        }
      }
      SampleBlock b = SampleBlock.of(start + done, m, cols, x);
      done += cols;
      return b;
    }
  }
}
