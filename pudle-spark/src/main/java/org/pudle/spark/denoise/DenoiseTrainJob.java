package org.pudle.spark.denoise;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.pudle.kernels.Optimizer;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvFilters;
import org.pudle.kernels.conv.CropSampler;
import org.pudle.kernels.conv.GrayImage;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.SparkSessions;
import org.pudle.spark.agg.KernelProbe;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.io.OutputDir;
import org.pudle.spark.io.RunClaim;
import org.pudle.spark.io.RunOutputs;
import org.pudle.spark.train.CacheReport;
import org.pudle.spark.train.DictionaryTrainer;
import org.pudle.spark.train.MetricsWriter;
import org.pudle.spark.train.Progress;

import scala.Tuple2;

/**
 * {@code pudle denoise-train}: the supervised convolutional denoiser of the paper's Table 1. The
 * training images are loaded and converted to gray on the executors and cached; every update
 * draws a batch of random crops with flips and fresh noise there and sums the filters' gradients
 * by {@code treeAggregate} ({@link SparkCropOracle}); the driver runs the dense trainer's loop
 * ({@link DictionaryTrainer}: Adam, unit-norm filters after every update, metrics). The test
 * images are denoised whole every {@code test.every} updates and at the end ({@link Evaluation}).
 *
 * <p>Outputs in {@code output}: the model ({@code filters.npy}, {@code model.properties}; written
 * at every test evaluation too, as a checkpoint), {@code initial-filters.npy}, {@code metrics.csv}
 * (one row per update), {@code test-psnr.csv} (one row per evaluation), {@code test-images.csv}
 * (the final per-image scores), {@code learning-curve.png}, {@code test-psnr.png},
 * {@code filters.png}, {@code run.properties} and {@code summary.txt}.
 */
public final class DenoiseTrainJob {
  public static final String METRICS_HEADER =
      "update,epoch,crops,loss,crop_psnr,grad_norm,code_nnz,seconds,kernel_seconds,elapsed_seconds";
  public static final String TEST_HEADER = "update,epoch,test_psnr,noisy_psnr,images,seconds";
  public static final String IMAGES_HEADER = "image,height,width,noisy_psnr,denoised_psnr,code_density";

  private DenoiseTrainJob() {}

  /**
   * What the driver checks before Spark starts: the image lists, the initial filters and the ISTA
   * step against them.
   *
   * @param sigmaMax2 {@code sigma_max(D0)^2} on a training crop
   */
  public record Prepared(List<String> train, List<String> test, double[] initialFilters, double sigmaMax2) {}

  /** One test evaluation. */
  public record TestPoint(int update, double epoch, double psnr, double noisyPsnr, int images, double seconds) {}

  /** What a run ended with. */
  public record Summary(DenoiseModel model, double[] initialFilters, List<DictionaryTrainer.Update> updates,
      List<TestPoint> tests, List<Evaluation.Score> finalScores, double seconds, double sigmaMax2Initial,
      double sigmaMax2Final) {}

  /** Lists the images, reads or draws the initial filters, checks the ISTA step. Writes nothing. */
  public static Prepared prepare(Config c, DenoiseTrainParams p, Configuration conf) throws IOException {
    List<String> train = listed(c, "train.images", p.trainImages(), p.trainLimit(), conf);
    List<String> test = p.testImages().isEmpty() ? List.of() : listed(c, "test.images", p.testImages(), p.testLimit(),
        conf);
    if (p.batchSize() > train.size()) {
      throw c.error("batch.size", "a batch of " + p.batchSize() + " crops is more than the " + train.size()
          + " training images");
    }
    double[] w0;
    if (p.init() != null) {
      DenoiseModel m;
      try {
        m = DenoiseModel.read(p.init(), conf);
      } catch (IOException e) {
        throw c.error("init", e.getMessage());
      }
      if (m.k() != p.k() || m.stride() != p.stride() || m.channels() != p.channels()) {
        throw c.error("init", "the model has " + m.channels() + " filters of " + m.k() + " x " + m.k() + " with stride "
            + m.stride() + ", the config " + p.channels() + " of " + p.k() + " x " + p.k() + " with stride "
            + p.stride());
      }
      w0 = m.filters().clone();
    } else {
      w0 = ConvFilters.random(p.k(), p.channels(), p.seed());
    }
    double sigma2 = ConvFilters.sigmaMaxSquared(w0, p.cropGeometry(), 50, p.seed());
    double alpha = p.encoder().alpha();
    String violation = IstaStep.violation(alpha, sigma2, "the initial filters on a crop");
    if (violation != null) {
      throw c.error("alpha", violation);
    }
    return new Prepared(train, test, w0, sigma2);
  }

