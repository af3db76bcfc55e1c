package org.pudle.spark.study;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.linalg.Norms;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.kernels.study.DepthGrid;
import org.pudle.kernels.study.DepthStudySums;
import org.pudle.kernels.study.DepthStudySums.Phase;
import org.pudle.kernels.study.StudyEstimates;
import org.pudle.kernels.study.StudyEstimates.Row;
import org.pudle.spark.SparkSessions;
import org.pudle.spark.agg.DistributedPass;
import org.pudle.spark.agg.KernelProbe;
import org.pudle.spark.agg.StudyAggregator;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.io.RunClaim;
import org.pudle.spark.io.RunOutputs;
import org.pudle.spark.io.StudyCsv;
import org.pudle.spark.io.Storage;
import org.pudle.spark.plot.StudyFigures;
import org.pudle.spark.train.Progress;
import org.pudle.spark.train.TaskProgress;

/**
 * {@code pudle study}: the large-sample gradient studies of the paper's section 3 (Figures 2, 3,
 * 4a and 4b). For a dictionary D (by default D0 = normalize(D_tilde + tau_B B)) and every depth t
 * of a grid, in one pass over n synthetic samples generated on the executors (a distributed pass per
 * group of samples, each group's sums kept in the output's {@link StudyCheckpoint} for {@code --resume}):
 * the mean {@code ||z_t - z_hat||_2} and, for {@code g_dec}, {@code g_ae-ls} and
 * {@code g_ae-lasso}, the distances of the mean gradient to {@code g_hat}, {@code g_star} and
 * {@code g_tilde} in Frobenius and spectral norm, each with a jackknife standard error over groups
 * of samples. {@code D*} comes from {@link DStar} (cached). A sweep runs the same study for
 * several n.
 *
 * <p>Outputs: {@code study.csv}, {@code sweep.csv} (with a sweep), {@code fig2.png},
 * {@code fig3.png}, {@code fig4a.png}, {@code fig4b.png}, {@code sweep-fig*.png},
 * {@code summary.txt}, {@code run.properties}, {@code dictionary.npy} (D), {@code dstar.npy},
 * {@code generating-dictionary.npy}.
 */
public final class StudyJob {
  private StudyJob() {}

  /**
   * The study at one n.
   *
   * @param rows    the rows of study.csv
   * @param total   the sums over all samples
   * @param seconds the wall time of the pass (in this run)
   * @param resumed the groups of samples taken from the checkpoint of an earlier run ({@code --resume})
   */
  public record Pass(long n, List<Row> rows, DepthStudySums total, double seconds, int resumed) {}

  /** What a run produced. */
  public record Summary(List<Pass> passes, DStar.Result dStar, double[] dictionary, String text, double seconds) {
    /** The pass at the study's n (the config's {@code n}). */
    public Pass main(long n) {
      for (Pass p : passes) {
        if (p.n() == n) {
          return p;
        }
      }
      throw new IllegalStateException("no pass at n = " + n);
    }
  }

  /**
   * What a study starts from, computed once: D_tilde and the dictionary studied (the file of
   * {@code dictionary}, or D0).
   */
  public record Prepared(StudyParams params, double[] dTilde, double[] dictionary) {}

  /** D_tilde and the dictionary to study: the given file, or D0. */
  static Prepared prepared(StudyParams params, org.apache.hadoop.conf.Configuration conf) throws IOException {
    var data = params.data();
    double[] dTilde = data.model().dictionaryTilde();
    double[] d = params.dictionary() != null
        ? DStar.readDictionary(params.dictionary(), data.m(), data.p(), conf, "dictionary")
        : data.model().initialDictionary(dTilde, data.tauB());
    return new Prepared(params, dTilde, d);
  }

  /**
   * Checks what needs the dictionary (its file, the ISTA step) before Spark starts, so that a bad
   * config fails fast and writes nothing; what it read and computed is the run's.
   */
  public static Prepared prepare(Config c, StudyParams params) throws IOException {
    org.apache.hadoop.conf.Configuration conf = Storage.driverConfiguration();
    if (params.dictionary() != null) {
      Storage.checkReadable(params.dictionary(), conf, "config key 'dictionary'");
    }
    Storage.checkWritable(params.output(), conf, "config key 'output'");
    Prepared prepared;
    try {
      prepared = prepared(params, conf);
    } catch (IOException e) {
      // a malformed dictionary file is the config's: the reader names it
      if (params.dictionary() != null && String.valueOf(e.getMessage()).contains(params.dictionary())) {
        throw c.error("dictionary", e.getMessage());
      }
      throw e;
    }
    double sigma = Norms.spectral(prepared.dictionary(), params.data().m(), params.data().p());
    IstaStep.check(c, params.encoder().alpha(), sigma, params.dictionary() == null ? "D0" : params.dictionary());
    return prepared;
  }

