package org.pudle.spark.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.pudle.kernels.AtomMatching;
import org.pudle.kernels.DictionaryError;
import org.pudle.kernels.io.Npy;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.linalg.Norms;
import org.pudle.spark.SparkSessions;
import org.pudle.spark.config.CompareParams;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.io.Matrices;
import org.pudle.spark.io.OutputDir;
import org.pudle.spark.plot.Plots;

/**
 * {@code pudle compare}: several learning runs (methods, gradients, thresholds, schedules) on one
 * cached sample RDD, each from the same initial dictionary D0, with the same metrics; the paper's
 * Figures 5 and 6.
 *
 * <p>Outputs in {@code output}: {@code comparison.png} (every run's relative error to D_tilde
 * against the update, log scale), {@code curves.csv} (the same numbers: one column per run),
 * {@code metrics.csv} (every run's full metrics rows, with a {@code run} column),
 * {@code summary.csv} and {@code summary.txt} (per run: final error, also after matching the atoms
 * up to permutation and sign, lowest and late error, first update at the target, time per update), {@code <run>-dictionary.npy}, {@code initial-dictionary.npy},
 * {@code generating-dictionary.npy} and {@code run.properties}.
 *
 * <p>A run that fails (a diverging step, say) is reported and the others go on; the outputs are
 * written and the command then exits with status 1.
 */
public final class CompareJob {
  /** The header of {@code summary.csv}. */
  public static final String SUMMARY_HEADER = "run,method,updates,initial_err,final_err_spec,final_err_fro,"
      + "final_err_matched,min_err_spec,min_err_update,late_err_spec,first_update_at_target,median_seconds_per_update,"
      + "seconds,failure";

  private CompareJob() {}

  /**
   * What one run did.
   *
   * @param matchedError the final spectral error after matching the atoms to D_tilde up to
   *                     permutation and sign ({@link AtomMatching}); NaN for a failed run
   */
  public record RunResult(String name, String method, List<DictionaryTrainer.Update> updates, double[] dictionary,
      double matchedError, String failure, double seconds) {

    /** The errors after each update, NaN where not measured. */
    public double[] errors() {
      return updates.stream().mapToDouble(DictionaryTrainer.Update::errorSpectral).toArray();
    }

    /** The smallest measured error and its update (0 = D0 when no update improved on it). */
    double[] minimum(double initial) {
      double best = initial;
      int at = 0;
      for (DictionaryTrainer.Update u : updates) {
        if (u.errorSpectral() < best) {
          best = u.errorSpectral();
          at = u.update();
        }
      }
      return new double[] {best, at};
    }

    /** The median of the measured errors over the last tenth of the updates: where a curve settles. */
    double lateError() {
      int from = updates.size() - Math.max(1, updates.size() / 10);
      double[] e = updates.subList(Math.max(0, from), updates.size()).stream()
          .mapToDouble(DictionaryTrainer.Update::errorSpectral).filter(v -> !Double.isNaN(v)).sorted().toArray();
      return e.length == 0 ? Double.NaN : e[e.length / 2];
    }

    /** The first update whose error is at most {@code target}, or -1. */
    int firstAt(double target) {
      for (DictionaryTrainer.Update u : updates) {
        if (u.errorSpectral() <= target) {
          return u.update();
        }
      }
      return -1;
    }

    double medianSeconds() {
      double[] s = updates.stream().mapToDouble(DictionaryTrainer.Update::seconds).sorted().toArray();
      return s.length == 0 ? Double.NaN : s[s.length / 2];
    }
  }

  /** What the comparison ended with. */
  public record Summary(double initialError, List<RunResult> runs, double seconds) {
    /** The run called {@code name}. */
    public RunResult run(String name) {
      return runs.stream().filter(r -> r.name().equals(name)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no run " + name));
    }

    /** The runs that failed. */
    public List<RunResult> failed() {
      return runs.stream().filter(r -> r.failure() != null).toList();
    }
  }

