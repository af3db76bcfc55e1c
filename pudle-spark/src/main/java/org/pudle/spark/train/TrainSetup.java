package org.pudle.spark.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.pudle.kernels.linalg.Norms;
import org.pudle.spark.agg.KernelProbe;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.DictionarySources;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.data.DataTransform;
import org.pudle.spark.data.FileSource;
import org.pudle.spark.data.HeldOut;
import org.pudle.spark.data.InputParams;
import org.pudle.spark.data.SampleNormalization;
import org.pudle.spark.data.InputException;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SampleSource;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.io.DictionaryFiles;
import org.pudle.spark.io.Storage;

/**
 * The set-up of a train run, each part computed once: the sample source and its shape (m, p, n),
 * the generating dictionary D_tilde of synthetic data, the reference the errors are measured
 * against, the initial dictionary D0 with ISTA's step checked against {@code sigma_max(D0)}, the
 * mini-batch size, the partitioning, the kernels, and with {@code --resume} the checkpoint. Two
 * stages: {@link #prepare} before Spark starts (the paths; on synthetic data without an init
 * file, D_tilde, D0 and the step, so that a bad config fails fast and writes nothing) and
 * {@link #open} on the Spark context; D0 from samples needs the cached blocks
 * ({@link #initialDictionary}).
 */
public final class TrainSetup {

  /**
   * What is known before Spark starts.
   *
   * @param dTilde D_tilde of synthetic data, or null for file input
   * @param d0     D0 when it needs no data (synthetic data, no init), its step checked; else null
   */
  public record Prepared(TrainParams params, double[] dTilde, double[] d0) {}

  /** The run's parameters; {@link #initialDictionary} resolves {@code alpha = auto} and {@code lambda.relative}. */
  TrainParams params;
  /** {@code lambda.relative}: {@code max |D0^T x|} over the samples, or NaN. */
  double lambdaMax = Double.NaN;
  final SampleSource source;
  final int m;
  final int p;
  final long n;
  /** D_tilde of synthetic data, or null. */
  final double[] dTilde;
  /** The dictionary the errors are measured against (D_tilde or the reference file), or null. */
  final double[] reference;
  final long batch;
  final int partitions;
  /** The settings that fix the arithmetic ({@link #settings}); a checkpoint must match them. */
  final String settings;
  /** What the executors chose for {@code kernels}, one line each (empty for cpu). */
  final List<String> kernels;
  /** The checkpoint to resume from, or null. */
  final Checkpoint checkpoint;
  /** The fingerprint of the input files ({@link FileSource#fingerprint}), empty for synthetic data. */
  final String fingerprint;
  /** {@code validation.fraction}: the held-out samples of the source, or null; {@link #n} counts the others. */
  final HeldOut heldOut;
  private final Prepared prepared;
  private final DictionaryFiles.Matrix initFile;

  private TrainSetup(Prepared prepared, SampleSource source, int m, int p, long n, double[] reference,
      DictionaryFiles.Matrix initFile, long batch, int partitions, String settings, List<String> kernels,
      String fingerprint, Checkpoint checkpoint, HeldOut heldOut) {
    this.params = prepared.params();
    this.heldOut = heldOut;
    this.prepared = prepared;
    this.source = source;
    this.m = m;
    this.p = p;
    this.n = n;
    this.dTilde = prepared.dTilde();
    this.reference = reference;
    this.initFile = initFile;
    this.batch = batch;
    this.partitions = partitions;
    this.settings = settings;
    this.kernels = kernels;
    this.fingerprint = fingerprint;
    this.checkpoint = checkpoint;
  }

  /**
   * Checks the paths and, on synthetic data without an init file, computes D_tilde and D0 and
   * checks ISTA's step against {@code sigma_max(D0)}. Writes nothing.
   *
   * @param c the config, to name where {@code alpha} was set; null names the key only
   * @throws ConfigException when the step would diverge
   */
  public static Prepared prepare(Config c, TrainParams p) {
    checkPaths(p);
    if (p.input() != null) {
      return new Prepared(p, null, null);
    }
    var model = p.data().model();
    double[] dTilde = model.dictionaryTilde();
    if (p.dictionaries().init() != null) {
      return new Prepared(p, dTilde, null); // D0 is known once the init file or the samples are read
    }
    double[] d0 = model.initialDictionary(dTilde, p.data().tauB());
    double sigma = Norms.spectral(d0, p.data().m(), p.data().p());
    if (!p.alphaAuto()) {
      checkStep(c, p.encoder().alpha(), sigma);
    }
    return new Prepared(p, dTilde, d0);
  }

