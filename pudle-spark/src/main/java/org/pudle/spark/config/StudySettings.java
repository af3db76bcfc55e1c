package org.pudle.spark.config;

import java.util.List;

/** The keys of {@code pudle study} besides the synthetic data ({@code org.pudle.spark.study.StudyParams}). */
public final class StudySettings {
  private StudySettings() {}

  public static final Setting<Integer> T = EncoderSettings.T
      .doc("the deepest unfolding depth (the forward pass)");
  public static final Setting<Double> ALPHA = EncoderSettings.ALPHA
      .doc("ISTA step; must satisfy alpha < 2 / sigma_max(D)^2");
  public static final Setting<String> GRID = Setting.text("grid", null)
      .withDefault(null, "(1..grid.dense, then grid.log log-spaced to T)")
      .doc("the depths t, comma-separated; overrides grid.dense and grid.log; the largest is the forward depth");
  /** Checked only when {@link #GRID} is not given (the study's parameters do). */
  public static final Setting<Integer> GRID_DENSE = Setting.integer("grid.dense", "20")
      .doc("every depth 1..grid.dense is on the grid");
  public static final Setting<Integer> GRID_LOG = Setting.integer("grid.log", "10")
      .doc("depths spaced evenly in log t from grid.dense to T");
  public static final Setting<String> SWEEP_N = Setting.text("sweep.n", null)
      .doc("more sample counts to study in the same run (comma-separated, e.g. 1e3,1e4,1e5); n is always studied");
  public static final Setting<String> DICTIONARY = Setting.text("dictionary", null)
      .withDefault(null, "(D0)")
      .doc("a .npy file (m x p) with the dictionary D to study; default D0 = normalize(D_tilde + tau_B B)");
  public static final Setting<Integer> GROUPS = Setting.integer("groups", "10")
      .check(v -> v >= 1, "at least 1 group (2 or more for standard errors)")
      .doc("groups of samples (by index) for the jackknife standard errors");
  public static final Setting<Double> LASSO_TOLERANCE = MethodSettings.LASSO_TOLERANCE
      .doc("KKT residual of the lasso codes z_hat and z*");
  public static final Setting<Integer> LASSO_MAX_ITERATIONS = MethodSettings.LASSO_MAX_ITERATIONS
      .doc("FISTA iteration cap of the lasso codes");
  public static final Setting<Long> DSTAR_N = Setting.longInteger("dstar.n", "100000")
      .check(v -> v >= 1, "a positive sample count")
      .doc("samples of Algorithm 1 that computes D*");
  public static final Setting<Double> DSTAR_ETA = Setting.real("dstar.eta", "3")
      .check(v -> v > 0 && !v.isInfinite(), "a positive step")
      .doc("step of Algorithm 1: D <- normalize(D - eta g_hat)");
  public static final Setting<Double> DSTAR_TOLERANCE = Setting.real("dstar.tolerance", "1e-7")
      .check(v -> v > 0, "a positive tolerance")
      .doc("Algorithm 1 stops when ||g_hat - D diag(D^T g_hat)||_F <= this");
  public static final Setting<Integer> DSTAR_MAX_UPDATES = Setting.integer("dstar.max.updates", "500")
      .check(v -> v >= 1, "a positive count")
      .doc("Algorithm 1 gives up (and says so) after this many updates");
  public static final Setting<String> DSTAR_CACHE = Setting.text("dstar.cache", "runs/dstar-cache")
      .doc("folder of cached D* files, keyed by every setting D* depends on");
  public static final Setting<String> DSTAR = Setting.text("dstar", null)
      .withDefault(null, "(computed)")
      .doc("a .npy file with D* to use instead of computing it");
  public static final Setting<Boolean> JACOBIAN = Setting.bool("jacobian", "false")
      .doc("also estimate ||J_t - J_hat||_F (Theorem 3.2) along one random direction per sample (about one more "
          + "forward pass)");
  public static final Setting<Integer> PARTITIONS = ExecutionSettings.PARTITIONS
      .doc("RDD partitions; 0 = 4 per core of Spark's default parallelism");
  public static final Setting<Double> PROGRESS_SECONDS = TrainSettings.PROGRESS_SECONDS.withDefault("5");

  /** The study's own keys after the encoder's, in the order of {@code run.properties}. */
  public static final List<Setting<?>> ALL = List.of(GRID, GRID_DENSE, GRID_LOG, SWEEP_N, DICTIONARY, GROUPS,
      LASSO_TOLERANCE, LASSO_MAX_ITERATIONS, DSTAR_N, DSTAR_ETA, DSTAR_TOLERANCE, DSTAR_MAX_UPDATES, DSTAR_CACHE, DSTAR,
      JACOBIAN, PARTITIONS, ExecutionSettings.BLOCK_SIZE, ExecutionSettings.AGGREGATE_DEPTH,
      ExecutionSettings.KERNEL_SCRATCH_MB, ExecutionSettings.KERNELS, ExecutionSettings.KERNEL_PRECISION,
      ExecutionSettings.CUDA_GEMM, ExecutionSettings.KERNEL_LAYERS, TrainSettings.OUTPUT, PROGRESS_SECONDS);
}
