package org.pudle.spark.config;

import java.util.List;

import org.pudle.kernels.Dictionaries.ColumnConstraint;

/** The keys of the learning loop of {@code pudle train} ({@link TrainParams}). */
public final class TrainSettings {
  private TrainSettings() {}

  public static final Setting<Integer> UPDATES = Setting.integer("updates", "100")
      .check(v -> v >= 0, "a non-negative count")
      .doc("dictionary updates (epochs when full batch)");
  public static final Setting<Long> BATCH_SIZE = Setting.longInteger("batch.size", "0")
      .check(v -> v >= 0, "0 (full batch) or a positive size")
      .doc("samples per update; 0 or absent = full batch");
  public static final Setting<Double> BATCH_FRACTION = Setting.real("batch.fraction", "0")
      .check(v -> v >= 0 && v <= 1, "a fraction in [0, 1]")
      .doc("alternative to batch.size: a fraction of n per update");
  public static final Setting<Double> VALIDATION_FRACTION = Setting.real("validation.fraction", "0")
      .check(v -> v >= 0 && v < 1, "a fraction in [0, 1)")
      .doc("hold this fraction of the samples out of training (seeded by seed, by sample index, the same for any "
          + "partitioning); every metrics.every updates and at the last, metrics.csv reports them coded by the "
          + "run's encoder (val_lasso_loss, val_rep_err, val_code_nnz); 0 = off. method pudle only");
  /** Checked with the other Adam keys by {@code Adam} itself. */
  public static final Setting<Double> ADAM_LR = Setting.real("adam.lr", "1e-3")
      .doc("Adam learning rate");
  public static final Setting<Double> ADAM_EPS = Setting.real("adam.eps", "1e-8")
      .doc("Adam epsilon");
  public static final Setting<Double> ADAM_BETA1 = Setting.real("adam.beta1", "0.9")
      .doc("Adam beta1");
  public static final Setting<Double> ADAM_BETA2 = Setting.real("adam.beta2", "0.999")
      .doc("Adam beta2");
  public static final Setting<String> LR_SCHEDULE = Setting.of("adam.lr.schedule", "constant",
      s -> new RateSchedule(s, 1, 1, 0, 1).kind(), "constant, step or cosine")
      .doc("Adam's rate over the updates: constant, step (times adam.lr.step.factor every adam.lr.step.every "
          + "updates) or cosine (adam.lr down towards adam.lr.min, reached one update after the last, as PyTorch's "
          + "CosineAnnealingLR with T_max = updates); --resume continues it");
  public static final Setting<Integer> LR_STEP_EVERY = Setting.integer("adam.lr.step.every", "100")
      .check(v -> v >= 1, "a positive number of updates")
      .doc("step schedule: updates between steps");
  public static final Setting<Double> LR_STEP_FACTOR = Setting.real("adam.lr.step.factor", "0.5")
      .check(v -> v > 0 && v <= 1, "a factor in (0, 1]")
      .doc("step schedule: the factor of each step");
  public static final Setting<Double> LR_MIN = Setting.real("adam.lr.min", "0")
      .check(v -> v >= 0 && !v.isInfinite(), "a non-negative rate")
      .doc("cosine schedule: the rate it falls to, one update after the last (0 is allowed)");
  public static final Setting<ColumnConstraint> NORMALIZE = Setting.of("normalize", "normalize",
      ColumnConstraint::parse, "normalize, project or none")
      .doc("after each update: normalize (unit columns), project (||D_j|| <= 1) or none");
  public static final Setting<Double> LAMBDA_DECAY_STEP = Setting.real("lambda.decay.step", "0")
      .check(v -> v >= 0 && v < 1, "a step in [0, 1)")
      .doc("beta is lowered by this every lambda.decay.every updates (paper B.2: 0.005)");
  public static final Setting<Integer> LAMBDA_DECAY_EVERY = Setting.integer("lambda.decay.every", "100")
      .check(v -> v >= 1, "a positive number of updates")
      .doc("updates between beta steps");
  public static final Setting<String> OUTPUT = Setting.text("output", null)
      .derived("runs/<config name>", c -> "runs/" + c.name())
      .doc("output directory (any Hadoop path)");
  public static final Setting<Integer> METRICS_EVERY = Setting.integer("metrics.every", "1")
      .check(v -> v >= 1, "a positive number of updates")
      .doc("updates between dictionary-error evaluations (the last update always has one)");
  public static final Setting<Double> PROGRESS_SECONDS = Setting.real("progress.seconds", "1")
      .check(v -> v >= 0, "a non-negative number of seconds")
      .doc("at most one console progress line per this many seconds");

  /** The gradient and the optimization keys, in the order of {@code run.properties}. */
  public static final List<Setting<?>> LEARNING = List.of(EncoderSettings.GRADIENT, UPDATES, BATCH_SIZE,
      BATCH_FRACTION, VALIDATION_FRACTION, ADAM_LR, LR_SCHEDULE, LR_STEP_EVERY, LR_STEP_FACTOR, LR_MIN, ADAM_EPS, ADAM_BETA1, ADAM_BETA2,
      NORMALIZE, LAMBDA_DECAY_STEP, LAMBDA_DECAY_EVERY);

  /** Where the results go and how often the run reports. */
  public static final List<Setting<?>> REPORTING = List.of(OUTPUT, METRICS_EVERY, PROGRESS_SECONDS);
}
