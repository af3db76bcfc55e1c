package org.pudle.spark.train;

import org.pudle.kernels.Dictionaries.ColumnConstraint;
import org.pudle.kernels.DictionaryError;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.Optimizer;
import org.pudle.kernels.linalg.Norms;

/**
 * The driver loop of Algorithms 1 and 2: per update, the gradient from a {@link GradientOracle},
 * divided by the sample count, one optimizer step (Adam for PUDLE, gradient descent for
 * alternating minimization), the column constraint, and a metrics record. Plain Java: the Spark
 * part lives in the oracle.
 */
public final class DictionaryTrainer {

  /**
   * What the metrics of one update report besides the sums: the l1 weight of the lasso loss
   * ({@code lassoLoss = loss + lambda mean ||z_T||_1}) and the encoder's decay factor.
   */
  public record Objective(double lambda, double decay) {}

  /** The objective of each update of a run (the decay factor may change with u). */
  public interface Schedule {
    /** The objective of update {@code u} (0-based). */
    Objective objectiveAt(int u);
  }

  /**
   * What one update did. Errors are NaN when no reference is known or not measured at this
   * update.
   *
   * @param update         1-based update number
   * @param epoch          samples seen so far divided by n
   * @param samples        samples in this update's batch
   * @param loss           mean {@code 1/2 ||x - D z_T||^2} at the dictionary before the update
   * @param lassoLoss      {@code loss + lambda mean ||z_T||_1}
   * @param gradientNorm   Frobenius norm of the mean gradient
   * @param codeNonZeros   mean non-zeros per code {@code z_T}
   * @param errorSpectral  {@code ||D - D_ref||_2 / ||D_ref||_2} after the update
   * @param errorFrobenius {@code ||D - D_ref||_F / ||D_ref||_F} after the update
   * @param decay          the decay factor beta used by the encoder
   * @param seconds        wall time of the update
   * @param kernelSeconds  kernel time of the update, summed over tasks
   * @param elapsed        wall time since the start
   * @param heldOut        the held-out metrics after the update ({@code validation.fraction}), NaNs when
   *                       there are none or not measured at this update
   */
  public record Update(int update, double epoch, long samples, double loss, double lassoLoss, double gradientNorm,
      double codeNonZeros, double errorSpectral, double errorFrobenius, double decay, double seconds,
      double kernelSeconds, double elapsed, HeldOutMetrics heldOut) {}

  /**
   * The held-out samples coded under a dictionary by the run's encoder, means over the held-out
   * samples.
   *
   * @param lassoLoss           mean {@code 1/2 ||x - D z||^2 + lambda ||z||_1}
   * @param representationError {@code sum ||x - D z||^2 / sum ||x||^2}
   * @param codeNonZeros        mean non-zeros per code
   */
  public record HeldOutMetrics(double lassoLoss, double representationError, double codeNonZeros) {
    /** Not measured. */
    public static final HeldOutMetrics NONE = new HeldOutMetrics(Double.NaN, Double.NaN, Double.NaN);

    /** Whether these were measured. */
    public boolean measured() {
      return !Double.isNaN(representationError);
    }
  }

  /** Measures the held-out samples under the dictionary after an update. */
  @FunctionalInterface
  public interface Validation {
    /**
     * @param d the dictionary after update {@code u} (0-based); do not modify
     */
    HeldOutMetrics evaluate(double[] d, int u);
  }

  /** Receives every update, with the dictionary after it (do not modify). */
  public interface Listener {
    void onUpdate(Update update, double[] dictionary);

    /** This listener, then {@code next}. */
    default Listener andThen(Listener next) {
      return (update, dictionary) -> {
        onUpdate(update, dictionary);
        next.onUpdate(update, dictionary);
      };
    }
  }

  private final int m;
  private final int p;
  private final long n;
  private final ColumnConstraint constraint;
  private final DictionaryError error;
  private final int metricsEvery;
  private Validation validation;

