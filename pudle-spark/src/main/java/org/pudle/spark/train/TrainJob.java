package org.pudle.spark.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.pudle.kernels.Adam;
import org.pudle.kernels.Optimizer;
import org.pudle.kernels.io.Npy;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.linalg.Norms;
import org.pudle.spark.SparkSessions;
import org.pudle.spark.agg.KernelProbe;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.DictionarySources;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.config.Method;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.data.FileSource;
import org.pudle.spark.data.InputException;
import org.pudle.spark.data.InputFingerprint;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SampleSource;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.io.DictionaryFiles;
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
    if (p.input() != null || p.dictionaries().init() != null) {
      return; // D0 is known once the data or the init file are read; run() checks it then
    }
    var model = p.data().model();
    double[] d0 = model.initialDictionary(model.dictionaryTilde(), p.data().tauB());
    double sigma = Norms.singularValues(d0, p.data().m(), p.data().p())[0];
    IstaStep.check(c, p.encoder().alpha(), sigma, "D0");
  }

  /** Runs in its own (or spark-submit's) SparkSession. */
  public static Summary run(TrainParams params, Map<String, String> given, PrintStream console) throws IOException {
    return run(params, given, console, false);
  }

  /**
   * Runs in its own (or spark-submit's) SparkSession.
   *
   * @param resume continue from the checkpoint in the output directory
   */
  public static Summary run(TrainParams params, Map<String, String> given, PrintStream console, boolean resume)
      throws IOException {
    return run(params, given, console, resume, false);
  }

  /**
   * Runs in its own (or spark-submit's) SparkSession.
   *
   * @param resume             continue from the checkpoint in the output directory
   * @param resumeChangedInput resume even when the input files changed since the checkpoint
   */
  public static Summary run(TrainParams params, Map<String, String> given, PrintStream console, boolean resume,
      boolean resumeChangedInput) throws IOException {
    try (SparkSessions.Handle spark = SparkSessions.open("pudle train " + params.name())) {
      return run(spark.context(), params, given, console, resume, resumeChangedInput);
    }
  }

  /** Runs on an existing context (tests share one). */
  public static Summary run(JavaSparkContext sc, TrainParams params, Map<String, String> given, PrintStream console)
      throws IOException {
    return run(sc, params, given, console, false);
  }

  /**
   * Runs on an existing context.
   *
   * @param resume continue from the checkpoint in the output directory
   */
  public static Summary run(JavaSparkContext sc, TrainParams params, Map<String, String> given, PrintStream console,
      boolean resume) throws IOException {
    return run(sc, params, given, console, resume, false);
  }

  /**
   * Runs on an existing context.
   *
   * @param resume             continue from the checkpoint in the output directory
   * @param resumeChangedInput resume even when the input files changed since the checkpoint (the
   *                           {@code --resume-changed-input} option); otherwise a changed input
   *                           is refused
   */
  public static Summary run(JavaSparkContext sc, TrainParams params, Map<String, String> given, PrintStream console,
      boolean resume, boolean resumeChangedInput) throws IOException {
    long start = System.nanoTime();
    Configuration hadoop = sc.hadoopConfiguration();
    var data = params.data();
    DictionarySources ds = params.dictionaries();
    SampleSource source;
    double[] dTilde = null;
    int m;
    int p = data.p();
    if (params.input() == null) {
      SyntheticSource synthetic = new SyntheticSource(data.model(), data.n());
      source = synthetic;
      dTilde = synthetic.generatingDictionary().orElse(null);
      m = data.m();
    } else {
      source = FileSource.open(sc, params.input());
      m = source.m();
    }
    long n = source.count();
    DictionaryFiles.Matrix initFile = null;
    if (ds.initFromFile()) {
      initFile = DictionaryFiles.read(ds.init(), hadoop, "init");
      if (initFile.rows() != m) {
        throw new InputException(ds.init() + " (config key 'init'): the dictionary has " + initFile.rows()
            + " rows, the data have m = " + m);
      }
      if (initFile.cols() != p && (params.input() == null || given.containsKey("p"))) {
        throw new InputException(ds.init() + " (config key 'init'): the dictionary has " + initFile.cols()
            + " atoms, config key 'p' says " + p);
      }
      p = initFile.cols();
    }
    double[] reference = ds.reference() == null ? dTilde : null;
    if (ds.referenceFromFile()) {
      DictionaryFiles.Matrix ref = DictionaryFiles.read(ds.reference(), hadoop, "reference");
      if (ref.rows() != m || ref.cols() != p) {
        throw new InputException(ds.reference() + " (config key 'reference'): expected an m x p = " + m + " x " + p
            + " dictionary, got " + ref.rows() + " x " + ref.cols());
      }
      reference = ref.columnMajor();
    }
    long batch = params.batchSizeFor(n);
    int partitions = params.execution().partitions() > 0 ? params.execution().partitions()
        : source.defaultPartitions(sc);
    String settings = settings(params, m, p, n, batch);
    // the backend is resolved on the executors before anything is written: kernels=cuda without a
    // device is a configuration error (exit 2)
    String backend = params.execution().kernelsSpec();
    List<String> kernels = backend.startsWith("cpu") ? List.of() : KernelProbe.resolve(sc, backend, partitions);

    String fingerprint = source instanceof FileSource files ? files.fingerprint() : "";
    Checkpoint checkpoint = null;
    if (resume) {
      // the input first: a changed input also changes n, which the settings hold
      checkpoint = readCheckpoint(params.output(), hadoop, settings, ck -> checkInput(ck, fingerprint, params,
          resumeChangedInput, console), resumeChangedInput ? List.of("data.n", "batch") : List.of());
      if (checkpoint.update() > params.updates()) {
        throw new ConfigException("--resume: the checkpoint in " + params.output() + " is after update "
            + checkpoint.update() + ", beyond updates = " + params.updates() + " (config key 'updates')");
      }
    }
    Learning.Setup setup = Learning.Setup.of(params, batch);
    console.printf(Locale.ROOT, "[train] %s: %s, T=%d lambda=%s alpha=%s %s threshold, %s, %d updates%s%n",
        params.name(), source.describe(), params.encoder().T(), params.encoder().lambda(), params.encoder().alpha(),
        params.encoder().threshold(), setup.describe(), params.updates(),
        batch == 0 ? " (full batch)" : ", batches of " + batch);
    console.printf(Locale.ROOT, "[train] %d partitions, blocks of %d, %s; output %s%n", partitions,
        params.execution().blockSize(), Blas.description(), params.output());
    if (source instanceof FileSource && !((FileSource) source).problems().isEmpty()) {
      for (String problem : ((FileSource) source).problems()) {
        console.println("[train] skipped: " + problem);
      }
    }

    if (!kernels.isEmpty()) {
      console.printf(Locale.ROOT, "[train] kernels: %s%n", String.join("; ", kernels));
    }

    JavaRDD<SampleBlock> blocks = source.blocks(sc, partitions, params.execution().blockSize())
        .persist(StorageLevel.MEMORY_AND_DISK());
    blocks.setName("pudle samples (" + source.describe() + ")");
    try {
      long t0 = System.nanoTime();
      long counted = blocks.map(SampleBlock::cols).reduce(Integer::sum);
      console.printf(Locale.ROOT, "[train] %s %d samples in %s; %s%n", params.input() == null ? "generated" : "read",
          counted, Progress.duration((System.nanoTime() - t0) * 1e-9), CacheReport.of(sc, blocks));

      double[] d0;
      if (checkpoint != null) {
        d0 = checkpoint.initial();
      } else if (initFile != null) {
        d0 = initFile.columnMajor();
      } else if (ds.init() == null && params.input() == null) {
        d0 = data.model().initialDictionary(dTilde, data.tauB());
      } else if (DictionarySources.RANDOM.equals(ds.init()) || (ds.init() == null && n < p)) {
        if (ds.init() == null) {
          console.printf(Locale.ROOT, "[train] init = random: the input has n = %d samples, fewer than p = %d%n", n, p);
        }
        d0 = InitialDictionary.random(m, p, data.seed());
      } else {
        if (n < p) {
          throw new ConfigException("config key 'init': samples needs at least p = " + p + " samples, the input has "
              + n + "; use init = random or a file");
        }
        d0 = InitialDictionary.fromSamples(blocks, n, m, p, data.seed());
      }
      if (checkpoint == null) {
        double sigma = Norms.singularValues(d0, m, p)[0];
        String violation = IstaStep.violation(params.encoder().alpha(), sigma * sigma, "D0");
        if (violation != null) {
          throw new ConfigException("config key 'alpha': " + violation);
        }
      }
      OutputDir out = OutputDir.open(params.output(), hadoop);

      DictionaryTrainer trainer = new DictionaryTrainer(m, p, n, params.normalize(), reference,
          params.metricsEvery());
      double[] initialError = trainer.errors(d0);
      Optimizer optimizer = Learning.optimizer(setup, m * p);
      double[] d = d0.clone();
      DictionaryTrainer.Start from = DictionaryTrainer.Start.FRESH;
      List<DictionaryTrainer.Update> history = new ArrayList<>();
      List<String> rows = new ArrayList<>();
      if (checkpoint != null) {
        d = checkpoint.d().clone();
        if (optimizer instanceof Optimizer.AdamOptimizer adam) {
          adam.restore(checkpoint.adam().copy());
        }
        from = new DictionaryTrainer.Start(checkpoint.update(), checkpoint.seen(), checkpoint.elapsed());
        rows.addAll(checkpoint.rows());
        for (String r : rows) {
          history.add(parseRow(r));
        }
        console.printf(Locale.ROOT, "[train] resumed from %s after update %d%n", out.path(Checkpoint.FILE),
            checkpoint.update());
      }
      GradientOracle oracle = Learning.oracle(sc, blocks, m, p, n, data.seed(), setup);
      Progress progress = new Progress(console, "train", params.updates(), params.progressSeconds());
      int every = ds.checkpointEvery();
      long[] seen = {from.seen()};
      int pp = p;
      double[] dStart = d0;
      boolean withError = reference != null;
      try (OutputDir.TextStream metrics = out.stream("metrics.csv")) {
        metrics.line(METRICS_HEADER);
        for (String r : rows) {
          metrics.line(r);
        }
        try {
          trainer.run(d, from, params.updates(), setup::encoderAt, oracle, optimizer, (rec, dict) -> {
            history.add(rec);
            String row = csvRow(rec);
            rows.add(row);
            metrics.line(row);
            seen[0] += rec.samples();
            if (every > 0 && (rec.update() % every == 0 || rec.update() == params.updates())) {
              Checkpoint ck = new Checkpoint(settings, fingerprint, rec.update(), seen[0], rec.elapsed(), m, pp, dict, dStart,
                  optimizerState(optimizer, m * pp), rows);
              try {
                out.write(Checkpoint.FILE, ck::write);
              } catch (IOException e) {
                throw new UncheckedIOException("writing the checkpoint " + out.path(Checkpoint.FILE), e);
              }
            }
            progress.step(rec.update(), rec.elapsed(), progressDetail(rec, withError));
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
      String inputLine = "[train] data: " + source.describe() + "\n";
      writeOutputs(sc, out, params, given, summary, dTilde, reference != null, m, p, n, inputLine);
      console.print(inputLine + summaryText(params, summary, out));
      return summary;
    } finally {
      blocks.unpersist(false);
    }
  }

  /**
   * Refuses to resume on input files that changed since the checkpoint (another path, length,
   * modification time or, for a small input, contents) unless told to.
   */
  private static void checkInput(Checkpoint ck, String now, TrainParams params, boolean changedOk,
      PrintStream console) {
    if (ck.input() == null) {
      console.println("[train] the checkpoint predates input fingerprints: resuming without checking the input");
      return;
    }
    List<String> changes = InputFingerprint.differences(ck.input(), now);
    if (changes.isEmpty()) {
      return;
    }
    String what = "the input " + (params.input() == null ? "" : params.input().path() + " ") + "changed since the "
        + "checkpoint in " + params.output() + " was written: " + String.join("; ", changes);
    if (!changedOk) {
      throw new InputException("--resume: " + what + "; the run would continue on other data (--resume-changed-input "
          + "resumes anyway)");
    }
    console.println("[train] --resume-changed-input: " + what);
  }

  /** Reads the checkpoint of a run to resume and checks that it belongs to these settings. */
  private static Checkpoint readCheckpoint(String output, Configuration hadoop, String settings,
      java.util.function.Consumer<Checkpoint> inputCheck, List<String> mayDiffer) throws IOException {
    OutputDir out = OutputDir.open(output, hadoop);
    if (!out.exists(Checkpoint.FILE)) {
      throw new ConfigException("--resume: no checkpoint in " + out + " (config key 'output'); a run writes one every "
          + "checkpoint.every updates");
    }
    Checkpoint ck;
    try (InputStream in = out.open(Checkpoint.FILE)) {
      ck = Checkpoint.read(in, out.path(Checkpoint.FILE).toString());
    }
    inputCheck.accept(ck);
    List<String> diff = new ArrayList<>();
    for (String d : ck.differences(settings)) {
      if (!mayDiffer.contains(d.substring(0, d.indexOf(':')))) {
        diff.add(d);
      }
    }
    if (!diff.isEmpty()) {
      throw new ConfigException("--resume: the checkpoint in " + out + " was written with other settings: "
          + String.join("; ", diff) + " (only updates, output, the progress, metrics and checkpoint intervals and "
          + "the partitioning may change)");
    }
    return ck;
  }

  /**
   * The settings that fix the arithmetic of a run, as {@code key = value} lines: everything in
   * effect except the number of updates, the output, the reporting intervals and the
   * partitioning (which changes only the order of the sums).
   */
  static String settings(TrainParams params, int m, int p, long n, long batch) {
    Map<String, String> eff = effective(params);
    for (String k : List.of("updates", "output", "metrics.every", "progress.seconds", "checkpoint.every", "partitions",
        "block.size", "aggregate.depth", "kernel.scratch.mb", "input.split.mb")) {
      eff.remove(k);
    }
    eff.put("data.m", String.valueOf(m));
    eff.put("data.p", String.valueOf(p));
    eff.put("data.n", String.valueOf(n));
    eff.put("batch", String.valueOf(batch));
    StringBuilder sb = new StringBuilder();
    for (var e : eff.entrySet()) {
      sb.append(e.getKey()).append(" = ").append(e.getValue()).append('\n');
    }
    return sb.toString();
  }

  /** The optimizer state a checkpoint keeps: Adam's moments, or zero moments for stateless gradient descent. */
  private static Adam.State optimizerState(Optimizer optimizer, int size) {
    return optimizer instanceof Optimizer.AdamOptimizer adam ? adam.state() : Adam.State.initial(size);
  }

  /** A metrics.csv row back as an update (for a resumed run's history). */
  static DictionaryTrainer.Update parseRow(String row) {
    String[] f = row.split(",", -1);
    double[] v = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      v[i] = f[i].isEmpty() ? Double.NaN : Double.parseDouble(f[i]);
    }
    return new DictionaryTrainer.Update((int) v[0], v[1], (long) v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10],
        v[11], v[12]);
  }

  private static void writeOutputs(JavaSparkContext sc, OutputDir out, TrainParams params, Map<String, String> given,
      Summary s, double[] dTilde, boolean withError, int m, int p, long n, String inputLine) throws IOException {
    out.write("dictionary.npy", o -> Npy.writeColumnMajor(o, s.dictionary(), m, p));
    out.write("dictionary.csv", o -> Matrices.writeCsv(o, s.dictionary(), m, p));
    DictionaryFiles.writeParquet(sc, out, "dictionary.parquet", s.dictionary(), m, p);
    out.write("initial-dictionary.npy", o -> Npy.writeColumnMajor(o, s.initial(), m, p));
    if (dTilde != null) {
      out.write("generating-dictionary.npy", o -> Npy.writeColumnMajor(o, dTilde, m, p));
    }
    List<DictionaryTrainer.Update> h = s.updates();
    if (!h.isEmpty()) {
      String what = params.method().method() == Method.PUDLE ? "g_" + params.gradient() + ", T=" + params.encoder().T()
          : params.method().method().key();
      out.write("learning-curve.png", o -> Plots.logY(o, "pudle train: " + params.name() + " (" + what + ")",
          "update", withError ? "||D - D~||_2 / ||D~||_2" : "loss", curves(s, withError), 900, 560));
    }
    out.writeText("run.properties", runProperties(params, given, m, p, n));
    out.writeText("summary.txt", inputLine + summaryText(params, s, out));
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
    sb.append("[train] outputs in ").append(out).append(": dictionary.npy, dictionary.csv, dictionary.parquet, "
        + "metrics.csv, learning-curve.png, run.properties\n");
    return sb.toString();
  }

  /** Every setting in effect, as config keys and values (a copy of {@link TrainParams#settings}). */
  static Map<String, String> effective(TrainParams p) {
    return new LinkedHashMap<>(p.settings());
  }

  /**
   * Every setting in effect: the given values, then the rest, with what the run resolved from its
   * data: for input files, m (from the data), p (from an init file), the initial dictionary
   * ({@code init = samples}, or {@code random} when the input has fewer samples than atoms) and
   * {@code reference = none}.
   */
  static String runProperties(TrainParams params, Map<String, String> given, int m, int p, long n) {
    Map<String, String> eff = effective(params);
    var d = params.data();
    DictionarySources ds = params.dictionaries();
    StringBuilder sb = new StringBuilder("# pudle train: the settings in effect; usable as a config\n");
    if (params.input() == null) {
      sb.append("# init.tau resolves to ").append(d.tauB()).append('\n');
      if (ds.init() == null) {
        sb.append("# init: D0 of the synthetic model (no init key)\n");
      }
    } else {
      eff.put("m", String.valueOf(m));
      eff.put("p", String.valueOf(p));
      if (ds.init() == null) {
        eff.put("init", n < p ? DictionarySources.RANDOM : DictionarySources.SAMPLES);
        if (n < p) {
          sb.append("# init resolves to random: n = ").append(n).append(" samples, fewer than p = ").append(p)
              .append('\n');
        }
      }
      if (ds.reference() == null) {
        eff.put("reference", DictionarySources.NONE);
      }
    }
    return Config.settingsText(sb.toString(), eff, given);
  }
}