  private static void checkStep(Config c, double alpha, double sigma) {
    if (c != null) {
      IstaStep.check(c, alpha, sigma, "D0");
      return;
    }
    String violation = IstaStep.violation(alpha, sigma * sigma, "D0");
    if (violation != null) {
      throw new ConfigException("config key 'alpha': " + violation);
    }
  }

  /**
   * Checks the paths of a run before Spark starts: the input and dictionary files can be read, and
   * the output can be written (an unknown scheme, missing credentials or a missing bucket is an
   * input error naming the path).
   */
  public static void checkPaths(TrainParams p) {
    Configuration conf = Storage.driverConfiguration();
    if (p.input() != null) {
      Storage.checkReadable(p.input().path(), conf, "config key 'input'");
    }
    DictionarySources ds = p.dictionaries();
    if (ds.initFromFile()) {
      Storage.checkReadable(ds.init(), conf, "config key 'init'");
    }
    if (ds.referenceFromFile()) {
      Storage.checkReadable(ds.reference(), conf, "config key 'reference'");
    }
    Storage.checkWritable(p.output(), conf, "config key 'output'");
  }

  /**
   * Opens the source and reads the init and reference files and, with {@code resume}, the
   * checkpoint; resolves the kernels on the executors (kernels=cuda without a device is a
   * configuration error). Writes nothing.
   *
   * @param given              the keys the config set (an init file's width overrides a default {@code p})
   * @param resume             read the checkpoint to continue from
   * @param resumeChangedInput resume even when the input files changed since the checkpoint
   * @param console            where a resume on a changed input is reported
   */
  static TrainSetup open(JavaSparkContext sc, Prepared prepared, Map<String, String> given, boolean resume,
      boolean resumeChangedInput, PrintStream console) throws IOException {
    TrainParams params = prepared.params();
    Configuration hadoop = sc.hadoopConfiguration();
    var data = params.data();
    DictionarySources ds = params.dictionaries();
    SampleSource source = params.input() == null ? new SyntheticSource(data.model(), data.n(), prepared.dTilde())
        : FileSource.open(sc, params.input());
    if (params.sample() != null && source instanceof FileSource files) {
      source = files.sampled(params.sampleOf(files.count()), data.seed());
    }
    int m = params.input() == null ? data.m() : source.m();
    int p = data.p();
    long n = source.count();
    HeldOut heldOut = null;
    if (params.validation() > 0) {
      heldOut = HeldOut.of(sc, n, params.validation(), data.seed());
      if (heldOut.heldOutCount() == 0 || heldOut.trainingCount() == 0) {
        throw new ConfigException("config key 'validation.fraction': " + params.validation() + " of the n = " + n
            + " samples holds out " + heldOut.heldOutCount() + " and leaves " + heldOut.trainingCount()
            + " for training; give a fraction that leaves samples on both sides");
      }
      n = heldOut.trainingCount();
    }
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
    double[] reference = ds.reference() == null ? prepared.dTilde() : null;
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
    String backend = params.execution().kernelsSpec();
    List<String> kernels = backend.startsWith("cpu") ? List.of() : KernelProbe.resolve(sc, backend, partitions);
    String fingerprint = source instanceof FileSource files ? files.fingerprint() : "";
    Checkpoint checkpoint = resume ? CheckpointListener.read(params, hadoop, settings, fingerprint,
        resumeChangedInput, console) : null;
    return new TrainSetup(prepared, source, m, p, n, reference, initFile, batch, partitions, settings, kernels,
        fingerprint, checkpoint, heldOut);
  }

  /**
   * D0: the checkpoint's, the init file's, the synthetic D0 of {@link #prepare}, random atoms, or
   * samples picked from the cached {@code blocks}. ISTA's step is checked against
   * {@code sigma_max(D0)} where {@link #prepare} did not (a resumed run checked it when it began);
   * {@code alpha = auto} and {@code lambda.relative} are resolved from D0 ({@link #params}).
   */
  double[] initialDictionary(JavaRDD<SampleBlock> blocks, PrintStream console) {
    double[] d0 = checkpoint != null ? checkpoint.initial() : prepared.d0() != null ? prepared.d0()
        : newInitialDictionary(blocks, console);
    resolveEncoder(blocks, d0);
    return d0;
  }

