package org.pudle.spark.data;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples read from files on any Hadoop filesystem: Parquet, CSV/TSV, {@code .npy} (a file or a
 * directory of shards) and image patches, one reader per format ({@link RowReader}).
 *
 * <p>{@link #open} lists the files (sorted by path; a directory is walked, skipping names that
 * start with {@code .} or {@code _}; a symbolic link back to a directory being walked is an
 * error), cuts them into splits by size ({@link InputSplit}: {@code input.split.mb} each, as
 * Spark cuts its file inputs), then reads every split once on the executors to check it: the
 * signal dimension m is the {@code m} key when given, else the most frequent sample length of
 * the first file; every record of another length, not a number, not finite or null is a bad row,
 * and an unreadable or empty file is a bad file. With {@code input.bad.rows=fail} the first
 * problem is an {@link InputException} naming the file and the row; with {@code skip} they are
 * skipped and counted. Nothing is collected to the driver but these counts.
 *
 * <p>Sample {@code i} of the input is the i-th good record in file order, so the samples and
 * their indices (which pick the mini-batches) do not depend on the splits or the partitioning.
 * {@link #blocks} gives partition {@code j} of {@code P} the samples {@code [j n / P, (j+1) n / P)},
 * as SyntheticSource lays them out: its task reads them from the splits that hold them (no
 * shuffle) and hands them on in blocks of {@code block.size} as it reads, so that no task holds
 * more than a block and a chunk of a file.
 */
public final class FileSource implements SampleSource {
  private static final Logger LOG = LoggerFactory.getLogger(FileSource.class);
  /** Inputs up to this size are fingerprinted by their contents too ({@link #fingerprint}). */
  static final long HASHED_BYTES = 16L << 20;

  private final InputParams params;
  private final HadoopConf conf;
  private final int m;
  private final long n;
  private final List<InputFile> files;
  private final List<Slice> slices;
  private final long badRows;
  private final List<String> badFiles;
  private final List<String> problems;
  /** {@link #sampled}: the kept input indices, ascending (sample i is input sample kept[i]); null for all. */
  private final long[] kept;

  /**
   * The good samples of one split: global indices {@code [offset, offset + count)}.
   *
   * @param allGood whether every record of the split is a good sample (its k-th record is its k-th sample)
   */
  record Slice(InputSplit split, long offset, long count, boolean allGood) implements Serializable {}

  private FileSource(InputParams params, HadoopConf conf, int m, long n, List<InputFile> files, List<Slice> slices,
      long badRows, List<String> badFiles, List<String> problems) {
    this(params, conf, m, n, files, slices, badRows, badFiles, problems, null);
  }

  private FileSource(InputParams params, HadoopConf conf, int m, long n, List<InputFile> files, List<Slice> slices,
      long badRows, List<String> badFiles, List<String> problems, long[] kept) {
    this.kept = kept;
    this.params = params;
    this.conf = conf;
    this.m = m;
    this.n = n;
    this.files = files;
    this.slices = slices;
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
    List<InputFile> files = InputListing.list(params, hadoop);
    HadoopConf conf = new HadoopConf(hadoop);
    long total = 0;
    for (InputFile f : files) {
      total += f.length();
    }
    long splitBytes = InputSplit.splitBytes(total, params.splitBytes(), sc.defaultParallelism());
    List<InputSplit> splits = InputSplit.of(files, splitBytes, hadoop);
    int tasks = (int) Math.min(splits.size(), Math.max(2L * sc.defaultParallelism(), total / splitBytes + 1));
    InputParams p = params;
    List<FileScan> scans = sc.parallelize(splits, Math.max(1, tasks)).map(s -> FileScan.of(s, p, conf.get()))
        .collect();
    return resolve(params, conf, files, scans);
  }

  /** Decides m, checks every file against it and numbers the good samples of each split. */
  static FileSource resolve(InputParams params, HadoopConf conf, List<InputFile> files, List<FileScan> splitScans) {
    // the scans of each file's splits, in order, and the file's own
    List<List<FileScan>> byFile = new ArrayList<>();
    for (FileScan s : splitScans) {
      if (byFile.isEmpty() || byFile.get(byFile.size() - 1).get(0).file().index() != s.file().index()) {
        byFile.add(new ArrayList<>());
      }
      byFile.get(byFile.size() - 1).add(s);
    }
    List<FileScan> scans = new ArrayList<>();
    for (List<FileScan> f : byFile) {
      scans.add(FileScan.merge(f));
    }
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
    for (int f = 0; f < scans.size(); f++) {
      FileScan s = scans.get(f);
      String path = s.file().path();
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
        problem = String.format(Locale.ROOT, "%s: %s: expected m = %d values (%s), got %d", path, s.where(firstWrong),
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
      for (FileScan split : byFile.get(f)) {
        long good = m > 0 ? split.good(m) : 0;
        if (good > 0) {
          slices.add(new Slice(split.split(), offset, good, split.allGood(m)));
          offset += good;
        }
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
    FileSource src = new FileSource(params, conf, m, offset, Collections.unmodifiableList(new ArrayList<>(files)),
        Collections.unmodifiableList(slices), badRows, Collections.unmodifiableList(badFiles),
        Collections.unmodifiableList(problems));
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
    if (kept != null) {
      throw new IllegalStateException("a sample of a sample");
    }
    return new FileSource(params, conf, m, count, files, slices, badRows, badFiles, problems,
        SampleSelection.pick(n, (int) count, seed));
  }

  /** Whether every file of the input is an image (its samples are patches). */
  public boolean images() {
    return !files.isEmpty() && files.stream().allMatch(f -> f.format() == FileFormat.IMAGE);
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

  /** The number of splits that hold samples. */
  public int splitCount() {
    return slices.size();
  }

  public InputParams params() {
    return params;
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "%s: %d file%s, m=%d, n=%d%s", params.path(), files.size(),
        files.size() == 1 ? "" : "s", m, n, badRows + badFiles.size() == 0 ? ""
            : ", skipped " + summary(badRows, badFiles.size()));
  }

  @Override
  public Optional<double[]> generatingDictionary() {
    return Optional.empty();
  }

  /**
   * Spark's default parallelism, or more partitions when the samples (as doubles) are larger than
   * {@code input.split.mb} per partition: a partition's task reads and caches about that much.
   */
  @Override
  public int defaultPartitions(JavaSparkContext sc) {
    double bytes = 8.0 * m * n;
    long bySize = (long) Math.ceil(bytes / params.splitBytes());
    return (int) Math.max(1, Math.min(n, Math.min(Integer.MAX_VALUE, Math.max(sc.defaultParallelism(), bySize))));
  }

  /**
   * A fingerprint of the input as it is now: every file's path, length and modification time,
   * and for an input of at most {@value #HASHED_BYTES} bytes a SHA-256 of the files' contents,
   * as {@code key = value} lines ({@link InputFingerprint} compares two).
   */
  public String fingerprint() throws IOException {
    return InputFingerprint.of(files, params.path(), conf.get());
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
    List<InputPlan.Plan> plans = kept == null ? InputPlan.plan(slices, n, parts)
        : InputPlan.planSample(slices, kept, parts);
    InputParams p = params;
    // broadcast once, as Spark's HadoopRDD does: every job over these blocks (one per update)
    // serializes the RDD's lineage into its tasks, and a Configuration inline there would be
    // written and read again (gzipped, hundreds of keys) by every task of every update
    Broadcast<HadoopConf> c = sc.broadcast(conf);
    int dim = m;
    // one plan per partition: parallelize gives element j to partition j
    return sc.parallelize(plans, parts)
        .mapPartitions(it -> read(it, p, c.value(), dim, blockSize), true)
        .setName("pudle input blocks (" + params.path() + ")");
  }

  /** A partition's samples in blocks of {@code blockSize}, read as they are handed on. */
  private static Iterator<SampleBlock> read(Iterator<InputPlan.Plan> plans, InputParams params, HadoopConf conf, int m,
      int blockSize) {
    if (!plans.hasNext()) {
      return Collections.emptyIterator();
    }
    InputPlan.Plan plan = plans.next();
    if (plans.hasNext()) {
      throw new IllegalStateException("a partition of the input holds two plans");
    }
    Iterator<double[]> read = samplesOf(plan.pieces(), params, conf, m);
    Iterator<double[]> samples = plan.keep() == null ? read : InputPlan.keeping(read, plan.keep());
    return new Iterator<>() {
      private long first = plan.start();

      @Override
      public boolean hasNext() {
        return first < plan.end();
      }

      @Override
      public SampleBlock next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        int cols = (int) Math.min(blockSize, plan.end() - first);
        double[] x = new double[cols * m];
        for (int c = 0; c < cols; c++) {
          if (!samples.hasNext()) {
            throw new IllegalStateException("the input changed while the job ran: sample " + (first + c)
                + " is missing");
          }
          System.arraycopy(samples.next(), 0, x, c * m, m);
        }
        SampleBlock b = SampleBlock.of(first, m, cols, x);
        first += cols;
        return b;
      }
    };
  }

  /** The samples of the pieces, in order, normalized. */
  private static Iterator<double[]> samplesOf(List<InputPlan.Piece> pieces, InputParams params, HadoopConf conf, int m) {
    return new Iterator<>() {
      private int p = -1;
      private RowReader reader;
      private long taken;
      private double[] next;

      {
        TaskContext task = TaskContext.get();
        if (task != null) {
          task.addTaskCompletionListener((TaskCompletionListener) ctx -> closeReader());
        }
      }

      @Override
      public boolean hasNext() {
        while (next == null) {
          if (reader != null && taken < pieces.get(p).take()) {
            double[] v = nextGood();
            if (v == null) {
              throw changed(pieces.get(p), taken);
            }
            params.normalize().apply(v, 0, m);
            next = v;
            taken++;
            continue;
          }
          closeReader();
          if (p + 1 >= pieces.size()) {
            return false;
          }
          InputPlan.Piece piece = pieces.get(++p);
          reader = RowReader.open(piece.slice().split(), params, conf.get());
          taken = 0;
          if (piece.skip() > 0 && !(piece.slice().allGood() && reader.skipGood(piece.skip()))) {
            for (long k = 0; k < piece.skip(); k++) {
              if (nextGood() == null) {
                throw changed(piece, -1);
              }
            }
          }
        }
        return true;
      }

      /** The split's next good record of length m, or null at its end. */
      private double[] nextGood() {
        while (reader.hasNext()) {
          RawRow r = reader.next();
          if (r.isGood() && r.values().length == m) {
            return r.values();
          }
        }
        return null;
      }

      private void closeReader() {
        if (reader != null) {
          try {
            reader.close();
          } catch (IOException e) {
            // the samples are read
          }
          reader = null;
        }
      }

      @Override
      public double[] next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        double[] r = next;
        next = null;
        return r;
      }
    };
  }

  private static IllegalStateException changed(InputPlan.Piece piece, long found) {
    Slice s = piece.slice();
    return new IllegalStateException(s.split() + ": the file changed while the job ran: it held " + s.count()
        + " good samples when first read, now " + (found < 0 ? "fewer than " + piece.skip() : piece.skip() + found));
  }
}
