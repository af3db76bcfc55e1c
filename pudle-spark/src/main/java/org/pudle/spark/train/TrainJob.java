package org.pudle.spark.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.linalg.Norms;
import org.pudle.spark.SparkSessions;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.data.DataTransform;
import org.pudle.spark.data.FileSource;
import org.pudle.spark.data.HeldOut;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.io.RunClaim;
import org.pudle.spark.io.RunOutputs;

/**
 * {@code pudle train}: dictionary learning by backpropagation through the unfolded encoder
 * (Algorithm 2) on a cached, blocked sample RDD, with Adam on the driver.
 *
 * <p>The parts: {@link TrainSetup} (the data, D0, the reference, the checkpoint to resume),
 * {@link Learning} (the loop), the listeners {@link MetricsWriter} ({@code metrics.csv}) and
 * {@link CheckpointListener} ({@code checkpoint}), and {@link TrainOutputs} (the final files:
 * {@code dictionary.npy}, {@code dictionary.csv}, {@code dictionary.parquet},
 * {@code initial-dictionary.npy}, {@code generating-dictionary.npy}, {@code learning-curve.png},
 * {@code run.properties}, {@code summary.txt}), all written through one {@link RunOutputs}.
 */
public final class TrainJob {
  private TrainJob() {}

  /**
   * What a run ended with.
   *
   * @param encoder the encoder of the learned dictionary: with {@code alpha = auto} its step is
   *                {@link org.pudle.spark.config.IstaStep#auto} of that dictionary; lambda absolute
   */
  public record Summary(double[] dictionary, double[] initial, double initialErrorSpectral,
      double initialErrorFrobenius, double finalErrorSpectral, double finalErrorFrobenius, double finalLoss,
      List<DictionaryTrainer.Update> updates, double seconds, EncoderParams encoder) {}

  /**
   * Checks what can be checked before Spark starts (the paths; on synthetic data, ISTA's step
   * against {@code sigma_max(D0)}), so that a bad config fails fast and writes nothing; what it
   * computed on the way (D_tilde, D0) is the run's ({@link TrainSetup#prepare}).
   */
  public static TrainSetup.Prepared prepare(Config c, TrainParams p) {
    return TrainSetup.prepare(c, p);
  }

  /**
   * Runs in its own (or spark-submit's) SparkSession.
   *
   * @param mode               what to do with an earlier run's result in the output
   *                           ({@code --overwrite}, {@code --resume}: continue from its checkpoint)
   * @param resumeChangedInput resume even when the input files changed since the checkpoint
   */
  public static Summary run(TrainSetup.Prepared prepared, Map<String, String> given, PrintStream console,
      RunClaim.Mode mode, boolean resumeChangedInput) throws IOException {
    return run(prepared, given, console, mode, resumeChangedInput, null);
  }

  /**
   * Runs in its own (or spark-submit's) SparkSession and writes the model directory with
   * {@code model} (null: none).
   */
  public static Summary run(TrainSetup.Prepared prepared, Map<String, String> given, PrintStream console,
      RunClaim.Mode mode, boolean resumeChangedInput, ModelWriter model) throws IOException {
    try (SparkSessions.Handle spark = SparkSessions.open("pudle train " + prepared.params().name())) {
      return run(spark.context(), prepared, given, console, mode, resumeChangedInput, model);
    }
  }

  /**
   * Writes a run's model directory ({@code model/}): the Spark ML model lives in a package that
   * depends on this one, so the command passes its writer in.
   */
  @FunctionalInterface
  public interface ModelWriter {
    void write(RunOutputs out, double[] dictionary, int m, int p, EncoderParams encoder, DataTransform transform)
        throws IOException;
  }

  /** Runs a fresh run on an existing context (tests share one); the config's errors name its keys. */
  public static Summary run(JavaSparkContext sc, TrainParams params, Map<String, String> given, PrintStream console)
      throws IOException {
    return run(sc, TrainSetup.prepare(null, params), given, console, false);
  }

  /**
   * Runs on an existing context into a new output, or with {@code resume} from its checkpoint.
   */
  public static Summary run(JavaSparkContext sc, TrainSetup.Prepared prepared, Map<String, String> given,
      PrintStream console, boolean resume) throws IOException {
    return run(sc, prepared, given, console, resume ? RunClaim.Mode.RESUME : RunClaim.Mode.NEW, false, null);
  }

  /** Runs on an existing context with {@code mode} and no model directory. */
  public static Summary run(JavaSparkContext sc, TrainSetup.Prepared prepared, Map<String, String> given,
      PrintStream console, RunClaim.Mode mode, boolean resumeChangedInput) throws IOException {
    return run(sc, prepared, given, console, mode, resumeChangedInput, null);
  }

