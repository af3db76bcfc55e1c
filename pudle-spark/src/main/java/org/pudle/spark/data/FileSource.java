package org.pudle.spark.data;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import scala.Tuple2;

/**
 * Samples read from files on any Hadoop filesystem: Parquet, CSV/TSV, {@code .npy} (a file or a
 * directory of shards) and image patches, one reader per format ({@link RowReader}).
 *
 * <p>{@link #open} lists the files (sorted by path; a directory is walked, skipping names that
 * start with {@code .} or {@code _}), then reads them all once on the executors to check them:
 * the signal dimension m is the {@code m} key when given, else the most frequent sample length of
 * the first file; every record of another length, not a number, not finite or null is a bad row,
 * and an unreadable or empty file is a bad file. With {@code input.bad.rows=fail} the first
 * problem is an {@link InputException} naming the file and the row; with {@code skip} they are
 * skipped and counted. Nothing is collected to the driver but these counts.
 *
 * <p>Sample {@code i} of the input is the i-th good record in file order, so the samples and
 * their indices (which pick the mini-batches) do not depend on the partitioning.
 * {@link #blocks} reads the files again (one task per group of files) and moves each sample to
 * the partition that holds its index range, {@code [j n / P, (j+1) n / P)}, as SyntheticSource
 * lays them out.
 */
public final class FileSource implements SampleSource {
  private static final Logger LOG = LoggerFactory.getLogger(FileSource.class);

  private final InputParams params;
  private final HadoopConf conf;
  private final int m;
  private final long n;
  private final List<Slice> slices;
  private final int fileCount;
  private final long badRows;
  private final List<String> badFiles;
  private final List<String> problems;
  /** {@link #sampled}: the kept input indices, ascending (sample i is input sample kept[i]); null for all. */
  private final long[] kept;

  /** The good samples of one file: global indices {@code [offset, offset + count)}. */
  record Slice(InputFile file, long offset, long count) implements Serializable {}

  private FileSource(InputParams params, HadoopConf conf, int m, long n, List<Slice> slices, int fileCount,
      long badRows, List<String> badFiles, List<String> problems) {
    this(params, conf, m, n, slices, fileCount, badRows, badFiles, problems, null);
  }

  private FileSource(InputParams params, HadoopConf conf, int m, long n, List<Slice> slices, int fileCount,
      long badRows, List<String> badFiles, List<String> problems, long[] kept) {
    this.kept = kept;
    this.params = params;
    this.conf = conf;
    this.m = m;
    this.n = n;
    this.slices = slices;
    this.fileCount = fileCount;
    this.badRows = badRows;
    this.badFiles = badFiles;
    this.problems = problems;
  }

  /**
   * Lists and checks the input.
   *
   * @throws InputException for a missing path, and (unless bad rows are skipped) for the first
   *                        bad row or file, naming it
   */
  public static FileSource open(JavaSparkContext sc, InputParams params) {
    Configuration hadoop = sc.hadoopConfiguration();
    List<InputFile> files = list(params, hadoop);
    HadoopConf conf = new HadoopConf(hadoop);
    int slices = Math.min(files.size(), Math.max(1, 2 * sc.defaultParallelism()));
    InputParams p = params;
    List<FileScan> scans = sc.parallelize(files, slices).map(f -> FileScan.of(f, p, conf.get())).collect();
    return resolve(params, conf, scans);
  }