  private static List<String> listed(Config c, String key, List<String> paths, int limit, Configuration conf)
      throws IOException {
    List<String> files;
    try {
      files = Images.list(paths, conf);
    } catch (Images.BadImageException e) {
      throw c.error(key, e.getMessage());
    }
    return limit > 0 && limit < files.size() ? List.copyOf(files.subList(0, limit)) : files;
  }

  /**
   * Runs in its own (or spark-submit's) SparkSession.
   *
   * @param mode what to do with an earlier result in the output ({@code --overwrite})
   */
  public static Summary run(DenoiseTrainParams params, Prepared prepared, Map<String, String> given,
      PrintStream console, RunClaim.Mode mode) throws IOException {
    try (SparkSessions.Handle spark = SparkSessions.open("pudle denoise-train " + params.name())) {
      return run(spark.context(), params, prepared, given, console, mode);
    }
  }

  /** The images at {@code paths}, read and converted to gray on the executors, cached. */
  static JavaRDD<GrayImage> loadImages(JavaSparkContext sc, List<String> paths, int partitions, String what) {
    List<Tuple2<Long, String>> indexed = new ArrayList<>();
    for (int i = 0; i < paths.size(); i++) {
      indexed.add(new Tuple2<>((long) i, paths.get(i)));
    }
    JavaRDD<GrayImage> rdd = sc.parallelize(indexed, Math.max(1, Math.min(partitions, paths.size())))
        .map(t -> Images.read(t._2(), t._1(), new Configuration()))
        .persist(StorageLevel.MEMORY_AND_DISK());
    rdd.setName("pudle " + what + " images (" + paths.size() + ")");
    return rdd;
  }

