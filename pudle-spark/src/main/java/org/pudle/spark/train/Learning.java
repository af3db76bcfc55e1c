package org.pudle.spark.train;

import java.util.Locale;
import java.util.function.Consumer;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.pudle.kernels.Adam;
import org.pudle.kernels.Dictionaries.ColumnConstraint;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.Optimizer;
import org.pudle.kernels.linalg.Norms;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.agg.HeldOutAggregator;
import org.pudle.spark.config.ExecutionParams;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.config.Method;
import org.pudle.spark.config.MethodParams;
import org.pudle.spark.config.RateSchedule;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.data.SampleBlock;

/**
 * One learning run on a cached block RDD, whatever the method: the oracle and the optimizer of
 * the method, the decay schedule, and the {@link DictionaryTrainer} loop. {@code pudle train},
 * {@code pudle compare} and the Spark ML estimator all come through here: a job builds one
 * {@code Learning}, restores a checkpoint's optimizer state when it resumes, and {@link #run}s it
 * with its listeners (metrics, checkpoints, progress) chained by
 * {@link DictionaryTrainer.Listener#andThen}; {@link #run(JavaSparkContext, JavaRDD, int, int,
 * long, long, Setup, double[], double[], DictionaryTrainer.Listener)} does all of it for a fresh
 * run.
 */
public final class Learning {
  private final Setup setup;
  private final DictionaryTrainer trainer;
  private final GradientOracle oracle;
  private final Optimizer optimizer;
  private final java.util.TreeMap<Integer, Double> steps = new java.util.TreeMap<>();
  private final JavaSparkContext sc;
  private final int m;
  private final int p;
  private final boolean autoStep;

  /**
   * A run of the setup's method on {@code blocks} (cached by the caller), with a fresh optimizer.
   *
   * @param n         the number of samples
   * @param seed      the seed of the mini-batches
   * @param reference the dictionary the errors are measured against, or null
   */
  public Learning(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, long n, long seed, Setup setup,
      double[] reference) {
    this(sc, blocks, m, p, n, seed, setup, reference, false);
  }

  /**
   * A run as {@link #Learning(JavaSparkContext, JavaRDD, int, int, long, long, Setup, double[])};
   * with {@code autoStep} ({@code alpha = auto}) the encoder's step of every update is
   * {@link IstaStep#auto} of the dictionary the update starts from, whatever the setup's encoder
   * says (PUDLE only; the baselines have their own steps).
   */
  public Learning(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, long n, long seed, Setup setup,
      double[] reference, boolean autoStep) {
    this(sc, blocks, m, p, n, seed, setup, reference, autoStep, null);
  }

  /**
   * A run with {@code alpha = auto} ({@code autoStep}) and Adam's rate following {@code rate}
   * (null or constant: {@code adam.lr} throughout).
   */
  public Learning(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, long n, long seed, Setup setup,
      double[] reference, boolean autoStep, RateSchedule rate) {
    this.setup = setup;
    this.sc = sc;
    this.m = m;
    this.p = p;
    this.autoStep = autoStep;
    this.trainer = new DictionaryTrainer(m, p, n, setup.normalize(), reference, setup.metricsEvery());
    GradientOracle o = oracle(sc, blocks, m, p, n, seed, setup, autoStep ? steps : null);
    this.oracle = autoStep && setup.method().method() == Method.PUDLE ? (d, u) -> {
      double alpha = IstaStep.auto(Norms.singularValues(d, m, p)[0]);
      steps.put(u, alpha);
      return o.gradient(d, u);
    } : o;
    this.optimizer = rate == null || rate.constant() || setup.method().method() != Method.PUDLE
        ? optimizer(setup, m * p)
        : new Optimizer.AdamOptimizer(setup.adam(), Adam.State.initial(m * p), k -> rate.at(k, setup.adam().lr()));
  }

