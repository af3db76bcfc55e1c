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
import org.pudle.kernels.Adam;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.Optimizer;
import org.pudle.kernels.io.Npy;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.linalg.Norms;
import org.pudle.spark.SparkSessions;
import org.pudle.spark.agg.KernelProbe;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.EncoderConfig;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.io.Matrices;
import org.pudle.spark.io.OutputDir;
import org.pudle.spark.plot.Plots;

/**
 * {@code pudle train}: dictionary learning by backpropagation through the unfolded encoder
 * (Algorithm 2) on a cached, blocked sample RDD, with Adam on the driver.
 *
 * <p>Outputs in {@code output}: {@code dictionary.npy} and {@code dictionary.csv} (the learned D,
 * m x p), {@code initial-dictionary.npy} (D0), {@code generating-dictionary.npy} (D_tilde, when
 * known), {@code metrics.csv} (one row per update), {@code learning-curve.png},
 * {@code run.properties} (every setting in effect) and {@code summary.txt}.
 */
public final class TrainJob {
  /** The header of {@code metrics.csv}. */
  public static final String METRICS_HEADER = "update,epoch,samples,loss,lasso_loss,grad_norm,code_nnz,"
      + "dict_err_spec,dict_err_fro,decay,seconds,kernel_seconds,elapsed_seconds";

  private TrainJob() {}

  /** What a run ended with. */
  public record Summary(double[] dictionary, double[] initial, double initialErrorSpectral,
      double initialErrorFrobenius, double finalErrorSpectral, double finalErrorFrobenius, double finalLoss, List<DictionaryTrainer.Update> updates,
      double seconds) {}

  /**
   * Checks what needs the initial dictionary: the ISTA step against {@code sigma_max(D0)}.
   * Called before Spark starts, so that a bad config fails fast and writes nothing.
   */
  public static void validate(Config c, TrainParams p) {
    var model = p.data().model();
    double[] d0 = model.initialDictionary(model.dictionaryTilde(), p.data().tauB());
    double sigma = Norms.singularValues(d0, p.data().m(), p.data().p())[0];
    EncoderConfig.checkStep(c, p.encoder().alpha(), sigma, "D0");
  }

  /** Runs in its own (or spark-submit's) SparkSession. */
  public static Summary run(TrainParams params, Map<String, String> given, PrintStream console) throws IOException {
    try (SparkSessions.Handle spark = SparkSessions.open("pudle train " + params.name())) {
      return run(spark.context(), params, given, console);
    }
  }

  /** Runs on an existing context (tests share one). */
  public static Summary run(JavaSparkContext sc, TrainParams params, Map<String, String> given, PrintStream console)
      throws IOException {
    long start = System.nanoTime();
    var data = params.data();
    int m = data.m();
    int p = data.p();
    SyntheticSource source = new SyntheticSource(data.model(), data.n());
    double[] dTilde = source.generatingDictionary().orElse(null);
    double[] d0 = data.model().initialDictionary(dTilde, data.tauB());
    int partitions = params.execution().partitions() > 0 ? params.execution().partitions() : sc.defaultParallelism();
    // the backend is resolved on the executors before anything is written: kernels=cuda without a
    // device is a configuration error (exit 2)
    String backend = params.execution().kernelsSpec();
    List<String> kernels = backend.startsWith("cpu") ? List.of() : KernelProbe.resolve(sc, backend, partitions);
    OutputDir out = OutputDir.open(params.output(), sc.hadoopConfiguration());
    console.printf(Locale.ROOT, "[train] %s: %s, T=%d lambda=%s alpha=%s %s threshold, gradient %s, %d updates%s%n",
        params.name(), source.describe(), params.encoder().T(), params.encoder().lambda(), params.encoder().alpha(),
        params.encoder().threshold(), params.gradient(), params.updates(),
        params.fullBatch() ? " (full batch)" : ", batches of " + params.batchSize());
    console.printf(Locale.ROOT, "[train] %d partitions, blocks of %d, %s; output %s%n", partitions,
        params.execution().blockSize(), Blas.description(), out);

    if (!kernels.isEmpty()) {
      console.printf(Locale.ROOT, "[train] kernels: %s%n", String.join("; ", kernels));
    }

    JavaRDD<SampleBlock> blocks = source.blocks(sc, partitions, params.execution().blockSize())
        .persist(StorageLevel.MEMORY_AND_DISK());
    blocks.setName("pudle samples (" + source.describe() + ")");
    try {
      long t0 = System.nanoTime();
      long counted = blocks.map(SampleBlock::cols).reduce(Integer::sum);
      console.printf(Locale.ROOT, "[train] generated and cached %d samples in %s%n", counted,
          Progress.duration((System.nanoTime() - t0) * 1e-9));

      DictionaryTrainer trainer = new DictionaryTrainer(m, p, data.n(), params.normalize(), dTilde,
          params.metricsEvery());
      double[] initialError = trainer.errors(d0);
      double[] d = d0.clone();
      SparkGradientOracle oracle = new SparkGradientOracle(sc, blocks, m, p, params.gradient(),
          params.execution().scratchBytes(), params.execution().aggregateDepth(), data.n(), params.batchSize(),
          data.seed(), backend);
      List<DictionaryTrainer.Update> history = new ArrayList<>();
      Progress progress = new Progress(console, "train", params.updates(), params.progressSeconds());
      try (OutputDir.TextStream metrics = out.stream("metrics.csv")) {
        metrics.line(METRICS_HEADER);
        EncoderParams base = params.encoder();
        try {
          trainer.run(d, params.updates(), u -> base.withDecay(params.decayAt(u)), oracle,
              Optimizer.adam(params.adam(), m * p), (rec, dict) -> {
            history.add(rec);
            metrics.line(csvRow(rec));
            progress.step(rec.update(), rec.elapsed(), progressDetail(rec, dTilde != null));
          });
        } catch (RuntimeException e) {
          console.printf("[train] failed; the metrics so far are in %s%n", metrics.temporaryPath());
          throw e;
        }
        metrics.commit();
      }
      // the last update always measures the error; with no update, measure D0
      DictionaryTrainer.Update last = history.isEmpty() ? null : history.get(history.size() - 1);
      double[] finalErr = last == null ? trainer.errors(d) : new double[] {last.errorSpectral(), last.errorFrobenius()};
      double seconds = (System.nanoTime() - start) * 1e-9;
      double finalLoss = last == null ? Double.NaN : last.loss();
      Summary summary = new Summary(d, d0, initialError[0], initialError[1], finalErr[0], finalErr[1], finalLoss,
          history, seconds);
      writeOutputs(out, params, given, summary, dTilde, m, p);
      console.print(summaryText(params, summary, out));
      return summary;
    } finally {
      blocks.unpersist(false);
    }
  }