  /** Runs on an existing context, writing the model directory with {@code model} (null: none). */
  public static Summary run(JavaSparkContext sc, TrainSetup.Prepared prepared, Map<String, String> given,
      PrintStream console, boolean resume, ModelWriter model) throws IOException {
    return run(sc, prepared, given, console, resume ? RunClaim.Mode.RESUME : RunClaim.Mode.NEW, false, model);
  }

  /**
   * Runs on an existing context. The output is claimed first ({@link RunOutputs}): another run's,
   * or one that holds a result {@code mode} may not replace, is refused before anything is read.
   *
   * @param mode               what to do with an earlier run's result in the output
   * @param resumeChangedInput resume even when the input files changed since the checkpoint (the
   *                           {@code --resume-changed-input} option); otherwise a changed input
   *                           is refused
   * @param model              writes the model directory (null: none)
   */
  public static Summary run(JavaSparkContext sc, TrainSetup.Prepared prepared, Map<String, String> given,
      PrintStream console, RunClaim.Mode mode, boolean resumeChangedInput, ModelWriter model) throws IOException {
    long start = System.nanoTime();
    TrainParams params = prepared.params();
    try (RunOutputs out = RunOutputs.open(params.output(), sc.hadoopConfiguration(), mode, "pudle train")) {
      TrainSetup setup = TrainSetup.open(sc, prepared, given, mode == RunClaim.Mode.RESUME, resumeChangedInput,
          console);
      describe(console, setup, Learning.Setup.of(setup.params, setup.batch));
      JavaRDD<SampleBlock> all = setup.source.blocks(sc, setup.partitions, params.execution().blockSize());
      HeldOut split = setup.heldOut;
      if (split != null) {
        // read once: the transform's fit and both caches come from it
        all = all.persist(StorageLevel.MEMORY_AND_DISK());
      }
      JavaRDD<SampleBlock> raw = split == null ? all : split.training(all);
      // fitted on the training samples only
      DataTransform transform = setup.transform(raw);
      JavaRDD<SampleBlock> blocks = transform.scale(raw).persist(StorageLevel.MEMORY_AND_DISK());
      blocks.setName("pudle samples (" + setup.source.describe() + ")");
      JavaRDD<SampleBlock> heldOut = split == null ? null
          : transform.scale(split.heldOut(all)).persist(StorageLevel.MEMORY_AND_DISK());
      try {
        long t0 = System.nanoTime();
        long counted = blocks.map(SampleBlock::cols).reduce(Integer::sum);
        console.printf(Locale.ROOT, "[train] %s %d samples in %s; %s%n", params.input() == null ? "generated" : "read",
            counted, Progress.duration((System.nanoTime() - t0) * 1e-9), CacheReport.of(sc, blocks));
        if (heldOut != null) {
          heldOut.setName("pudle held-out samples (" + setup.source.describe() + ")");
          long held = heldOut.map(SampleBlock::cols).reduce(Integer::sum);
          all.unpersist(false);
          console.printf(Locale.ROOT, "[train] validation.fraction = %s: %d of %d samples held out, %d for training; "
              + "held-out metrics every %d updates%n", split.fraction(), held, split.count(), counted,
              params.metricsEvery());
        }
        double[] d0 = setup.initialDictionary(blocks, console);
        params = setup.params; // alpha = auto and lambda.relative resolved from D0
        describeResolved(console, setup);
        Learning.Setup method = Learning.Setup.of(params, setup.batch);
        Summary summary = learn(sc, blocks, heldOut, setup, method, d0, out, console, start);
        String inputLine = "[train] data: " + setup.source.describe() + "\n";
        TrainParams written = params;
        TrainOutputs.write(sc, out, written, given, summary, setup.dTilde, setup.reference != null, setup.m,
            setup.p, setup.n, inputLine, model == null ? null
                : () -> model.write(out, summary.dictionary(), setup.m, setup.p, summary.encoder(), transform));
        out.finish();
        console.print(inputLine + TrainOutputs.summaryText(params, summary, out, setup.dTilde != null, model != null));
        return summary;
      } finally {
        blocks.unpersist(false);
        if (heldOut != null) {
          heldOut.unpersist(false);
          all.unpersist(false);
        }
      }
    }
  }

  /** The run's first lines: the data, the method, the partitioning, the kernels. */
  private static void describe(PrintStream console, TrainSetup setup, Learning.Setup method) {
    TrainParams params = setup.params;
    console.printf(Locale.ROOT, "[train] %s: %s, T=%d lambda=%s alpha=%s %s threshold, %s, %d updates%s%n",
        params.name(), setup.source.describe(), params.encoder().T(),
        params.lambdaRelative() > 0 ? params.lambdaRelative() + " x max|D0^T x|" : params.encoder().lambda(),
        params.alphaAuto() ? "auto" : params.encoder().alpha(), params.encoder().threshold(), method.describe(),
        params.updates(),
        setup.batch == 0 ? " (full batch)" : ", batches of " + setup.batch);
    console.printf(Locale.ROOT, "[train] %d partitions, blocks of %d, %s; output %s%n", setup.partitions,
        params.execution().blockSize(), Blas.description(), params.output());
    if (setup.source instanceof FileSource files) {
      for (String problem : files.problems()) {
        console.println("[train] skipped: " + problem);
      }
    }
    if (!setup.kernels.isEmpty()) {
      console.printf(Locale.ROOT, "[train] kernels: %s%n", String.join("; ", setup.kernels));
    }
  }