  /**
   * Measures the held-out samples {@code heldOut} (cached by the caller) at every metrics step
   * ({@link DictionaryTrainer#setValidation}): coded under the dictionary after the update by the
   * encoder of that update ({@link #heldOutEncoder}), on the executors in one pass
   * ({@link HeldOutAggregator}). PUDLE only: the baselines code with their own solvers.
   */
  public Learning withHeldOut(JavaRDD<SampleBlock> heldOut) {
    if (setup.method().method() != Method.PUDLE) {
      throw new IllegalArgumentException("held-out metrics code with the unfolded encoder of method pudle, not "
          + setup.method().method().key());
    }
    KernelSpec kernels = KernelSpec.parse(setup.execution().kernelsSpec());
    trainer.setValidation((d, u) -> {
      EncoderParams enc = heldOutEncoder(d, u);
      HeldOutAggregator.Sums s = HeldOutAggregator.evaluate(sc, heldOut, d, m, p, enc,
          setup.execution().scratchBytes(), kernels, setup.execution().aggregateDepth());
      return new DictionaryTrainer.HeldOutMetrics(s.meanLassoLoss(enc.lambda()), s.representationError(),
          s.meanNonZeros());
    });
    return this;
  }

  /**
   * The encoder the held-out samples are coded with after update {@code u} (0-based): T, lambda,
   * the threshold and the decay factor of that update; the step is the configured alpha, or with
   * {@code alpha = auto} {@link IstaStep#auto} of {@code d} itself (the dictionary after the
   * update, as the model of a run that stopped there would code).
   */
  public EncoderParams heldOutEncoder(double[] d, int u) {
    EncoderParams e = setup.encoderAt(u);
    return autoStep ? withStep(e, IstaStep.auto(Norms.singularValues(d, m, p)[0])) : e;
  }

  /** {@code alpha = auto}: the step of each update (0-based) so far; empty for a fixed step. */
  public java.util.SortedMap<Integer, Double> steps() {
    return java.util.Collections.unmodifiableSortedMap(steps);
  }

  /**
   * The error of {@code d} to the reference, {spectral, Frobenius} (NaNs without one), by the
   * loop's own estimator: the spectral norm is warm-started from the previous call's, so measuring
   * D0 here first gives the loop's first error the same start as in every run.
   */
  public double[] errors(double[] d) {
    return trainer.errors(d);
  }

  /** The optimizer the loop steps (Adam for PUDLE): restore a checkpoint's state into it before {@link #run}. */
  public Optimizer optimizer() {
    return optimizer;
  }

  /**
   * Runs updates {@code from.update() + 1 .. updates} from {@code d}, which is updated in place,
   * as is the optimizer's state.
   */
  public void run(double[] d, DictionaryTrainer.Start from, DictionaryTrainer.Listener listener) {
    run(d, from, setup.updates(), null, listener);
  }

  /**
   * Runs updates {@code from.update() + 1 .. until} (at most the setup's updates), each step of
   * the optimizer followed by {@code projection} of the dictionary, before the column constraint
   * (the Spark ML estimator's {@code D >= 0}), or by nothing when it is null. A caller that stops
   * early (a tolerance on the objective) runs one update at a time.
   */
  public void run(double[] d, DictionaryTrainer.Start from, int until, Consumer<double[]> projection,
      DictionaryTrainer.Listener listener) {
    Optimizer step = projection == null ? optimizer : (theta, grad) -> {
      optimizer.step(theta, grad);
      projection.accept(theta);
    };
    trainer.run(d, from, Math.min(until, setup.updates()), setup::objectiveAt, oracle, step, listener);
  }