  /**
   * Checks every run's ISTA step against {@code sigma_max(D0)} before Spark starts, so that a bad
   * config fails fast and writes nothing.
   */
  public static void validate(CompareParams params) {
    var model = params.base().data().model();
    double[] d0 = model.initialDictionary(model.dictionaryTilde(), params.base().data().tauB());
    double sigma = Norms.singularValues(d0, params.base().data().m(), params.base().data().p())[0];
    for (CompareParams.Run r : params.runs()) {
      IstaStep.check(r.config(), r.params().encoder().alpha(), sigma, "D0");
    }
  }

  /** Runs in its own (or spark-submit's) SparkSession. */
  public static Summary run(CompareParams params, Map<String, String> given, PrintStream console) throws IOException {
    try (SparkSessions.Handle spark = SparkSessions.open("pudle compare " + params.name())) {
      return run(spark.context(), params, given, console);
    }
  }

  /** Runs on an existing context (tests share one). */
  public static Summary run(JavaSparkContext sc, CompareParams params, Map<String, String> given, PrintStream console)
      throws IOException {
    long start = System.nanoTime();
    TrainParams base = params.base();
    var data = base.data();
    int m = data.m();
    int p = data.p();
    SyntheticSource source = new SyntheticSource(data.model(), data.n());
    double[] dTilde = source.generatingDictionary().orElseThrow();
    double[] d0 = data.model().initialDictionary(dTilde, data.tauB());
    int partitions = base.execution().partitions() > 0 ? base.execution().partitions() : sc.defaultParallelism();
    OutputDir out = OutputDir.open(base.output(), sc.hadoopConfiguration());
    console.printf(Locale.ROOT, "[compare] %s: %s, %d runs; %d partitions, blocks of %d, %s; output %s%n",
        params.name(), source.describe(), params.runs().size(), partitions, base.execution().blockSize(),
        Blas.description(), out);
    for (CompareParams.Run r : params.runs()) {
      TrainParams rp = r.params();
      console.printf(Locale.ROOT, "[compare]   %-14s %s; T=%d lambda=%s alpha=%s, %d updates%s%n", r.name(),
          Learning.Setup.of(rp).describe(), rp.encoder().T(), rp.encoder().lambda(), rp.encoder().alpha(), rp.updates(),
          rp.fullBatch() ? " (full batch)" : ", batches of " + rp.batchSize());
    }

    JavaRDD<SampleBlock> blocks = source.blocks(sc, partitions, base.execution().blockSize())
        .persist(StorageLevel.MEMORY_AND_DISK());
    blocks.setName("pudle samples (" + source.describe() + ")");
    DictionaryTrainer errors = new DictionaryTrainer(m, p, data.n(), base.normalize(), dTilde, 1);
    double initialError = errors.errors(d0)[0];
    List<RunResult> results = new ArrayList<>();
    try {
      long t0 = System.nanoTime();
      long counted = blocks.map(SampleBlock::cols).reduce(Integer::sum);
      console.printf(Locale.ROOT, "[compare] generated %d samples in %s; %s; ||D0 - D~||_2/||D~||_2 = %.4e%n",
          counted, Progress.duration((System.nanoTime() - t0) * 1e-9), CacheReport.of(sc, blocks), initialError);
      try (OutputDir.TextStream metrics = out.stream("metrics.csv")) {
        metrics.line("run," + TrainJob.METRICS_HEADER);
        for (CompareParams.Run r : params.runs()) {
          results.add(runOne(sc, blocks, r, data.n(), data.seed(), d0, dTilde, metrics, base.progressSeconds(),
              console));
        }
        metrics.commit();
      }
    } finally {
      blocks.unpersist(false);
    }
    Summary summary = new Summary(initialError, results, (System.nanoTime() - start) * 1e-9);
    writeOutputs(out, params, given, summary, d0, dTilde, m, p);
    console.print(summaryText(params, summary, out));
    return summary;
  }