  /** Decides m, checks every file against it and numbers the good samples. */
  static FileSource resolve(InputParams params, HadoopConf conf, List<FileScan> scans) {
    int m = params.expectedM();
    String mFrom = "config key 'm'";
    if (m == 0) {
      for (FileScan s : scans) {
        if (s.commonLength() > 0) {
          m = s.commonLength();
          mFrom = "as in " + s.file().path();
          break;
        }
      }
    }
    List<String> problems = new ArrayList<>();
    List<String> badFiles = new ArrayList<>();
    List<Slice> slices = new ArrayList<>();
    long badRows = 0;
    long offset = 0;
    for (FileScan s : scans) {
      String path = s.file().path();
      String unit = s.file().format().recordUnit();
      long good = m > 0 ? s.good(m) : 0;
      long wrongLength = 0;
      long firstWrong = Long.MAX_VALUE;
      int firstWrongLength = 0;
      for (Map.Entry<Integer, long[]> e : s.lengths().entrySet()) {
        if (e.getKey() != m) {
          wrongLength += e.getValue()[0];
          if (e.getValue()[1] < firstWrong) {
            firstWrong = e.getValue()[1];
            firstWrongLength = e.getKey();
          }
        }
      }
      badRows += wrongLength + s.bad();
      String problem = null;
      if (wrongLength > 0 && firstWrong < s.firstBadNumber()) {
        problem = String.format(Locale.ROOT, "%s: %s %d: expected m = %d values (%s), got %d", path, unit, firstWrong,
            m, mFrom, firstWrongLength);
      } else if (s.bad() > 0) {
        problem = path + ": " + s.firstBad();
      }
      if (problem != null) {
        problems.add(problem);
      }
      if (s.fileError() != null) {
        badFiles.add(path);
        String e = s.fileError();
        problems.add(e.startsWith(path) ? e : path + ": " + e);
      } else if (s.records() == 0) {
        badFiles.add(path);
        problems.add(path + ": empty file (no samples)");
      }
      if (good > 0) {
        slices.add(new Slice(s.file(), offset, good));
        offset += good;
      }
    }
    if (!problems.isEmpty() && !params.skipBadRows()) {
      throw new InputException("input error: " + problems.get(0) + " (" + summary(badRows, badFiles.size())
          + " in " + params.path() + "; input.bad.rows=skip skips bad rows and files)");
    }
    if (offset == 0) {
      throw new InputException("input " + params.path() + ": no valid samples"
          + (problems.isEmpty() ? "" : "; first problem: " + problems.get(0)));
    }
    FileSource src = new FileSource(params, conf, m, offset, Collections.unmodifiableList(slices), scans.size(),
        badRows, Collections.unmodifiableList(badFiles), Collections.unmodifiableList(problems));
    if (!problems.isEmpty()) {
      LOG.warn("input {}: skipped {}; the first: {}", params.path(), summary(badRows, badFiles.size()),
          problems.get(0));
    }
    return src;
  }

  private static String summary(long badRows, int badFiles) {
    return badRows + " bad row" + (badRows == 1 ? "" : "s") + " and " + badFiles + " bad file"
        + (badFiles == 1 ? "" : "s");
  }

