package org.pudle.spark.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.pudle.kernels.AtomMatching;
import org.pudle.kernels.DictionaryError;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.linalg.Norms;
import org.pudle.spark.SparkSessions;
import org.pudle.spark.config.CompareParams;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.io.OutputDir;
import org.pudle.spark.io.RunClaim;
import org.pudle.spark.io.RunOutputs;

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
   * The comparison's shared start, computed once before Spark starts: D_tilde and D0, with every
   * run's ISTA step checked against {@code sigma_max(D0)}, so that a bad config fails fast and
   * writes nothing.
   */
  public record Prepared(CompareParams params, double[] dTilde, double[] d0) {}

  /**
   * Runs in its own (or spark-submit's) SparkSession.
   *
   * @param mode what to do with an earlier result in the output ({@code --overwrite})
   */
  public static Summary run(Prepared prepared, Map<String, String> given, PrintStream console, RunClaim.Mode mode)
      throws IOException {
    try (SparkSessions.Handle spark = SparkSessions.open("pudle compare " + prepared.params().name())) {
      return run(spark.context(), prepared, given, console, mode);
    }
  }

  /** Runs on an existing context (tests share one) into a new output. */
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
    CompareParams params = prepared.params();
    TrainParams base = params.base();
    var data = base.data();
    int m = data.m();
    int p = data.p();
    SyntheticSource source = new SyntheticSource(data.model(), data.n(), prepared.dTilde());
    double[] dTilde = prepared.dTilde();
    double[] d0 = prepared.d0();
    int partitions = base.execution().partitions() > 0 ? base.execution().partitions() : sc.defaultParallelism();
    try (RunOutputs out = RunOutputs.open(base.output(), sc.hadoopConfiguration(), mode, "pudle compare")) {
      describe(console, params, source, partitions, out);
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
        OutputDir.TextStream metrics = out.stream("metrics.csv");
        metrics.line("run," + MetricsWriter.HEADER);
        for (CompareParams.Run r : params.runs()) {
          results.add(runOne(sc, blocks, r, data.n(), data.seed(), d0, dTilde, metrics, base.progressSeconds(),
              console));
        }
      } finally {
        blocks.unpersist(false);
      }
      Summary summary = new Summary(initialError, results, (System.nanoTime() - start) * 1e-9);
      CompareOutputs.write(out, params, given, summary, d0, dTilde, m, p);
      out.finish();
      console.print(CompareOutputs.summaryText(params, summary, out));
      return summary;
    }
  }

  /** The comparison's first lines: the data, the partitioning and each run's method. */
  private static void describe(PrintStream console, CompareParams params, SyntheticSource source, int partitions,
      RunOutputs out) {
    TrainParams base = params.base();
    console.printf(Locale.ROOT, "[compare] %s: %s, %d runs; %d partitions, blocks of %d, %s; output %s%n",
        params.name(), source.describe(), params.runs().size(), partitions, base.execution().blockSize(),
        Blas.description(), out);
    for (CompareParams.Run r : params.runs()) {
      TrainParams rp = r.params();
      console.printf(Locale.ROOT, "[compare]   %-14s %s; T=%d lambda=%s alpha=%s, %d updates%s%n", r.name(),
          Learning.Setup.of(rp).describe(), rp.encoder().T(), rp.encoder().lambda(), rp.encoder().alpha(), rp.updates(),
          rp.fullBatch() ? " (full batch)" : ", batches of " + rp.batchSize());
    }
  }

  private static RunResult runOne(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, CompareParams.Run r, long n,
      long seed, double[] d0, double[] dTilde, OutputDir.TextStream metrics, double progressSeconds,
      PrintStream console) {
    TrainParams rp = r.params();
    int m = rp.data().m();
    int p = rp.data().p();
    Learning.Setup setup = Learning.Setup.of(rp);
    double[] d = d0.clone();
    MetricsWriter history = new MetricsWriter(metrics, r.name() + ",", MetricsWriter::row);
    Progress progress = new Progress(console, "compare " + r.name(), rp.updates(), progressSeconds);
    long t0 = System.nanoTime();
    String failure = null;
    try {
      new Learning(sc, blocks, m, p, n, seed, setup, dTilde, rp.alphaAuto()).run(d, DictionaryTrainer.Start.FRESH,
          history.andThen((rec, dict) -> progress.step(
          rec.update(), rec.elapsed(), String.format(Locale.ROOT, "loss %.4e  nnz %.2f%s  %.2fs/update", rec.loss(),
              rec.codeNonZeros(), Double.isNaN(rec.errorSpectral()) ? ""
                  : String.format(Locale.ROOT, "  err %.4e", rec.errorSpectral()), rec.seconds()))));
    } catch (ArithmeticException | IllegalStateException e) {
      // a diverging run: keep its curve so far, go on with the others
      failure = "update " + (history.history().size() + 1) + ": " + e.getMessage();
      console.printf(Locale.ROOT, "[compare] %s failed at %s%n", r.name(), failure);
    }
    double seconds = (System.nanoTime() - t0) * 1e-9;
    double matched = failure == null
        ? new DictionaryError(dTilde, m, p).spectral(AtomMatching.match(d, dTilde, m, p).matched()) : Double.NaN;
    return new RunResult(r.name(), rp.method().method().key(), List.copyOf(history.history()),
        failure == null ? d : null,
        matched, failure, seconds);
  }

  /**
   * Reads a compare config ({@link CompareParams#from}), checks its paths, computes D_tilde and D0
   * and checks every run's ISTA step against {@code sigma_max(D0)}. Writes nothing.
   */
  public static Prepared prepare(Config c) {
    CompareParams params = CompareParams.from(c);
    TrainSetup.checkPaths(params.base());
    var data = params.base().data();
    double[] dTilde = data.model().dictionaryTilde();
    double[] d0 = data.model().initialDictionary(dTilde, data.tauB());
    double sigma = Norms.singularValues(d0, data.m(), data.p())[0];
    List<CompareParams.Run> runs = new ArrayList<>();
    for (CompareParams.Run r : params.runs()) {
      TrainParams rp = r.params();
      if (rp.lambdaRelative() > 0) {
        throw r.config().error("lambda.relative", "is for pudle train; compare's runs take lambda");
      }
      if (rp.validation() > 0) {
        throw r.config().error("validation.fraction", "is for pudle train; compare's runs measure the error to D~ "
            + "on all samples");
      }
      if (rp.alphaAuto()) {
        // the step of the first update; the loop recomputes it before every update
        rp = rp.resolved(IstaStep.auto(sigma), rp.encoder().lambda());
      } else {
        IstaStep.check(r.config(), rp.encoder().alpha(), sigma, "D0");
      }
      runs.add(new CompareParams.Run(r.name(), rp, r.config(), r.overrides()));
    }
    return new Prepared(new CompareParams(params.name(), params.base(), List.copyOf(runs), params.target()), dTilde,
        d0);
  }
}