  /**
   * Runs in its own (or spark-submit's) SparkSession.
   *
   * @param mode what to do with an earlier result in the output ({@code --overwrite})
   */
  public static Summary run(Prepared prepared, Map<String, String> given, PrintStream console, RunClaim.Mode mode)
      throws IOException {
    try (SparkSessions.Handle spark = SparkSessions.open("pudle study " + prepared.params().name())) {
      return run(spark.context(), prepared, given, console, mode);
    }
  }

  /** Runs on an existing context (tests share one), without the checks of {@link #prepare}. */
  public static Summary run(JavaSparkContext sc, StudyParams params, Map<String, String> given, PrintStream console)
      throws IOException {
    return run(sc, prepared(params, sc.hadoopConfiguration()), given, console);
  }

  /** Runs on an existing context into a new output. */
  public static Summary run(JavaSparkContext sc, Prepared prepared, Map<String, String> given, PrintStream console)
      throws IOException {
    return run(sc, prepared, given, console, RunClaim.Mode.NEW);
  }

  /**
   * Runs on an existing context.
   *
   * @param mode what to do with an earlier result in the output ({@code --overwrite})
   */
  public static Summary run(JavaSparkContext sc, Prepared prepared, Map<String, String> given, PrintStream console,
      RunClaim.Mode mode) throws IOException {
    long start = System.nanoTime();
    StudyParams params = prepared.params();
    int partitions = params.execution().partitions() > 0 ? params.execution().partitions()
        : 4 * sc.defaultParallelism();
    // the backend of the unfolded passes is resolved on the executors before anything is written:
    // kernels=cuda without a device is a configuration error
    String backend = params.execution().kernelsSpec();
    List<String> kernels = backend.startsWith("cpu") ? List.of() : KernelProbe.resolve(sc, backend, partitions);
    try (RunOutputs out = RunOutputs.open(params.output(), sc.hadoopConfiguration(), mode, "pudle study")) {
      describe(console, params, partitions, out);
      if (!kernels.isEmpty()) {
        console.printf(Locale.ROOT, "[study] kernels: %s%n", String.join("; ", kernels));
      }
      DStar.Result dStar = DStar.obtain(sc, params, console);
      String settings = StudyCheckpoint.settings(params.settings(), prepared.dictionary(), dStar.dictionary());
      StudyCheckpoint checkpoint = mode == RunClaim.Mode.RESUME
          ? resume(out, params, settings, sc.hadoopConfiguration(), console)
          : new StudyCheckpoint(settings);
      List<Pass> passes = new ArrayList<>();
      for (long n : params.sweep()) {
        passes.add(pass(sc, prepared, dStar.dictionary(), n, partitions, console, checkpoint, out));
      }
      double seconds = (System.nanoTime() - start) * 1e-9;
      String text = StudyOutputs.summaryText(params, passes, dStar, prepared.dictionary(), prepared.dTilde(), seconds,
          out);
      Summary summary = new Summary(passes, dStar, prepared.dictionary(), text, seconds);
      StudyOutputs.write(out, params, given, summary, prepared.dTilde());
      out.finish();
      console.print(text);
      return summary;
    }
  }

  /** The study's first lines: the setting, the grid and its cost, the partitioning. */
  private static void describe(PrintStream console, StudyParams params, int partitions, RunOutputs out) {
    var data = params.data();
    int p = data.p();
    DepthGrid grid = params.grid();
    console.printf(Locale.ROOT, "[study] %s: m=%d p=%d k=%d seed=%d, T=%d lambda=%s alpha=%s, D = %s%n",
        params.name(), data.m(), p, data.k(), data.seed(), params.encoder().T(), params.encoder().lambda(),
        params.encoder().alpha(), params.dictionary() == null ? "D0 (tau_B " + data.tauBText() + ")"
            : params.dictionary());
    console.printf(Locale.ROOT, "[study] %d depths (%s), sum %d: %.3g GEMM flops per sample for the unfolded passes "
        + "(forward %.3g + ae backward %.3g); n = %s; %d partitions, %d jackknife groups; %s; output %s%n",
        grid.size(), grid, grid.sum(), params.flopsPerSample(), 2.0 * p * p * params.encoder().T(),
        8.0 * p * p * grid.sum(), params.sweep(), partitions, params.groups(), Blas.description(), out);
  }