  /** Materializes a cached image RDD; an unreadable image becomes its own exception (exit status 2). */
  static long materialize(JavaRDD<GrayImage> rdd) {
    try {
      return rdd.count();
    } catch (Exception e) {
      // Spark rethrows a task's exception on the driver inside a SparkException (checked, thrown
      // undeclared from Scala); the image error is either in the cause chain or in the message
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof Images.BadImageException) {
          throw (Images.BadImageException) t;
        }
        String msg = String.valueOf(t.getMessage());
        String tag = Images.BadImageException.class.getName() + ": ";
        int at = msg.indexOf(tag);
        if (at >= 0) {
          throw new Images.BadImageException(msg.substring(at + tag.length()).split("\n")[0]);
        }
      }
      if (e instanceof RuntimeException) {
        throw (RuntimeException) e;
      }
      throw new IllegalStateException("reading the images failed: " + e.getMessage(), e);
    }
  }

  /** Runs on an existing context (tests share one) into a new output. */
  public static Summary run(JavaSparkContext sc, DenoiseTrainParams params, Prepared prepared,
      Map<String, String> given, PrintStream console) throws IOException {
    return run(sc, params, prepared, given, console, RunClaim.Mode.NEW);
  }

  /**
   * Runs on an existing context.
   *
   * @param mode what to do with an earlier result in the output ({@code --overwrite})
   */
  public static Summary run(JavaSparkContext sc, DenoiseTrainParams params, Prepared prepared,
      Map<String, String> given, PrintStream console, RunClaim.Mode mode) throws IOException {
    long start = System.nanoTime();
    int partitions = params.partitions() > 0 ? params.partitions() : sc.defaultParallelism();
    int n = prepared.train().size();
    // the convolution backend is resolved on the executors before anything is written: kernels=cuda
    // without a device is a configuration error (exit 2); auto says what each executor chose
    KernelSpec kernels = KernelSpec.parse(params.backend());
    List<String> chosen = kernels.mayUseCuda()
        ? KernelProbe.resolve(sc, params.backend(), partitions, "kernels")
        : List.of();
    try (RunOutputs out = RunOutputs.open(params.output(), sc.hadoopConfiguration(), mode, "pudle denoise-train")) {
      describe(console, params, prepared, partitions, chosen, out);
      JavaRDD<GrayImage> train = loadImages(sc, prepared.train(), partitions, "training");
      // test images are denoised independently: spread them over every core even when one crop per
      // update keeps the training images in one partition
      JavaRDD<GrayImage> test = prepared.test().isEmpty() ? null
          : loadImages(sc, prepared.test(), Math.max(partitions, sc.defaultParallelism()), "test");
      try {
        cache(train, test, params, prepared, console);
        out.file("initial-filters.npy",
            o -> DenoiseModel.writeFilters(o, prepared.initialFilters(), params.channels(), params.k()));
        Summary s = learn(sc, params, prepared, train, test, kernels, out, console, start);
        DenoiseOutputs.write(out, params, given, s, n);
        out.finish();
        console.print(DenoiseOutputs.summaryText(params, s, n, out));
        return s;
      } finally {
        train.unpersist(false);
        if (test != null) {
          test.unpersist(false);
        }
      }
    }
  }

  /** The run's first lines: the model, the schedule, the step bound, the kernels. */
  private static void describe(PrintStream console, DenoiseTrainParams params, Prepared prepared, int partitions,
      List<String> chosen, RunOutputs out) {
    int n = prepared.train().size();
    ConvEncoderParams enc = params.encoder();
    console.printf(Locale.ROOT, "[denoise-train] %s: %d training images, %d filters %dx%d stride %d, T=%d alpha=%s "
        + "%s lambda=%s%s, gradient %s%n", params.name(), n, params.channels(), params.k(), params.k(),
        params.stride(), enc.T(), enc.alpha(), enc.threshold(), enc.lambda(),
        enc.threshold().hard() ? " b=" + enc.htB() : "", params.gradient());
    int updates = params.updatesFor(n);
    console.printf(Locale.ROOT, "[denoise-train] %d updates of %d crop(s) %dx%d (%s epochs), noise %s/255, Adam lr %s "
        + "eps %s; %d partitions, %s; output %s%n", updates, params.batchSize(), params.crop(), params.crop(),
        DenoiseOutputs.fmt((double) updates * params.batchSize() / n), params.noise(), params.adam().lr(),
        params.adam().eps(), partitions, Blas.description(), out);
    console.printf(Locale.ROOT, "[denoise-train] sigma_max(D0)^2 = %.4f on a crop: alpha < 2/sigma^2 = %.4f%n",
        prepared.sigmaMax2(), IstaStep.bound(prepared.sigmaMax2()));
    if (!chosen.isEmpty()) {
      console.printf(Locale.ROOT, "[denoise-train] kernels %s: %s%n", params.backend(), String.join("; ", chosen));
    }
  }

  /** Reads and caches the images; a training image smaller than a crop is a configuration error. */
  private static void cache(JavaRDD<GrayImage> train, JavaRDD<GrayImage> test, DenoiseTrainParams params,
      Prepared prepared, PrintStream console) {
    long t0 = System.nanoTime();
    materialize(train);
    Tuple2<Integer, String> smallest = train.map(im -> new Tuple2<>(Math.min(im.height(), im.width()), im.name()))
        .reduce((a, b) -> a._1() <= b._1() ? a : b);
    if (smallest._1() < params.crop()) {
      throw new ConfigException("config key 'crop': training image " + smallest._2() + " has a side of "
          + smallest._1() + " pixels, smaller than the " + params.crop() + " x " + params.crop() + " crop");
    }
    if (test != null) {
      materialize(test);
    }
    console.printf(Locale.ROOT, "[denoise-train] read %d training%s images in %s; the training images %s%n",
        prepared.train().size(), test == null ? "" : " and " + prepared.test().size() + " test",
        Progress.duration((System.nanoTime() - t0) * 1e-9), CacheReport.of(JavaSparkContext.fromSparkContext(train.context()), train));
  }

  /**
   * The learning loop ({@link DictionaryTrainer}: Adam, unit-norm filters, metrics) on the crop
   * oracle, with the metrics, progress and test listeners, then the final test evaluation.
   */
  private static Summary learn(JavaSparkContext sc, DenoiseTrainParams params, Prepared prepared,
      JavaRDD<GrayImage> train, JavaRDD<GrayImage> test, KernelSpec kernels, RunOutputs out, PrintStream console,
      long start) throws IOException {
    int n = prepared.train().size();
    int updates = params.updatesFor(n);
    ConvEncoderParams enc = params.encoder();
    int kk = params.k() * params.k();
    double[] w = prepared.initialFilters().clone();
    CropSampler sampler = new CropSampler(params.crop(), params.noise(), params.seed());
    SparkCropOracle oracle = new SparkCropOracle(sc, train, n, params.k(), params.stride(), params.channels(), enc,
        params.gradient(), sampler, params.batchSize(), params.seed(), params.gradientScale(), params.aggregateDepth(),
        kernels);
    DictionaryTrainer trainer = new DictionaryTrainer(kk, params.channels(), n, params.normalize(), null,
        Integer.MAX_VALUE);
    // the lasso-loss column of the metrics: the encoder's lambda, no decay
    DictionaryTrainer.Objective objective = new DictionaryTrainer.Objective(enc.lambda(), 1);
    Tests tests = test == null ? null : new Tests(sc, test, params, kernels, out, console, updates);
    if (tests != null && params.testEvery() > 0 && updates > 0) {
      // the starting point of the test curve
      TestPoint tp = tests.evaluate(w, 0, 0).point();
      console.printf(Locale.ROOT, "[denoise-train] update 0: test PSNR %.3f dB (noisy %.3f dB) on %d images in %s%n",
          tp.psnr(), tp.noisyPsnr(), tp.images(), Progress.duration(tp.seconds()));
    }
    int pixels = params.crop() * params.crop();
    OutputDir.TextStream metricsCsv = out.stream("metrics.csv");
    metricsCsv.line(METRICS_HEADER);
    MetricsWriter metrics = new MetricsWriter(metricsCsv, "", u -> DenoiseOutputs.csvRow(u, pixels));
    DictionaryTrainer.Listener listener = metrics.andThen(progress(console, params, updates, n));
    if (tests != null) {
      listener = listener.andThen(tests);
    }
    try {
      trainer.run(w, updates, u -> objective, oracle, Optimizer.adam(params.adam(), kk * params.channels()), listener);
    } catch (RuntimeException e) {
      console.printf("[denoise-train] failed; the metrics so far are in %s%n", metrics.temporaryPath());
      throw e;
    }
    List<Evaluation.Score> scores = List.of();
    if (tests != null) {
      DictionaryTrainer.Update last = metrics.last();
      scores = tests.evaluate(w, updates, last == null ? 0 : last.epoch()).scores();
    }
    double sigmaFinal = ConvFilters.sigmaMaxSquared(w, params.cropGeometry(), 50, params.seed());
    DenoiseModel model = new DenoiseModel(params.k(), params.stride(), params.channels(), enc, w);
    return new Summary(model, prepared.initialFilters(), metrics.history(), tests == null ? List.of() : tests.points,
        scores, (System.nanoTime() - start) * 1e-9, prepared.sigmaMax2(), sigmaFinal);
  }

  /** The progress line: the mean loss of the last updates (of one crop each, noisy) as a crop PSNR. */
  private static DictionaryTrainer.Listener progress(PrintStream console, DenoiseTrainParams params, int updates,
      int n) {
    Progress progress = new Progress(console, "denoise-train", updates, params.progressSeconds());
    double[] window = new double[Math.max(1, Math.min(n, 500))];
    int pixels = params.crop() * params.crop();
    return (rec, d) -> {
      window[(rec.update() - 1) % window.length] = rec.loss();
      int filled = Math.min(rec.update(), window.length);
      double mean = 0;
      for (int i = 0; i < filled; i++) {
        mean += window[i];
      }
      mean /= filled;
      progress.step(rec.update(), rec.elapsed(), String.format(Locale.ROOT,
          "epoch %.2f  loss %.4e (crop PSNR %.2f dB, mean of the last %d)  |g| %.3e  nnz %.0f  %.3fs/update",
          rec.epoch(), mean, DenoiseOutputs.cropPsnr(mean, pixels), filled, rec.gradientNorm(), rec.codeNonZeros(),
          rec.seconds()));
    };
  }

  /**
   * The test listener: denoises the test images whole every {@code test.every} updates (not after
   * the last: the run evaluates its result itself), writes a {@code test-psnr.csv} row and the model
   * as a checkpoint.
   */
  private static final class Tests implements DictionaryTrainer.Listener {
    private final JavaSparkContext sc;
    private final JavaRDD<GrayImage> images;
    private final DenoiseTrainParams params;
    private final KernelSpec kernels;
    private final RunOutputs out;
    private final PrintStream console;
    private final int updates;
    private final OutputDir.TextStream csv;
    private final List<TestPoint> points = new ArrayList<>();

    Tests(JavaSparkContext sc, JavaRDD<GrayImage> images, DenoiseTrainParams params, KernelSpec kernels,
        RunOutputs out, PrintStream console, int updates) throws IOException {
      this.sc = sc;
      this.images = images;
      this.params = params;
      this.kernels = kernels;
      this.out = out;
      this.console = console;
      this.updates = updates;
      this.csv = out.stream("test-psnr.csv");
      csv.line(TEST_HEADER);
    }

    @Override
    public void onUpdate(DictionaryTrainer.Update rec, double[] d) {
      if (rec.update() != updates && params.testEvery() > 0 && rec.update() % params.testEvery() == 0) {
        TestPoint tp = evaluate(d, rec.update(), rec.epoch()).point();
        console.printf(Locale.ROOT, "[denoise-train] update %d: test PSNR %.3f dB (noisy %.3f dB) on %d images "
            + "in %s; checkpoint written%n", tp.update(), tp.psnr(), tp.noisyPsnr(), tp.images(),
            Progress.duration(tp.seconds()));
        try {
          new DenoiseModel(params.k(), params.stride(), params.channels(), params.encoder(), d.clone()).write(out);
        } catch (IOException e) {
          throw new UncheckedIOException("writing the checkpoint to " + out, e);
        }
      }
    }

    /** One evaluation: the point of the test curve (its row written) and the per-image scores. */
    record Evaluated(TestPoint point, List<Evaluation.Score> scores) {}

    /** Scores the filters {@code d} on the test images whole. */
    Evaluated evaluate(double[] d, int update, double epoch) {
      long te = System.nanoTime();
      List<Evaluation.Score> scores = Evaluation.evaluate(sc, images, d, params.k(), params.stride(),
          params.channels(), params.encoder(), params.noise(), params.testSeed(), kernels);
      TestPoint tp = new TestPoint(update, epoch, Evaluation.meanPsnr(scores), Evaluation.meanNoisyPsnr(scores),
          scores.size(), (System.nanoTime() - te) * 1e-9);
      points.add(tp);
      csv.line(DenoiseOutputs.testRow(tp));
      return new Evaluated(tp, scores);
    }
  }
}