  /**
   * @param n            the number of samples (for the epoch count)
   * @param reference    the dictionary to measure errors against, or null
   * @param metricsEvery updates between error evaluations; the last update always has one
   */
  public DictionaryTrainer(int m, int p, long n, ColumnConstraint constraint, double[] reference, int metricsEvery) {
    this.m = m;
    this.p = p;
    this.n = n;
    this.constraint = constraint;
    this.error = reference == null ? null : new DictionaryError(reference, m, p);
    this.metricsEvery = metricsEvery;
  }

  /**
   * Measures the held-out samples with {@code v} at every error evaluation (every
   * {@code metricsEvery} updates and the last), after the errors; null: none.
   */
  public void setValidation(Validation v) {
    this.validation = v;
  }

  /** The error of {@code d} to the reference: {spectral, Frobenius}, or NaNs without one. */
  public double[] errors(double[] d) {
    return error == null ? new double[] {Double.NaN, Double.NaN} : new double[] {error.spectral(d), error.frobenius(d)};
  }

  /**
   * Runs {@code updates} updates from {@code d}, which is updated in place, as is the optimizer's
   * state.
   */
  public void run(double[] d, int updates, Schedule schedule, GradientOracle oracle, Optimizer optimizer,
      Listener listener) {
    run(d, Start.FRESH, updates, schedule, oracle, optimizer, listener);
  }

  /**
   * Where a run starts: after {@code update} updates that used {@code seen} samples in
   * {@code elapsed} seconds (a resumed run starts from its checkpoint).
   */
  public record Start(int update, long seen, double elapsed) {
    public static final Start FRESH = new Start(0, 0, 0);
  }

  /**
   * Runs updates {@code start.update() + 1 .. updates} from {@code d}, which is updated in
   * place, as is the optimizer's state (restored by the caller).
   */
  public void run(double[] d, Start start, int updates, Schedule schedule, GradientOracle oracle,
      Optimizer optimizer, Listener listener) {
    if (d.length != (long) m * p) {
      throw new IllegalArgumentException("dictionary: expected " + m + " x " + p + " entries, got " + d.length);
    }
    long t00 = System.nanoTime();
    long seen = start.seen();
    for (int u = start.update(); u < updates; u++) {
      long t0 = System.nanoTime();
      Objective obj = schedule.objectiveAt(u);
      GradientOracle.Result res = oracle.gradient(d, u);
      GradientSums sums = res.sums();
      if (sums.count() == 0) {
        throw new IllegalStateException("update " + (u + 1) + " saw no samples");
      }
      double[] g = sums.meanGradient();
      double gNorm = Norms.frobenius(g);
      if (!Double.isFinite(gNorm) || !Double.isFinite(sums.meanLoss())) {
        throw new ArithmeticException("update " + (u + 1) + ": the gradient is not finite (loss " + sums.meanLoss()
            + ", |g| " + gNorm + "); check the data for NaN/Inf, or lower alpha or adam.lr");
      }
      optimizer.step(d, g);
      constraint.apply(d, m, p);
      seen += sums.count();
      boolean measure = (u + 1) % metricsEvery == 0 || u == updates - 1;
      double[] err = measure ? errors(d) : new double[] {Double.NaN, Double.NaN};
      HeldOutMetrics held = measure && validation != null ? validation.evaluate(d, u) : HeldOutMetrics.NONE;
      long t1 = System.nanoTime();
      Update rec = new Update(u + 1, (double) seen / n, sums.count(), sums.meanLoss(),
          sums.meanLoss() + obj.lambda() * sums.meanL1(), gNorm, sums.meanNonZeros(), err[0], err[1], obj.decay(),
          (t1 - t0) * 1e-9, res.kernelSeconds(), start.elapsed() + (t1 - t00) * 1e-9, held);
      listener.onUpdate(rec, d);
    }
  }
}