  /** What {@code alpha = auto} and {@code lambda.relative} resolved to. */
  private static void describeResolved(PrintStream console, TrainSetup setup) {
    TrainParams params = setup.params;
    if (params.alphaAuto()) {
      console.printf(Locale.ROOT, "[train] alpha = auto: 1 / sigma_max(D)^2 before every update, %.6g for D0%n",
          params.encoder().alpha());
    }
    if (params.lambdaRelative() > 0) {
      console.printf(Locale.ROOT, "[train] lambda = %s x max|D0^T x| (%.6g) = %.6g%n", params.lambdaRelative(),
          setup.lambdaMax, params.encoder().lambda());
    }
  }

  /**
   * The learning loop from D0 (or the checkpoint), with the metrics, checkpoint and progress
   * listeners.
   */
  private static Summary learn(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, JavaRDD<SampleBlock> heldOut,
      TrainSetup setup, Learning.Setup method, double[] d0, RunOutputs out, PrintStream console, long start)
      throws IOException {
    TrainParams params = setup.params;
    Learning learning = new Learning(sc, blocks, setup.m, setup.p, setup.n, params.data().seed(), method,
        setup.reference, params.alphaAuto(), params.rate());
    if (heldOut != null) {
      learning.withHeldOut(heldOut);
    }
    double[] initialError = learning.errors(d0);
    double[] d = d0.clone();
    DictionaryTrainer.Start from = DictionaryTrainer.Start.FRESH;
    MetricsWriter metrics = MetricsWriter.train(out.stream("metrics.csv"));
    Checkpoint ck = setup.checkpoint;
    if (ck != null) {
      d = ck.d().clone();
      CheckpointListener.restore(learning.optimizer(), ck);
      from = new DictionaryTrainer.Start(ck.update(), ck.seen(), ck.elapsed());
      metrics.resume(ck.rows());
      // the checkpoint continues in this run's staging directory: killed before its next one, the
      // run resumes from it again
      out.resumeFrom(Checkpoint.FILE, ck::write);
      console.printf(Locale.ROOT, "[train] resumed from the checkpoint for %s after update %d%n", out, ck.update());
    }
    Progress progress = new Progress(console, "train", params.updates(), params.progressSeconds());
    boolean withError = setup.reference != null;
    DictionaryTrainer.Listener listener = metrics
        .andThen(new CheckpointListener(out, params.dictionaries().checkpointEvery(), params.updates(),
            setup.settings, setup.fingerprint, setup.m, setup.p, d0, learning.optimizer(), from, metrics))
        .andThen((rec, dict) -> progress.step(rec.update(), rec.elapsed(), progressDetail(rec, withError)));
    try {
      learning.run(d, from, listener);
    } catch (RuntimeException e) {
      console.printf("[train] failed; the metrics so far are in %s%n", metrics.temporaryPath());
      throw e;
    }
    // the last update always measures the error; with no update, measure D0
    DictionaryTrainer.Update last = metrics.last();
    double[] finalErr = last == null ? learning.errors(d)
        : new double[] {last.errorSpectral(), last.errorFrobenius()};
    EncoderParams enc = params.encoder();
    if (params.alphaAuto()) {
      double alpha = IstaStep.auto(Norms.singularValues(d, setup.m, setup.p)[0]);
      enc = new EncoderParams(enc.T(), alpha, enc.lambda(), enc.threshold(), enc.htB(), enc.decay());
    }
    return new Summary(d, d0, initialError[0], initialError[1], finalErr[0], finalErr[1],
        last == null ? Double.NaN : last.loss(), metrics.history(), (System.nanoTime() - start) * 1e-9, enc);
  }

  private static String progressDetail(DictionaryTrainer.Update u, boolean withError) {
    return String.format(Locale.ROOT, "loss %.4e  |g| %.3e  nnz %.2f%s%s  %.2fs/update", u.loss(), u.gradientNorm(),
        u.codeNonZeros(), withError && !Double.isNaN(u.errorSpectral())
            ? String.format(Locale.ROOT, "  err %.4e", u.errorSpectral()) : "",
        u.heldOut().measured() ? String.format(Locale.ROOT, "  held-out rep.err %.4e lasso %.4e nnz %.2f",
            u.heldOut().representationError(), u.heldOut().lassoLoss(), u.heldOut().codeNonZeros()) : "",
        u.seconds());
  }
}