  private static void writeOutputs(OutputDir out, TrainParams params, Map<String, String> given, Summary s,
      double[] dTilde, int m, int p) throws IOException {
    out.write("dictionary.npy", o -> Npy.writeColumnMajor(o, s.dictionary(), m, p));
    out.write("dictionary.csv", o -> Matrices.writeCsv(o, s.dictionary(), m, p));
    out.write("initial-dictionary.npy", o -> Npy.writeColumnMajor(o, s.initial(), m, p));
    if (dTilde != null) {
      out.write("generating-dictionary.npy", o -> Npy.writeColumnMajor(o, dTilde, m, p));
    }
    List<DictionaryTrainer.Update> h = s.updates();
    if (!h.isEmpty()) {
      out.write("learning-curve.png", o -> Plots.logY(o, "pudle train: " + params.name() + " (g_" + params.gradient()
          + ", T=" + params.encoder().T() + ")", "update", dTilde != null ? "||D - D~||_2 / ||D~||_2" : "loss",
          curves(s, dTilde != null), 900, 560));
    }
    out.writeText("run.properties", runProperties(params, given));
    out.writeText("summary.txt", summaryText(params, s, out));
  }

  /** The error curves from update 0 (D0), or the loss curve without a reference. */
  private static List<Plots.Series> curves(Summary s, boolean withError) {
    List<DictionaryTrainer.Update> h = s.updates();
    int o = withError ? 1 : 0;
    double[] x = new double[h.size() + o];
    double[] y = new double[h.size() + o];
    double[] yf = new double[h.size() + o];
    if (withError) {
      y[0] = s.initialErrorSpectral();
      yf[0] = s.initialErrorFrobenius();
    }
    for (int i = 0; i < h.size(); i++) {
      x[i + o] = h.get(i).update();
      y[i + o] = withError ? h.get(i).errorSpectral() : h.get(i).loss();
      yf[i + o] = h.get(i).errorFrobenius();
    }
    return withError
        ? List.of(new Plots.Series("spectral", x, y), new Plots.Series("Frobenius", x, yf))
        : List.of(new Plots.Series("loss", x, y));
  }

  static String csvRow(DictionaryTrainer.Update u) {
    return u.update() + "," + num(u.epoch()) + "," + u.samples() + "," + num(u.loss()) + "," + num(u.lassoLoss()) + ","
        + num(u.gradientNorm()) + "," + num(u.codeNonZeros()) + "," + num(u.errorSpectral()) + ","
        + num(u.errorFrobenius()) + "," + num(u.decay()) + "," + num(u.seconds()) + "," + num(u.kernelSeconds()) + ","
        + num(u.elapsed());
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : Matrices.formatExact(v);
  }