  private static RunResult runOne(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, CompareParams.Run r, long n,
      long seed, double[] d0, double[] dTilde, OutputDir.TextStream metrics, double progressSeconds,
      PrintStream console) {
    TrainParams rp = r.params();
    int m = rp.data().m();
    int p = rp.data().p();
    Learning.Setup setup = Learning.Setup.of(rp);
    double[] d = d0.clone();
    List<DictionaryTrainer.Update> history = new ArrayList<>();
    Progress progress = new Progress(console, "compare " + r.name(), rp.updates(), progressSeconds);
    long t0 = System.nanoTime();
    String failure = null;
    try {
      Learning.run(sc, blocks, m, p, n, seed, setup, d, dTilde, (rec, dict) -> {
        history.add(rec);
        metrics.line(r.name() + "," + TrainJob.csvRow(rec));
        progress.step(rec.update(), rec.elapsed(), String.format(Locale.ROOT, "loss %.4e  nnz %.2f%s  %.2fs/update",
            rec.loss(), rec.codeNonZeros(), Double.isNaN(rec.errorSpectral()) ? ""
                : String.format(Locale.ROOT, "  err %.4e", rec.errorSpectral()), rec.seconds()));
      });
    } catch (ArithmeticException | IllegalStateException e) {
      // a diverging run: keep its curve so far, go on with the others
      failure = "update " + (history.size() + 1) + ": " + e.getMessage();
      console.printf(Locale.ROOT, "[compare] %s failed at %s%n", r.name(), failure);
    }
    double seconds = (System.nanoTime() - t0) * 1e-9;
    double matched = failure == null
        ? new DictionaryError(dTilde, m, p).spectral(AtomMatching.match(d, dTilde, m, p).matched()) : Double.NaN;
    return new RunResult(r.name(), rp.method().method().key(), List.copyOf(history), failure == null ? d : null,
        matched, failure, seconds);
  }

  private static void writeOutputs(OutputDir out, CompareParams params, Map<String, String> given, Summary s,
      double[] d0, double[] dTilde, int m, int p) throws IOException {
    for (RunResult r : s.runs()) {
      if (r.dictionary() != null) {
        out.write(r.name() + "-dictionary.npy", o -> Npy.writeColumnMajor(o, r.dictionary(), m, p));
      }
    }
    out.write("initial-dictionary.npy", o -> Npy.writeColumnMajor(o, d0, m, p));
    out.write("generating-dictionary.npy", o -> Npy.writeColumnMajor(o, dTilde, m, p));
    out.writeText("curves.csv", curvesCsv(s));
    out.writeText("summary.csv", summaryCsv(params, s));
    var data = params.base().data();
    List<Plots.Series> series = new ArrayList<>();
    for (RunResult r : s.runs()) {
      double[] e = r.errors();
      double[] x = new double[e.length + 1];
      double[] y = new double[e.length + 1];
      y[0] = s.initialError();
      for (int i = 0; i < e.length; i++) {
        x[i + 1] = r.updates().get(i).update();
        y[i + 1] = e[i];
      }
      series.add(new Plots.Series(r.name() + (r.failure() != null ? " (failed)" : ""), x, y));
    }
    String title = String.format(Locale.ROOT, "pudle compare %s: m=%d p=%d k=%d n=%d", params.name(), data.m(),
        data.p(), data.k(), data.n());
    out.write("comparison.png", o -> Plots.logY(o, title, "update", "||D - D~||_2 / ||D~||_2", series, 1000, 620));
    out.writeText("run.properties", runProperties(params, given));
    out.writeText("summary.txt", summaryText(params, s, out));
  }