  /**
   * Resolves {@code alpha = auto} to {@link IstaStep#auto} of D0 (the step of the first update;
   * the loop recomputes it before every update) and {@code lambda.relative} to
   * {@code lambda.relative * max_i ||D0^T x_i||_inf} over all samples.
   */
  private void resolveEncoder(JavaRDD<SampleBlock> blocks, double[] d0) {
    if (!params.alphaAuto() && params.lambdaRelative() == 0) {
      return;
    }
    double alpha = params.alphaAuto() ? IstaStep.auto(Norms.singularValues(d0, m, p)[0]) : params.encoder().alpha();
    double lambda = params.encoder().lambda();
    if (params.lambdaRelative() > 0) {
      lambdaMax = lambdaMax(blocks, d0, m, p);
      if (!(lambdaMax > 0)) {
        throw new InputException("config key 'lambda.relative': max |D0^T x| over the samples is " + lambdaMax
            + " (all samples are zero, or orthogonal to D0); give lambda instead");
      }
      lambda = params.lambdaRelative() * lambdaMax;
    }
    params = params.resolved(alpha, lambda);
  }

  /** {@code max_i ||D^T x_i||_inf} over the samples of {@code blocks}: the smallest lambda with all codes zero. */
  static double lambdaMax(JavaRDD<SampleBlock> blocks, double[] d, int m, int p) {
    return blocks.map(b -> {
      int cols = b.cols();
      double[] g = new double[p * cols];
      org.pudle.kernels.linalg.Blas.blas().dgemm("T", "N", p, cols, m, 1.0, d, 0, m, b.x(), 0, m, 0.0, g, 0, p);
      double max = 0;
      for (double v : g) {
        max = Math.max(max, Math.abs(v));
      }
      return max;
    }).fold(0.0, (a, b) -> Math.max(a, b));
  }

  /** D0 from the init file, random atoms or the samples; its step checked unless it is auto. */
  private double[] newInitialDictionary(JavaRDD<SampleBlock> blocks, PrintStream console) {
    DictionarySources ds = params.dictionaries();
    long seed = params.data().seed();
    double[] d0;
    if (initFile != null) {
      d0 = initFile.columnMajor();
    } else if (DictionarySources.RANDOM.equals(ds.init()) || (ds.init() == null && n < p)) {
      if (ds.init() == null) {
        console.printf(Locale.ROOT, "[train] init = random: the input has n = %d samples, fewer than p = %d%n", n, p);
      }
      d0 = InitialDictionary.random(m, p, seed);
    } else {
      if (n < p) {
        throw new ConfigException("config key 'init': samples needs at least p = " + p + " samples, the input has "
            + n + "; use init = random or a file");
      }
      d0 = InitialDictionary.fromSamples(blocks, n, m, p, seed);
    }
    if (!params.alphaAuto()) {
      checkStep(null, params.encoder().alpha(), Norms.spectral(d0, m, p));
    }
    return d0;
  }

  /**
   * The data transform of the run ({@code input.scale} fitted on the samples of {@code raw}); the
   * samples the run learns on are {@code transform.scale(raw)}.
   */
  DataTransform transform(JavaRDD<SampleBlock> raw) {
    if (!(source instanceof FileSource files)) {
      return new DataTransform(null, SampleNormalization.NONE, DataTransform.Scaling.NONE, new double[0]);
    }
    InputParams in = params.input();
    return DataTransform.fit(files.images() ? in.image() : null, in.normalize(), params.scaling(), raw, m);
  }

  /**
   * The settings that fix the arithmetic of a run, as {@code key = value} lines: everything in
   * effect except the number of updates, the output, the reporting intervals and the
   * partitioning (which changes only the order of the sums).
   */
  static String settings(TrainParams params, int m, int p, long n, long batch) {
    Map<String, String> eff = new LinkedHashMap<>(params.settings());
    for (String k : List.of("updates", "output", "metrics.every", "progress.seconds", "checkpoint.every", "partitions",
        "block.size", "aggregate.depth", "kernel.scratch.mb", "input.split.mb")) {
      eff.remove(k);
    }
    if (params.validation() == 0) {
      // off, as in the runs before the key existed: their checkpoints resume
      eff.remove("validation.fraction");
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
}