  private static String progressDetail(DictionaryTrainer.Update u, boolean withError) {
    return String.format(Locale.ROOT, "loss %.4e  |g| %.3e  nnz %.2f%s  %.2fs/update", u.loss(), u.gradientNorm(),
        u.codeNonZeros(), withError && !Double.isNaN(u.errorSpectral())
            ? String.format(Locale.ROOT, "  err %.4e", u.errorSpectral()) : "",
        u.seconds());
  }

  private static String summaryText(TrainParams params, Summary s, OutputDir out) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "[train] done: %d updates in %s%n", s.updates().size(),
        Progress.duration(s.seconds())));
    if (!Double.isNaN(s.finalErrorSpectral())) {
      sb.append(String.format(Locale.ROOT,
          "[train] ||D - D~||_2/||D~||_2: %.6e -> %.6e (%.1fx lower); Frobenius %.6e%n", s.initialErrorSpectral(),
          s.finalErrorSpectral(), s.initialErrorSpectral() / s.finalErrorSpectral(), s.finalErrorFrobenius()));
    }
    if (!s.updates().isEmpty()) {
      double kernel = 0;
      double wall = 0;
      for (DictionaryTrainer.Update u : s.updates()) {
        kernel += u.kernelSeconds();
        wall += u.seconds();
      }
      sb.append(String.format(Locale.ROOT,
          "[train] final loss %.6e; %.3f s per update, of which kernels %.3f task-seconds%n", s.finalLoss(),
          wall / s.updates().size(), kernel / s.updates().size()));
    }
    sb.append("[train] outputs in ").append(out).append(": dictionary.npy, dictionary.csv, metrics.csv, "
        + "learning-curve.png, run.properties\n");
    return sb.toString();
  }

  /** Every setting in effect: the given values, then the resolved parameters. */
  static String runProperties(TrainParams p, Map<String, String> given) {
    Map<String, String> eff = new LinkedHashMap<>();
    var d = p.data();
    eff.put("m", String.valueOf(d.m()));
    eff.put("p", String.valueOf(d.p()));
    eff.put("k", String.valueOf(d.k()));
    eff.put("n", String.valueOf(d.n()));
    eff.put("seed", String.valueOf(d.seed()));
    eff.put("sign", d.sign().key());
    eff.put("noise", String.valueOf(d.noise()));
    eff.put("init.tau", d.tauBText());
    var e = p.encoder();
    eff.put("T", String.valueOf(e.T()));
    eff.put("lambda", String.valueOf(e.lambda()));
    eff.put("alpha", String.valueOf(e.alpha()));
    eff.put("threshold", e.threshold().toString());
    eff.put("ht.b", String.valueOf(e.htB()));
    eff.put("lambda.decay", String.valueOf(e.decay()));
    eff.put("gradient", p.gradient().key());
    eff.put("updates", String.valueOf(p.updates()));
    eff.put("batch.size", String.valueOf(p.batchSize()));
    Adam a = p.adam();
    eff.put("adam.lr", String.valueOf(a.lr()));
    eff.put("adam.eps", String.valueOf(a.eps()));
    eff.put("adam.beta1", String.valueOf(a.beta1()));
    eff.put("adam.beta2", String.valueOf(a.beta2()));
    eff.put("normalize", p.normalize().toString());
    eff.put("lambda.decay.step", String.valueOf(p.decayStep()));
    eff.put("lambda.decay.every", String.valueOf(p.decayEvery()));
    eff.put("partitions", String.valueOf(p.execution().partitions()));
    eff.put("block.size", String.valueOf(p.execution().blockSize()));
    eff.put("aggregate.depth", String.valueOf(p.execution().aggregateDepth()));
    eff.put("kernel.scratch.mb", String.valueOf(p.execution().scratchBytes() / (double) (1 << 20)));
    eff.put("kernels", p.execution().kernels());
    eff.put("kernel.precision", p.execution().precision().toString());
    eff.put("output", p.output());
    eff.put("metrics.every", String.valueOf(p.metricsEvery()));
    eff.put("progress.seconds", String.valueOf(p.progressSeconds()));
    StringBuilder sb = new StringBuilder("# pudle train: the settings in effect; usable as a config\n");
    sb.append("# init.tau resolves to ").append(d.tauB()).append('\n');
    sb.append("\n# given\n");
    for (var en : eff.entrySet()) {
      if (given.containsKey(en.getKey())) {
        sb.append(en.getKey()).append(" = ").append(en.getValue()).append('\n');
      }
    }
    sb.append("\n# defaults\n");
    for (var en : eff.entrySet()) {
      if (!given.containsKey(en.getKey())) {
        sb.append(en.getKey()).append(" = ").append(en.getValue()).append('\n');
      }
    }
    return sb.toString();
  }
}