  /**
   * Reads the checkpoint of the study to continue ({@code --resume}): the newest one that earlier
   * runs left in the output with these settings, copied into this run's output.
   *
   * @throws ConfigException when there is none, or none with these settings
   */
  private static StudyCheckpoint resume(RunOutputs out, StudyParams params, String settings,
      org.apache.hadoop.conf.Configuration conf, PrintStream console) throws IOException {
    List<RunOutputs.Earlier> found = RunOutputs.earlier(params.output(), StudyCheckpoint.FILE, conf);
    if (found.isEmpty()) {
      throw new ConfigException("--resume: no study checkpoint in " + params.output() + " (config key 'output'); a "
          + "study writes one after each group of samples");
    }
    ConfigException refusal = null;
    for (RunOutputs.Earlier earlier : found) {
      StudyCheckpoint ck;
      try {
        ck = StudyCheckpoint.read(new java.io.ByteArrayInputStream(earlier.bytes()), earlier.path().toString());
      } catch (IOException e) {
        throw new ConfigException("--resume: " + e.getMessage());
      }
      List<String> diff = ck.differences(settings);
      if (diff.isEmpty()) {
        out.resumeFrom(StudyCheckpoint.FILE, ck::write);
        console.printf(Locale.ROOT, "[study] resuming from %s: %d groups of samples done%n", earlier.path(), ck.size());
        return ck;
      }
      ConfigException e = new ConfigException("--resume: the study checkpoint " + earlier.path() + " was written with "
          + "other settings: " + String.join("; ", diff) + " (only n, sweep.n, the dictionary and D* file names, "
          + "the output, the partitioning, the kernels and progress.seconds may change)");
      if (refusal == null) {
        refusal = e;
      } else {
        console.println("[study] not resuming from " + earlier.path() + ": " + e.getMessage());
      }
    }
    throw refusal;
  }

  /**
   * The study at n: a distributed pass (one treeAggregate) per group of samples that
   * {@code checkpoint} does not hold yet, each group recorded in it and written to the output's
   * {@code checkpoint} as it finishes.
   */
  static Pass pass(JavaSparkContext sc, Prepared prepared, double[] dStar, long n, int partitions,
      PrintStream console, StudyCheckpoint checkpoint, RunOutputs out) throws IOException {
    long t0 = System.nanoTime();
    StudyParams params = prepared.params();
    double[] d = prepared.dictionary();
    var data = params.data();
    int m = data.m();
    int p = data.p();
    int groups = params.groups();
    SyntheticSource source = new SyntheticSource(data.model(), n, prepared.dTilde());
    List<DepthStudySums> sums = new ArrayList<>();
    int resumed = 0;
    long done = 0;
    Broadcast<double[]> star = sc.broadcast(dStar.clone());
    try {
      for (int g = 0; g < groups; g++) {
        long lo = StudyAggregator.groupStart(g, n, groups);
        long hi = g + 1 < groups ? StudyAggregator.groupStart(g + 1, n, groups) : n;
        DepthStudySums s = checkpoint.group(n, g);
        if (s != null) {
          resumed++;
        } else if (lo == hi) {
          s = new DepthStudySums(m, p, params.grid().size());
        } else {
          int parts = (int) Math.min(partitions, hi - lo);
          JavaRDD<SampleBlock> blocks = source.blocks(sc, parts, params.execution().blockSize(), lo, hi);
          blocks.setName("pudle study samples " + lo + ".." + hi + " (" + source.describe() + ")");
          Progress progress = new Progress(console, "study n=" + n + " group " + (g + 1) + "/" + groups, parts,
              params.progressSeconds());
          StudyAggregator agg;
          try (TaskProgress listener = new TaskProgress(sc.sc(), progress, parts, hi - lo, "samples")) {
            agg = DistributedPass.aggregate(sc, blocks, d,
                bc -> new StudyAggregator(bc, star, m, p, params.encoder(), params.grid(), params.lasso(),
                    params.execution().scratchBytes(), KernelSpec.parse(params.execution().kernelsSpec()), n,
                    groups, params.jacobian(), data.seed()),
                StudyAggregator::add, StudyAggregator::merge, params.execution().aggregateDepth());
          }
          s = agg.groups().get(g);
          if (s.count() != hi - lo) {
            throw new IllegalStateException("study: group " + g + " saw " + s.count() + " samples, expected " + (hi - lo));
          }
          checkpoint.put(n, g, s);
          out.checkpoint(StudyCheckpoint.FILE, checkpoint::write);
          done += hi - lo;
          double elapsed = (System.nanoTime() - t0) * 1e-9;
          if (g + 1 < groups) {
            console.printf(Locale.ROOT, "[study] n=%d: group %d/%d (samples %d..%d) done, %s so far; about %s left%n",
                n, g + 1, groups, lo, hi - 1, Progress.duration(elapsed),
                Progress.duration(elapsed / done * (n - hi)));
          }
        }
        sums.add(s);
      }
    } finally {
      star.destroy();
    }
    DepthStudySums total = new DepthStudySums(m, p, params.grid().size());
    for (DepthStudySums s : sums) {
      total.merge(s);
    }
    if (total.count() != n) {
      throw new IllegalStateException("study: the pass saw " + total.count() + " samples, expected " + n);
    }
    List<Row> rows = StudyEstimates.rows(params.grid(), total, sums);
    double seconds = (System.nanoTime() - t0) * 1e-9;
    console.printf(Locale.ROOT, "[study] n=%d done in %s%s: task-seconds forward %.1f, lasso z_hat %.1f, lasso z* %.1f, "
        + "backward %.1f, references %.1f; lasso max KKT %.1e, %d codes above tolerance%n", n,
        Progress.duration(seconds), resumed == 0 ? "" : " (" + resumed + " of " + groups + " groups from the checkpoint)",
        total.seconds(Phase.FORWARD), total.seconds(Phase.LASSO_HAT),
        total.seconds(Phase.LASSO_STAR), total.seconds(Phase.BACKWARD), total.seconds(Phase.REFERENCES),
        total.maxKkt(), total.unconverged());
    return new Pass(n, rows, total, seconds, resumed);
  }

