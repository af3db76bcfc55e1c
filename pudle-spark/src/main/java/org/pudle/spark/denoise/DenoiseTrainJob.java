package org.pudle.spark.denoise;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.Optimizer;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvFilters;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvKernels;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.CropSampler;
import org.pudle.kernels.conv.GrayImage;
import org.pudle.kernels.linalg.Blas;
import org.pudle.spark.SparkSessions;
import org.pudle.spark.agg.KernelProbe;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.io.Matrices;
import org.pudle.spark.io.OutputDir;
import org.pudle.spark.plot.Plots;
import org.pudle.spark.train.CacheReport;
import org.pudle.spark.train.DictionaryTrainer;
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

  /** The training length of the paper's Table 1 (appendix B.3). */
  static final int PAPER_EPOCHS = 250;

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

  /** Runs in its own (or spark-submit's) SparkSession. */
  public static Summary run(DenoiseTrainParams params, Prepared prepared, Map<String, String> given,
      PrintStream console) throws IOException {
    try (SparkSessions.Handle spark = SparkSessions.open("pudle denoise-train " + params.name())) {
      return run(spark.context(), params, prepared, given, console);
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

  /** Runs on an existing context (tests share one). */
  public static Summary run(JavaSparkContext sc, DenoiseTrainParams params, Prepared prepared,
      Map<String, String> given, PrintStream console) throws IOException {
    long start = System.nanoTime();
    int partitions = params.partitions() > 0 ? params.partitions() : sc.defaultParallelism();
    int n = prepared.train().size();
    int updates = params.updatesFor(n);
    ConvEncoderParams enc = params.encoder();
    int k = params.k();
    int channels = params.channels();
    int kk = k * k;
    // the convolution backend is resolved on the executors before anything is written: kernels=cuda
    // without a device is a configuration error (exit 2); auto says what each executor chose
    List<String> chosen = ConvKernels.mayUseCuda(params.backend())
        ? KernelProbe.resolve(sc, params.backend(), partitions, "kernels", ConvKernels::describe)
        : List.of();
    OutputDir out = OutputDir.open(params.output(), sc.hadoopConfiguration());
    console.printf(Locale.ROOT, "[denoise-train] %s: %d training images, %d filters %dx%d stride %d, T=%d alpha=%s "
        + "%s lambda=%s%s, gradient %s%n", params.name(), n, channels, k, k, params.stride(), enc.T(), enc.alpha(),
        enc.threshold(), enc.lambda(), enc.threshold().hard() ? " b=" + enc.htB() : "", params.gradient());
    console.printf(Locale.ROOT, "[denoise-train] %d updates of %d crop(s) %dx%d (%s epochs), noise %s/255, Adam lr %s "
        + "eps %s; %d partitions, %s; output %s%n", updates, params.batchSize(), params.crop(), params.crop(),
        fmt((double) updates * params.batchSize() / n), params.noise(), params.adam().lr(), params.adam().eps(),
        partitions, Blas.description(), out);
    console.printf(Locale.ROOT, "[denoise-train] sigma_max(D0)^2 = %.4f on a crop: alpha < 2/sigma^2 = %.4f%n",
        prepared.sigmaMax2(), IstaStep.bound(prepared.sigmaMax2()));
    if (!chosen.isEmpty()) {
      console.printf(Locale.ROOT, "[denoise-train] kernels %s: %s%n", params.backend(), String.join("; ", chosen));
    }

    JavaRDD<GrayImage> train = loadImages(sc, prepared.train(), partitions, "training");
    // test images are denoised independently: spread them over every core even when one crop per
    // update keeps the training images in one partition
    JavaRDD<GrayImage> test = prepared.test().isEmpty() ? null
        : loadImages(sc, prepared.test(), Math.max(partitions, sc.defaultParallelism()), "test");
    try {
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
      console.printf(Locale.ROOT, "[denoise-train] read %d training%s images in %s; the training images %s%n", n,
          test == null ? "" : " and " + prepared.test().size() + " test", Progress.duration((System.nanoTime() - t0) * 1e-9),
          CacheReport.of(sc, train));

      double[] w = prepared.initialFilters().clone();
      out.write("initial-filters.npy", o -> DenoiseModel.writeFilters(o, prepared.initialFilters(), channels, k));
      CropSampler sampler = new CropSampler(params.crop(), params.noise(), params.seed());
      SparkCropOracle oracle = new SparkCropOracle(sc, train, n, k, params.stride(), channels, enc, params.gradient(),
          sampler, params.batchSize(), params.seed(), params.gradientScale(), params.aggregateDepth(),
          params.backend());
      DictionaryTrainer trainer = new DictionaryTrainer(kk, channels, n, params.normalize(), null, Integer.MAX_VALUE);
      // the trainer's encoder only supplies lambda to its lasso-loss column; the oracle has its own
      EncoderParams carrier = EncoderParams.soft(enc.T(), enc.alpha(), enc.lambda());
      List<DictionaryTrainer.Update> history = new ArrayList<>();
      List<TestPoint> tests = new ArrayList<>();
      Progress progress = new Progress(console, "denoise-train", updates, params.progressSeconds());
      double[] window = new double[Math.max(1, Math.min(n, 500))];
      int pixels = params.crop() * params.crop();
      OutputDir.TextStream testCsv = test == null ? null : out.stream("test-psnr.csv");
      if (testCsv != null) {
        testCsv.line(TEST_HEADER);
      }
      if (test != null && params.testEvery() > 0 && updates > 0) {
        // the starting point of the test curve
        TestPoint tp = testPoint(sc, test, w, params, 0, 0);
        tests.add(tp);
        testCsv.line(testRow(tp));
        console.printf(Locale.ROOT, "[denoise-train] update 0: test PSNR %.3f dB (noisy %.3f dB) on %d images in %s%n",
            tp.psnr(), tp.noisyPsnr(), tp.images(), Progress.duration(tp.seconds()));
      }
      try (OutputDir.TextStream metrics = out.stream("metrics.csv")) {
        metrics.line(METRICS_HEADER);
        try {
          trainer.run(w, updates, u -> carrier, oracle, Optimizer.adam(params.adam(), kk * channels), (rec, d) -> {
            history.add(rec);
            metrics.line(csvRow(rec, pixels));
            window[(rec.update() - 1) % window.length] = rec.loss();
            int filled = Math.min(rec.update(), window.length);
            double mean = 0;
            for (int i = 0; i < filled; i++) {
              mean += window[i];
            }
            mean /= filled;
            progress.step(rec.update(), rec.elapsed(), String.format(Locale.ROOT,
                "epoch %.2f  loss %.4e (crop PSNR %.2f dB, mean of the last %d)  |g| %.3e  nnz %.0f  %.3fs/update",
                rec.epoch(), mean, cropPsnr(mean, pixels), filled, rec.gradientNorm(), rec.codeNonZeros(),
                rec.seconds()));
            boolean last = rec.update() == updates;
            if (test != null && !last && params.testEvery() > 0 && rec.update() % params.testEvery() == 0) {
              TestPoint tp = testPoint(sc, test, d, params, rec.update(), rec.epoch());
              tests.add(tp);
              testCsv.line(testRow(tp));
              console.printf(Locale.ROOT, "[denoise-train] update %d: test PSNR %.3f dB (noisy %.3f dB) on %d images "
                  + "in %s; checkpoint written%n", tp.update(), tp.psnr(), tp.noisyPsnr(), tp.images(),
                  Progress.duration(tp.seconds()));
              checkpoint(out, params, d);
            }
          });
        } catch (RuntimeException e) {
          console.printf("[denoise-train] failed; the metrics so far are in %s%n", metrics.temporaryPath());
          throw e;
        }
        metrics.commit();
      }
      List<Evaluation.Score> scores = List.of();
      if (test != null) {
        long te = System.nanoTime();
        scores = Evaluation.evaluate(sc, test, w, k, params.stride(), channels, enc, params.noise(),
            params.testSeed(), params.backend());
        DictionaryTrainer.Update last = history.isEmpty() ? null : history.get(history.size() - 1);
        TestPoint tp = new TestPoint(updates, last == null ? 0 : last.epoch(), Evaluation.meanPsnr(scores),
            Evaluation.meanNoisyPsnr(scores), scores.size(), (System.nanoTime() - te) * 1e-9);
        tests.add(tp);
        testCsv.line(testRow(tp));
        testCsv.commit();
      }
      double sigmaFinal = ConvFilters.sigmaMaxSquared(w, params.cropGeometry(), 50, params.seed());
      DenoiseModel model = new DenoiseModel(k, params.stride(), channels, enc, w);
      Summary s = new Summary(model, prepared.initialFilters(), history, tests, scores,
          (System.nanoTime() - start) * 1e-9, prepared.sigmaMax2(), sigmaFinal);
      writeOutputs(out, params, given, s, n);
      console.print(summaryText(params, s, n, out));
      return s;
    } finally {
      train.unpersist(false);
      if (test != null) {
        test.unpersist(false);
      }
    }
  }

  private static TestPoint testPoint(JavaSparkContext sc, JavaRDD<GrayImage> test, double[] d,
      DenoiseTrainParams params, int update, double epoch) {
    long te = System.nanoTime();
    List<Evaluation.Score> scores = Evaluation.evaluate(sc, test, d, params.k(), params.stride(), params.channels(),
        params.encoder(), params.noise(), params.testSeed(), params.backend());
    return new TestPoint(update, epoch, Evaluation.meanPsnr(scores), Evaluation.meanNoisyPsnr(scores),
        scores.size(), (System.nanoTime() - te) * 1e-9);
  }

  private static void checkpoint(OutputDir out, DenoiseTrainParams params, double[] d) {
    try {
      new DenoiseModel(params.k(), params.stride(), params.channels(), params.encoder(), d.clone()).write(out);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("writing the checkpoint to " + out, e);
    }
  }

  /** PSNR of a crop estimate with loss {@code 1/2 ||x - x_hat||^2} over {@code pixels} pixels. */
  static double cropPsnr(double loss, int pixels) {
    return 10 * Math.log10(pixels / (2 * loss));
  }

  static String csvRow(DictionaryTrainer.Update u, int pixels) {
    return u.update() + "," + num(u.epoch()) + "," + u.samples() + "," + num(u.loss()) + ","
        + num(cropPsnr(u.loss(), pixels)) + "," + num(u.gradientNorm()) + "," + num(u.codeNonZeros()) + ","
        + num(u.seconds()) + "," + num(u.kernelSeconds()) + "," + num(u.elapsed());
  }

  static String testRow(TestPoint t) {
    return t.update() + "," + num(t.epoch()) + "," + num(t.psnr()) + "," + num(t.noisyPsnr()) + "," + t.images() + ","
        + num(t.seconds());
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : Matrices.formatExact(v);
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.3f", v);
  }

  private static void writeOutputs(OutputDir out, DenoiseTrainParams params, Map<String, String> given, Summary s,
      int n) throws IOException {
    s.model().write(out);
    out.write("filters.png", o -> FilterMosaic.write(o, s.model().filters(), params.k(), params.channels(), 6));
    List<DictionaryTrainer.Update> h = s.updates();
    if (!h.isEmpty()) {
      // the per-update loss of one crop is noisy: plot its mean over windows of a hundredth of the
      // run, at most an epoch
      int epochLen = (n + params.batchSize() - 1) / params.batchSize();
      int win = Math.max(1, Math.min(epochLen, h.size() / 100));
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int i = 0; i + win <= h.size(); i += win) {
        double m = 0;
        for (int j = i; j < i + win; j++) {
          m += h.get(j).loss();
        }
        xs.add((double) h.get(i + win - 1).update());
        ys.add(m / win);
      }
      out.write("learning-curve.png", o -> Plots.logY(o, "pudle denoise-train: " + params.name() + " (g_"
          + params.gradient() + ")", "update", "1/2 ||x - D z_T||^2 per crop, mean over " + win + " updates",
          List.of(new Plots.Series("training loss", toArray(xs), toArray(ys))), 900, 560));
    }
    if (!s.tests().isEmpty()) {
      double[] x = new double[s.tests().size()];
      double[] y = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        x[i] = s.tests().get(i).update();
        y[i] = s.tests().get(i).psnr();
      }
      out.write("test-psnr.png", o -> Plots.linear(o, "pudle denoise-train: " + params.name() + ", test PSNR",
          "update", "mean PSNR [dB]", List.of(new Plots.Series("test images, noise " + fmt(params.noise()), x, y)), 900,
          560));
      StringBuilder sb = new StringBuilder(IMAGES_HEADER).append('\n');
      for (Evaluation.Score sc : s.finalScores()) {
        sb.append(sc.name()).append(',').append(sc.height()).append(',').append(sc.width()).append(',')
            .append(num(sc.noisyPsnr())).append(',').append(num(sc.denoisedPsnr())).append(',')
            .append(num(sc.codeDensity())).append('\n');
      }
      out.writeText("test-images.csv", sb.toString());
    }
    out.writeText("run.properties", runProperties(params, given));
    out.writeText("summary.txt", summaryText(params, s, n, out));
  }

  private static double[] toArray(List<Double> v) {
    double[] a = new double[v.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = v.get(i);
    }
    return a;
  }

  static String summaryText(DenoiseTrainParams params, Summary s, int n, OutputDir out) {
    StringBuilder sb = new StringBuilder();
    List<DictionaryTrainer.Update> h = s.updates();
    sb.append(String.format(Locale.ROOT, "[denoise-train] done: %d updates (%s epochs of %d images) in %s%n", h.size(),
        fmt(h.isEmpty() ? 0 : h.get(h.size() - 1).epoch()), n, Progress.duration(s.seconds())));
    if (!h.isEmpty()) {
      double wall = 0;
      double kernel = 0;
      for (DictionaryTrainer.Update u : h) {
        wall += u.seconds();
        kernel += u.kernelSeconds();
      }
      double perUpdate = wall / h.size();
      int epochLen = (n + params.batchSize() - 1) / params.batchSize();
      sb.append(String.format(Locale.ROOT,
          "[denoise-train] %.4f s per update (crops and kernels %.4f task-seconds, %.2f GFLOP/s); at this rate %d "
              + "epochs of %d images (%d updates) take %s%n", perUpdate, kernel / h.size(),
          updateFlops(params) / (kernel / h.size()) * 1e-9, params.epochs(), n, (long) params.epochs() * epochLen,
          Progress.duration(perUpdate * params.epochs() * epochLen)));
      if (params.epochs() != PAPER_EPOCHS || params.updates() > 0) {
        sb.append(String.format(Locale.ROOT, "[denoise-train] the paper's %d epochs (%d updates) would take %s%n",
            PAPER_EPOCHS, (long) PAPER_EPOCHS * epochLen, Progress.duration(perUpdate * PAPER_EPOCHS * epochLen)));
      }
      int win = Math.min(h.size(), epochLen);
      double m = 0;
      for (int i = h.size() - win; i < h.size(); i++) {
        m += h.get(i).loss();
      }
      m /= win;
      sb.append(String.format(Locale.ROOT, "[denoise-train] training loss (mean of the last %d updates) %.6e, crop "
          + "PSNR %.3f dB%n", win, m, cropPsnr(m, params.crop() * params.crop())));
    }
    sb.append(String.format(Locale.ROOT, "[denoise-train] sigma_max(D)^2 on a crop: %.4f -> %.4f (alpha = %s)%n",
        s.sigmaMax2Initial(), s.sigmaMax2Final(), params.encoder().alpha()));
    if (!s.finalScores().isEmpty()) {
      sb.append(String.format(Locale.ROOT, "[denoise-train] test: mean PSNR %.3f dB over %d images at noise %s "
          + "(noisy input %.3f dB)%n", Evaluation.meanPsnr(s.finalScores()), s.finalScores().size(),
          fmt(params.noise()), Evaluation.meanNoisyPsnr(s.finalScores())));
    }
    sb.append("[denoise-train] outputs in ").append(out).append(": filters.npy, model.properties, metrics.csv")
        .append(s.finalScores().isEmpty() ? "" : ", test-psnr.csv, test-images.csv")
        .append(", filters.png, learning-curve.png, run.properties\n");
    return sb.toString();
  }

  /** Every setting in effect: the given values, then the defaults. */
  static String runProperties(DenoiseTrainParams p, Map<String, String> given) {
    return Config.settingsText("# pudle denoise-train: the settings in effect; usable as a config\n", p.settings(),
        given);
  }

  /** The GEMM flops of one update's kernels ({@link ConvUnfoldedIsta#flops}), for the summary's rate. */
  static double updateFlops(DenoiseTrainParams p) {
    ConvGeometry g = p.cropGeometry();
    return p.batchSize() * ConvUnfoldedIsta.flops(p.gradient(), g, p.encoder().T());
  }
}