  /**
   * Everything a run needs besides the data and the starting dictionary.
   *
   * @param batchSize    samples per update, 0 for full batch
   * @param decayStep    beta is lowered by this every {@code decayEvery} updates
   * @param metricsEvery updates between dictionary-error evaluations
   */
  public record Setup(MethodParams method, EncoderParams encoder, GradientKind gradient, int updates, long batchSize,
      Adam adam, ColumnConstraint normalize, double decayStep, int decayEvery, ExecutionParams execution,
      int metricsEvery) {

    /** The setup of a {@code train} config on its synthetic data. */
    public static Setup of(TrainParams p) {
      return of(p, p.batchSizeFor(p.data().n()));
    }

    /** The setup of a {@code train} config with {@code batch} samples per update (0: full batch). */
    public static Setup of(TrainParams p, long batch) {
      return new Setup(p.method(), p.encoder(), p.gradient(), p.updates(), batch, p.adam(), p.normalize(),
          p.decayStep(), p.decayEvery(), p.execution(), p.metricsEvery());
    }

    /**
     * The encoder of update {@code u}: the base encoder with the decay factor of that update,
     * {@code beta_u = max(beta_0 - decayStep * floor(u / decayEvery), 1e-12)} (kept above zero).
     */
    public EncoderParams encoderAt(int u) {
      return encoder.withDecay(Math.max(encoder.decay() - decayStep * (u / decayEvery), 1e-12));
    }

    /** What the metrics of update {@code u} report: the config's lambda and the encoder's decay factor. */
    public DictionaryTrainer.Objective objectiveAt(int u) {
      return new DictionaryTrainer.Objective(encoder.lambda(), encoderAt(u).decay());
    }

    /** A short description: the method with its gradient, threshold and schedule. */
    public String describe() {
      StringBuilder pudle = new StringBuilder("g_").append(gradient.key());
      if (encoder.threshold() == org.pudle.kernels.ThresholdKind.HARD) {
        pudle.append(", hard threshold b = ").append(encoder.htB());
      }
      if (encoder.decay() != 1 || decayStep > 0) {
        pudle.append(String.format(Locale.ROOT, ", decay beta = %s - %s every %d updates", encoder.decay(), decayStep,
            decayEvery));
      }
      pudle.append(String.format(Locale.ROOT, ", Adam lr %s eps %s", adam.lr(), adam.eps()));
      return method.describe(pudle.toString());
    }
  }

  /** The oracle of the setup's method on {@code blocks} (cached by the caller). */
  private static GradientOracle oracle(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, long n,
      long seed, Setup s, java.util.Map<Integer, Double> autoSteps) {
    int depth = s.execution().aggregateDepth();
    switch (s.method().method()) {
      case ALTMIN:
        return new LassoGradientOracle(sc, blocks, m, p, s.encoder().lambda(), s.method().lasso(), depth, n,
            s.batchSize(), seed);
      case NOODL:
        return new NoodlOracle(sc, blocks, m, p, s.method().iht(), depth, n, s.batchSize(), seed);
      default:
        java.util.function.IntFunction<EncoderParams> at = autoSteps == null ? s::encoderAt
            : u -> withStep(s.encoderAt(u), autoSteps.get(u));
        return new SparkGradientOracle(sc, blocks, m, p, s.gradient(), at, s.execution().scratchBytes(),
            depth, n, s.batchSize(), seed, KernelSpec.parse(s.execution().kernelsSpec()));
    }
  }

  private static EncoderParams withStep(EncoderParams e, double alpha) {
    return new EncoderParams(e.T(), alpha, e.lambda(), e.threshold(), e.htB(), e.decay());
  }

  /** The optimizer of the setup's method, with fresh state, for {@code size} parameters. */
  private static Optimizer optimizer(Setup s, int size) {
    switch (s.method().method()) {
      case ALTMIN:
        return Optimizer.gradientDescent(s.method().altminEta());
      case NOODL:
        return Optimizer.gradientDescent(s.method().noodlEta());
      default:
        return Optimizer.adam(s.adam(), size);
    }
  }

  /**
   * Runs the setup's updates from {@code d}, which is updated in place.
   *
   * @param seed      the seed of the mini-batches
   * @param reference the dictionary the errors are measured against, or null
   */
  public static void run(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, int m, int p, long n, long seed, Setup s,
      double[] d, double[] reference, DictionaryTrainer.Listener listener) {
    new Learning(sc, blocks, m, p, n, seed, s, reference).run(d, DictionaryTrainer.Start.FRESH, listener);
  }
}