  /** The files of the input, sorted by path, with their formats. */
  static List<InputFile> list(InputParams params, Configuration conf) {
    String input = params.path();
    List<FileStatus> found = new ArrayList<>();
    try {
      Path path = new Path(input);
      FileSystem fs = path.getFileSystem(conf);
      FileStatus[] matched = fs.globStatus(path);
      if (matched == null || matched.length == 0) {
        throw new InputException("input " + input + " (config key 'input'): no such file or directory");
      }
      for (FileStatus st : matched) {
        if (st.isDirectory()) {
          walk(fs, st.getPath(), found);
        } else {
          found.add(st);
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      if (e instanceof InputException) {
        throw (InputException) e;
      }
      throw new InputException("input " + input + " (config key 'input'): " + RowReader.message(e), e);
    }
    if (found.isEmpty()) {
      throw new InputException("input " + input + " (config key 'input'): no files in the directory");
    }
    found.sort((a, b) -> a.getPath().toString().compareTo(b.getPath().toString()));
    List<InputFile> files = new ArrayList<>(found.size());
    for (FileStatus st : found) {
      FileFormat f = params.format() != null ? params.format() : FileFormat.ofFileName(st.getPath().getName());
      if (f == null) {
        throw new InputException(st.getPath() + ": cannot tell the format from the file name; set input.format to "
            + "parquet, csv, tsv, npy or image");
      }
      files.add(new InputFile(files.size(), st.getPath().toString(), f, st.getLen()));
    }
    return files;
  }

  private static void walk(FileSystem fs, Path dir, List<FileStatus> out) throws IOException {
    for (FileStatus st : fs.listStatus(dir)) {
      String name = st.getPath().getName();
      if (name.startsWith(".") || name.startsWith("_")) {
        continue;
      }
      if (st.isDirectory()) {
        walk(fs, st.getPath(), out);
      } else {
        out.add(st);
      }
    }
  }

  /**
   * A seeded random sample of {@code count} of the samples ({@link SampleSelection#pick}), in
   * input order and numbered from 0: the same samples whatever the partitioning.
   *
   * @throws InputException when the input has fewer than {@code count} samples
   */
  public FileSource sampled(long count, long seed) {
    if (count > n) {
      throw new InputException("config key 'input.sample': a sample of " + count + " is larger than the n = " + n
          + " samples of " + params.path());
    }
    if (count > Integer.MAX_VALUE - 8) {
      throw new InputException("config key 'input.sample': a sample of " + count + " is too large; use all samples");
    }
    return new FileSource(params, conf, m, count, slices, fileCount, badRows, badFiles, problems,
        SampleSelection.pick(n, (int) count, seed));
  }

  /** Whether every file of the input is an image (its samples are patches). */
  public boolean images() {
    return !slices.isEmpty() && slices.stream().allMatch(sl -> sl.file().format() == FileFormat.IMAGE);
  }

  /** Whether this is a {@link #sampled} subset of the input. */
  public boolean isSample() {
    return kept != null;
  }

  @Override
  public int m() {
    return m;
  }

  @Override
  public long count() {
    return n;
  }

  /** Records skipped: bad, or of another length than m. */
  public long badRows() {
    return badRows;
  }

  /** Files skipped whole (unreadable or empty) or cut short by a read error. */
  public List<String> badFiles() {
    return badFiles;
  }

  /** What was wrong, one line per file, in file order (empty when the input is clean). */
  public List<String> problems() {
    return problems;
  }

  public InputParams params() {
    return params;
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "%s: %d file%s, m=%d, n=%d%s", params.path(), fileCount,
        fileCount == 1 ? "" : "s", m, n, badRows + badFiles.size() == 0 ? ""
            : ", skipped " + summary(badRows, badFiles.size()));
  }

  @Override
  public Optional<double[]> generatingDictionary() {
    return Optional.empty();
  }

  @Override
  public JavaRDD<SampleBlock> blocks(JavaSparkContext sc, int partitions, int blockSize) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions: expected at least 1, got " + partitions);
    }
    if (blockSize < 1) {
      throw new IllegalArgumentException("block size: expected at least 1, got " + blockSize);
    }
    int parts = (int) Math.min(partitions, n);
    int readers = Math.min(slices.size(), Math.max(parts, sc.defaultParallelism()));
    InputParams p = params;
    HadoopConf c = conf;
    int dim = m;
    long total = n;
    JavaRDD<Slice> files = sc.parallelize(slices, readers).setName("pudle input files (" + params.path() + ")");
    IndexRanges ranges = new IndexRanges(total, parts);
    org.apache.spark.broadcast.Broadcast<long[]> pick = kept == null ? null : sc.broadcast(kept);
    JavaPairRDD<Long, double[]> samples = files
        .mapPartitionsToPair(it -> runsOf(pick == null ? samplesOf(it, p, c, dim)
            : SampleSelection.keep(samplesOf(it, p, c, dim), pick.value()), ranges, dim))
        .partitionBy(ranges);
    return samples.mapPartitionsWithIndex((j, it) -> gather(j, parts, total, dim, blockSize, it), true)
        .setName("pudle input blocks (" + params.path() + ")");
  }

  /** Rows of consecutive indices per shuffle record: far fewer objects to serialize than one per sample. */
  private static final int RUN_VALUES = 1 << 16;

  /**
   * Packs consecutive samples bound for the same partition into runs: (index of the first,
   * their values one after another), at most {@link #RUN_VALUES} values each.
   */
  private static Iterator<Tuple2<Long, double[]>> runsOf(Iterator<Tuple2<Long, double[]>> samples,
      IndexRanges ranges, int m) {
    int maxRows = Math.max(1, RUN_VALUES / Math.max(m, 1));
    return new Iterator<>() {
      private Tuple2<Long, double[]> pending;

      @Override
      public boolean hasNext() {
        return pending != null || samples.hasNext();
      }

      @Override
      public Tuple2<Long, double[]> next() {
        Tuple2<Long, double[]> first = pending != null ? pending : samples.next();
        pending = null;
        long start = first._1();
        int part = ranges.getPartition(start);
        double[] buf = new double[maxRows * m];
        System.arraycopy(first._2(), 0, buf, 0, m);
        int rows = 1;
        while (rows < maxRows && samples.hasNext()) {
          Tuple2<Long, double[]> t = samples.next();
          if (t._1() != start + rows || ranges.getPartition(t._1()) != part) {
            pending = t;
            break;
          }
          System.arraycopy(t._2(), 0, buf, rows * m, m);
          rows++;
        }
        return new Tuple2<>(start, rows == maxRows ? buf : Arrays.copyOf(buf, rows * m));
      }
    };
  }

  /** The good samples of the slices' files, each with its global index, normalized. */
  private static Iterator<Tuple2<Long, double[]>> samplesOf(Iterator<Slice> slices, InputParams params, HadoopConf conf,
      int m) {
    return new Iterator<>() {
      private RowReader reader;
      private Slice slice;
      private long k;
      private Tuple2<Long, double[]> next;

      @Override
      public boolean hasNext() {
        while (next == null) {
          if (reader != null && reader.hasNext()) {
            RawRow r = reader.next();
            if (r.isGood() && r.values().length == m) {
              if (k >= slice.count()) {
                throw changed(slice, k + 1);
              }
              params.normalize().apply(r.values(), 0, m);
              next = new Tuple2<>(slice.offset() + k, r.values());
              k++;
            }
            continue;
          }
          if (reader != null && k != slice.count()) {
            throw changed(slice, k);
          }
          if (!slices.hasNext()) {
            return false;
          }
          slice = slices.next();
          k = 0;
          reader = RowReader.open(slice.file(), params, conf.get());
        }
        return true;
      }

      @Override
      public Tuple2<Long, double[]> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Tuple2<Long, double[]> r = next;
        next = null;
        return r;
      }
    };
  }

  private static IllegalStateException changed(Slice s, long found) {
    return new IllegalStateException(s.file().path() + ": the file changed while the job ran: it held " + s.count()
        + " good samples when first read, now " + found);
  }

  /** Partition j's samples, placed by index, cut into blocks. */
  private static Iterator<SampleBlock> gather(int j, int parts, long n, int m, int blockSize,
      Iterator<Tuple2<Long, double[]>> it) {
    long start = j * n / parts;
    long end = (j + 1) * n / parts;
    long size = end - start;
    if ((long) m * size > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("partition " + j + " holds " + size + " samples of m = " + m
          + ", more than one Java array; raise the partitions key");
    }
    double[] x = new double[(int) (m * size)];
    boolean[] seen = new boolean[(int) size];
    long filled = 0;
    while (it.hasNext()) {
      Tuple2<Long, double[]> t = it.next();
      int rows = t._2().length / m;
      int i0 = (int) (t._1() - start);
      for (int r = 0; r < rows; r++) {
        int i = i0 + r;
        if (i < 0 || i >= size || seen[i]) {
          throw new IllegalStateException("sample " + (t._1() + r) + " arrived twice or in partition " + j + " of ["
              + start + ", " + end + ")");
        }
        seen[i] = true;
      }
      System.arraycopy(t._2(), 0, x, i0 * m, rows * m);
      filled += rows;
    }
    if (filled != size) {
      throw new IllegalStateException("partition " + j + " received " + filled + " of its " + size + " samples");
    }
    List<SampleBlock> blocks = new ArrayList<>();
    for (long b = 0; b < size; b += blockSize) {
      int cols = (int) Math.min(blockSize, size - b);
      blocks.add(SampleBlock.of(start + b, m, cols,
          size <= blockSize ? x : Arrays.copyOfRange(x, (int) (b * m), (int) ((b + cols) * m))));
    }
    return blocks.iterator();
  }

  /** Sends sample i to the partition whose range {@code [j n / P, (j+1) n / P)} holds it. */
  static final class IndexRanges extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final long n;
    private final int parts;

    IndexRanges(long n, int parts) {
      this.n = n;
      this.parts = parts;
    }

    @Override
    public int numPartitions() {
      return parts;
    }

    @Override
    public int getPartition(Object key) {
      long i = (Long) key;
      // the largest j with floor(j n / P) <= i
      return (int) (((i + 1) * parts - 1) / n);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof IndexRanges && ((IndexRanges) o).n == n && ((IndexRanges) o).parts == parts;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(n) * 31 + parts;
    }
  }
}