  /** {@code update,<run>,...}: the spectral error of every run after each update (row 0 is D0). */
  static String curvesCsv(Summary s) {
    int rows = s.runs().stream().mapToInt(r -> r.updates().size()).max().orElse(0);
    StringBuilder sb = new StringBuilder("update");
    for (RunResult r : s.runs()) {
      sb.append(',').append(r.name());
    }
    sb.append('\n').append(0);
    for (RunResult r : s.runs()) {
      sb.append(',').append(Matrices.formatExact(s.initialError()));
    }
    sb.append('\n');
    for (int u = 0; u < rows; u++) {
      sb.append(u + 1);
      for (RunResult r : s.runs()) {
        sb.append(',');
        if (u < r.updates().size() && !Double.isNaN(r.updates().get(u).errorSpectral())) {
          sb.append(Matrices.formatExact(r.updates().get(u).errorSpectral()));
        }
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private static String summaryCsv(CompareParams params, Summary s) {
    StringBuilder sb = new StringBuilder(SUMMARY_HEADER).append('\n');
    for (RunResult r : s.runs()) {
      DictionaryTrainer.Update last = r.updates().isEmpty() ? null : r.updates().get(r.updates().size() - 1);
      double[] min = r.minimum(s.initialError());
      sb.append(r.name()).append(',').append(r.method()).append(',').append(r.updates().size()).append(',')
          .append(num(s.initialError())).append(',')
          .append(last == null ? "" : num(last.errorSpectral())).append(',')
          .append(last == null ? "" : num(last.errorFrobenius())).append(',')
          .append(num(r.matchedError())).append(',')
          .append(num(min[0])).append(',').append((int) min[1]).append(',')
          .append(num(r.lateError())).append(',')
          .append(r.firstAt(params.target()) < 0 ? "" : String.valueOf(r.firstAt(params.target()))).append(',')
          .append(num(r.medianSeconds())).append(',').append(num(r.seconds())).append(',')
          .append(r.failure() == null ? "" : '"' + r.failure().replace('"', '\'') + '"').append('\n');
    }
    return sb.toString();
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : Matrices.formatExact(v);
  }

  static String summaryText(CompareParams params, Summary s, OutputDir out) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "[compare] done: %d runs in %s; ||D0 - D~||_2/||D~||_2 = %.4e%n",
        s.runs().size(), Progress.duration(s.seconds()), s.initialError()));
    sb.append(String.format(Locale.ROOT, "[compare] %-14s %-7s %12s %12s %12s %7s %12s %10s %10s %9s%n", "run",
        "method", "final err", "matched", "lowest err", "at", "late err", "first<=" + shortNum(params.target()),
        "s/update", "time"));
    for (RunResult r : s.runs()) {
      DictionaryTrainer.Update last = r.updates().isEmpty() ? null : r.updates().get(r.updates().size() - 1);
      double[] min = r.minimum(s.initialError());
      int first = r.firstAt(params.target());
      sb.append(String.format(Locale.ROOT, "[compare] %-14s %-7s %12.4e %12.4e %12.4e %7d %12.4e %10s %10.3f %9s%n",
          r.name(), r.method(), last == null ? Double.NaN : last.errorSpectral(), r.matchedError(), min[0], (int) min[1],
          r.lateError(),
          first < 0 ? "-" : String.valueOf(first), r.medianSeconds(), Progress.duration(r.seconds())));
      if (r.failure() != null) {
        sb.append("[compare]   ").append(r.name()).append(" failed at ").append(r.failure()).append('\n');
      }
    }
    sb.append("[compare] matched: the final error after matching the atoms to D~ up to permutation and sign; "
        + "late err: the median error over the last tenth of the updates\n");
    sb.append("[compare] outputs in ").append(out).append(": comparison.png, curves.csv, metrics.csv, summary.csv, "
        + "<run>-dictionary.npy, run.properties\n");
    return sb.toString();
  }

  private static String shortNum(double v) {
    return String.format(Locale.ROOT, "%.0e", v).replace("e-0", "e-");
  }

  /** The shared settings in effect, then the comparison's keys: usable as a compare config. */
  static String runProperties(CompareParams params, Map<String, String> given) {
    StringBuilder sb = new StringBuilder("# pudle compare: the settings in effect; usable as a config\n");
    var data = params.base().data();
    sb.append(TrainJob.runProperties(params.base(), given, data.m(), data.p(), data.n()).replaceFirst("^# pudle train[^\n]*\n", ""));
    sb.append("\n# the runs\n");
    List<String> names = params.runs().stream().map(CompareParams.Run::name).toList();
    sb.append("compare = ").append(String.join(", ", names)).append('\n');
    sb.append("compare.target = ").append(params.target()).append('\n');
    for (CompareParams.Run r : params.runs()) {
      Map<String, String> o = new LinkedHashMap<>(r.overrides());
      for (var e : o.entrySet()) {
        sb.append("compare.").append(r.name()).append('.').append(e.getKey()).append(" = ").append(e.getValue())
            .append('\n');
      }
    }
    return sb.toString();
  }

  /** Reads and validates a compare config: {@link CompareParams#from} then {@link #validate}. */
  public static CompareParams params(Config c) {
    CompareParams params = CompareParams.from(c);
    validate(params);
    return params;
  }
}