  /**
   * Draws the PNGs again from the CSV files of a finished study in {@code dir} ({@code study.csv},
   * {@code sweep.csv} when present, {@code run.properties} for the titles): restyled figures
   * without recomputing anything. Returns a line saying what was drawn.
   */
  public static String replot(String dir, org.apache.hadoop.conf.Configuration conf) throws IOException {
    org.apache.hadoop.fs.Path base = new org.apache.hadoop.fs.Path(dir);
    org.apache.hadoop.fs.FileSystem fs = base.getFileSystem(conf);
    org.apache.hadoop.fs.Path csv = new org.apache.hadoop.fs.Path(base, "study.csv");
    if (!fs.exists(csv)) {
      throw new IOException(dir + ": no study.csv (not the output folder of pudle study?)");
    }
    java.util.Properties props = new java.util.Properties();
    org.apache.hadoop.fs.Path propsPath = new org.apache.hadoop.fs.Path(base, "run.properties");
    if (fs.exists(propsPath)) {
      try (java.io.InputStream in = fs.open(propsPath)) {
        props.load(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    List<Row> rows = StudyCsv.read(fs, csv);
    Map<Long, List<Row>> byN = new java.util.TreeMap<>();
    org.apache.hadoop.fs.Path sweep = new org.apache.hadoop.fs.Path(base, "sweep.csv");
    if (fs.exists(sweep)) {
      for (Row r : StudyCsv.read(fs, sweep)) {
        byN.computeIfAbsent(r.n(), k -> new ArrayList<>()).add(r);
      }
    }
    DepthGrid grid = DepthGrid.of(rows.stream().mapToInt(Row::t).toArray());
    boolean jacobian = rows.stream().anyMatch(r -> !Double.isNaN(r.jacobianError()));
    String setting = String.format(Locale.ROOT, "m=%s p=%s k=%s n=%d lambda=%s alpha=%s", props.getProperty("m", "?"),
        props.getProperty("p", "?"), props.getProperty("k", "?"), rows.get(0).n(), props.getProperty("lambda", "?"),
        props.getProperty("alpha", "?"));
    try (RunOutputs out = RunOutputs.open(dir, conf, RunClaim.Mode.AMEND, "pudle study --replot")) {
      StudyFigures.write(out, setting, rows, byN, jacobian, grid);
      out.finish();
      return String.format(Locale.ROOT, "[study] redrew the figures of %s from its CSV files (%d rows%s)", out,
          rows.size(), byN.size() > 1 ? ", " + byN.size() + " sample counts" : "");
    }
  }
}
