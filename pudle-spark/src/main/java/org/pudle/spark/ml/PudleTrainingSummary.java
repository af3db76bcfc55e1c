package org.pudle.spark.ml;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.pudle.spark.train.DictionaryTrainer;

/**
 * What a fit did, update by update, as Spark's {@code KMeansSummary} or
 * {@code LogisticRegressionTrainingSummary} give it: the objective history (and the trainer's
 * other metrics) as arrays and as a DataFrame ({@link #history}), the samples used and the rows
 * left out. A model keeps it through {@code copy} and {@code save}/{@code load}.
 *
 * <p>The objective ({@link #objective}) is the lasso loss {@code 1/2 ||x - D z||^2 + lambda
 * ||z||_1} for the methods that minimize it (altmin, pudle with gradient ae-lasso), else the
 * reconstruction loss {@code 1/2 ||x - D z||^2}; both are means over the update's batch at the
 * dictionary before the update, with the codes of the method. The dictionary errors are NaN
 * unless a reference dictionary was known to the trainer (a fit from a dataset has none).
 *
 * <p>With {@code validationFraction}, the held-out samples (left out of the fit) are coded by the
 * encoder under the dictionary after every update: the held-out histories
 * ({@link #heldOutLassoLossHistory}, {@link #heldOutRepresentationErrorHistory},
 * {@link #heldOutCodeNonZerosHistory}) are NaN without them.
 */
public final class PudleTrainingSummary implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * One update's metrics.
   *
   * @param update         1-based update number
   * @param epoch          samples seen so far divided by n
   * @param samples        samples in the update's batch
   * @param loss           mean {@code 1/2 ||x - D z||^2}
   * @param lassoLoss      {@code loss + lambda mean ||z||_1}
   * @param gradientNorm   the Frobenius norm of the mean gradient
   * @param codeNonZeros   mean non-zeros per code
   * @param errorSpectral  {@code ||D - D_ref||_2 / ||D_ref||_2} after the update, or NaN
   * @param errorFrobenius {@code ||D - D_ref||_F / ||D_ref||_F} after the update, or NaN
   * @param decay          the encoder's decay factor beta
   * @param seconds        the update's wall time
   * @param heldOutLassoLoss           held-out mean {@code 1/2 ||x - D z||^2 + lambda ||z||_1} after the
   *                                   update, or NaN
   * @param heldOutRepresentationError held-out {@code sum ||x - D z||^2 / sum ||x||^2} after the update,
   *                                   or NaN
   * @param heldOutCodeNonZeros        held-out mean non-zeros per code after the update, or NaN
   */
  public record Step(int update, double epoch, long samples, double loss, double lassoLoss, double gradientNorm,
      double codeNonZeros, double errorSpectral, double errorFrobenius, double decay, double seconds,
      double heldOutLassoLoss, double heldOutRepresentationError, double heldOutCodeNonZeros)
      implements Serializable {

    /** A step without held-out metrics. */
    public Step(int update, double epoch, long samples, double loss, double lassoLoss, double gradientNorm,
        double codeNonZeros, double errorSpectral, double errorFrobenius, double decay, double seconds) {
      this(update, epoch, samples, loss, lassoLoss, gradientNorm, codeNonZeros, errorSpectral, errorFrobenius, decay,
          seconds, Double.NaN, Double.NaN, Double.NaN);
    }

    static Step of(DictionaryTrainer.Update u) {
      return new Step(u.update(), u.epoch(), u.samples(), u.loss(), u.lassoLoss(), u.gradientNorm(), u.codeNonZeros(),
          u.errorSpectral(), u.errorFrobenius(), u.decay(), u.seconds(), u.heldOut().lassoLoss(),
          u.heldOut().representationError(), u.heldOut().codeNonZeros());
    }
  }

  static final StructType HISTORY = new StructType()
      .add("update", DataTypes.IntegerType, false)
      .add("epoch", DataTypes.DoubleType, false)
      .add("samples", DataTypes.LongType, false)
      .add("objective", DataTypes.DoubleType, false)
      .add("loss", DataTypes.DoubleType, false)
      .add("lassoLoss", DataTypes.DoubleType, false)
      .add("gradientNorm", DataTypes.DoubleType, false)
      .add("codeNonZeros", DataTypes.DoubleType, false)
      .add("errorSpectral", DataTypes.DoubleType, false)
      .add("errorFrobenius", DataTypes.DoubleType, false)
      .add("decay", DataTypes.DoubleType, false)
      .add("seconds", DataTypes.DoubleType, false)
      .add("heldOutLassoLoss", DataTypes.DoubleType, false)
      .add("heldOutRepresentationError", DataTypes.DoubleType, false)
      .add("heldOutCodeNonZeros", DataTypes.DoubleType, false);

  private static final StructType FIT = new StructType()
      .add("objective", DataTypes.StringType, false)
      .add("numSamples", DataTypes.LongType, false)
      .add("numRows", DataTypes.LongType, false)
      .add("numInvalidRows", DataTypes.LongType, false)
      .add("maxIter", DataTypes.IntegerType, false)
      .add("converged", DataTypes.BooleanType, false)
      .add("numHeldOut", DataTypes.LongType, false);

  private final List<Step> steps;
  private final String objective;
  private final long numSamples;
  private final long numRows;
  private final long numInvalidRows;
  private final int maxIter;
  private final boolean converged;
  private final long numHeldOut;

  /**
   * @param steps          the updates run, in order
   * @param objective      {@code loss} or {@code lassoLoss}: which metric is the objective
   * @param numSamples     the samples the fit used
   * @param numRows        the rows of the dataset
   * @param numInvalidRows the rows left out (handleInvalid = skip or keep)
   * @param maxIter        the updates asked for
   * @param converged      whether {@code tol} stopped the fit before maxIter
   */
  public PudleTrainingSummary(List<Step> steps, String objective, long numSamples, long numRows, long numInvalidRows,
      int maxIter, boolean converged) {
    this(steps, objective, numSamples, numRows, numInvalidRows, maxIter, converged, 0);
  }

  /**
   * A summary of a fit that held {@code numHeldOut} samples out ({@code validationFraction}).
   */
  public PudleTrainingSummary(List<Step> steps, String objective, long numSamples, long numRows, long numInvalidRows,
      int maxIter, boolean converged, long numHeldOut) {
    if (!objective.equals("loss") && !objective.equals("lassoLoss")) {
      throw new IllegalArgumentException("objective: expected loss or lassoLoss, got '" + objective + "'");
    }
    this.steps = List.copyOf(steps);
    this.objective = objective;
    this.numSamples = numSamples;
    this.numRows = numRows;
    this.numInvalidRows = numInvalidRows;
    this.maxIter = maxIter;
    this.converged = converged;
    this.numHeldOut = numHeldOut;
  }

  /** The summary of the trainer's records. */
  static PudleTrainingSummary ofUpdates(List<DictionaryTrainer.Update> updates, String objective, long numSamples,
      long numRows, long numInvalidRows, int maxIter, boolean converged, long numHeldOut) {
    List<Step> steps = new ArrayList<>(updates.size());
    for (DictionaryTrainer.Update u : updates) {
      steps.add(Step.of(u));
    }
    return new PudleTrainingSummary(steps, objective, numSamples, numRows, numInvalidRows, maxIter, converged,
        numHeldOut);
  }

  /** The updates, in order. */
  public List<Step> steps() {
    return steps;
  }

  /** Which metric is the objective: {@code loss} or {@code lassoLoss}. */
  public String objective() {
    return objective;
  }

  /** The objective of every update (Spark's {@code objectiveHistory}). */
  public double[] objectiveHistory() {
    return column(objective.equals("lassoLoss") ? Step::lassoLoss : Step::loss);
  }

  public double[] lossHistory() {
    return column(Step::loss);
  }

  public double[] lassoLossHistory() {
    return column(Step::lassoLoss);
  }

  public double[] gradientNormHistory() {
    return column(Step::gradientNorm);
  }

  public double[] codeNonZerosHistory() {
    return column(Step::codeNonZeros);
  }

  /** The relative spectral-norm error to the reference dictionary; NaN without one. */
  public double[] dictionaryErrorHistory() {
    return column(Step::errorSpectral);
  }

  /** The relative Frobenius-norm error to the reference dictionary; NaN without one. */
  public double[] frobeniusErrorHistory() {
    return column(Step::errorFrobenius);
  }

  /** The held-out mean lasso loss {@code 1/2 ||x - D z||^2 + lambda ||z||_1} after each update; NaN without. */
  public double[] heldOutLassoLossHistory() {
    return column(Step::heldOutLassoLoss);
  }

  /** The held-out relative representation error {@code sum ||x - D z||^2 / sum ||x||^2}; NaN without. */
  public double[] heldOutRepresentationErrorHistory() {
    return column(Step::heldOutRepresentationError);
  }

  /** The held-out mean non-zeros per code; NaN without. */
  public double[] heldOutCodeNonZerosHistory() {
    return column(Step::heldOutCodeNonZeros);
  }

  private double[] column(ToDoubleFunction<Step> f) {
    double[] out = new double[steps.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = f.applyAsDouble(steps.get(i));
    }
    return out;
  }

  /** The updates run (fewer than {@link #maxIter} when {@code tol} stopped the fit). */
  public int totalIterations() {
    return steps.size();
  }

  /** The updates asked for. */
  public int maxIter() {
    return maxIter;
  }

  /** Whether {@code tol} stopped the fit before {@link #maxIter}. */
  public boolean converged() {
    return converged;
  }

  /** The samples held out of the fit ({@code validationFraction}); 0 without. */
  public long numHeldOut() {
    return numHeldOut;
  }

  /** The samples the fit learned from. */
  public long numSamples() {
    return numSamples;
  }

  /** The rows of the dataset. */
  public long numRows() {
    return numRows;
  }

  /** The rows left out of the fit (invalid, with handleInvalid = skip or keep). */
  public long numInvalidRows() {
    return numInvalidRows;
  }

  /**
   * The history as a DataFrame of the active session, one row per update: update, epoch, samples,
   * objective, loss, lassoLoss, gradientNorm, codeNonZeros, errorSpectral, errorFrobenius, decay,
   * seconds, heldOutLassoLoss, heldOutRepresentationError, heldOutCodeNonZeros.
   */
  public Dataset<Row> history() {
    return history(SparkSession.active());
  }

  Dataset<Row> history(SparkSession spark) {
    double[] obj = objectiveHistory();
    List<Row> rows = new ArrayList<>(steps.size());
    for (int i = 0; i < steps.size(); i++) {
      Step s = steps.get(i);
      rows.add(RowFactory.create(s.update(), s.epoch(), s.samples(), obj[i], s.loss(), s.lassoLoss(), s.gradientNorm(),
          s.codeNonZeros(), s.errorSpectral(), s.errorFrobenius(), s.decay(), s.seconds(), s.heldOutLassoLoss(),
          s.heldOutRepresentationError(), s.heldOutCodeNonZeros()));
    }
    return spark.createDataFrame(rows, HISTORY);
  }

  /** Writes the summary under {@code path}: {@code updates/} and {@code fit/}, Parquet. */
  void save(SparkSession spark, String path) {
    history(spark).coalesce(1).write().parquet(new Path(path, "updates").toString());
    Row fit = RowFactory.create(objective, numSamples, numRows, numInvalidRows, maxIter, converged, numHeldOut);
    spark.createDataFrame(List.of(fit), FIT).coalesce(1).write().parquet(new Path(path, "fit").toString());
  }

  /** Reads a summary that {@link #save} wrote (one saved before the held-out columns has NaN held-out metrics). */
  static PudleTrainingSummary load(SparkSession spark, String path) {
    Row fit = spark.read().parquet(new Path(path, "fit").toString()).head();
    List<Row> rows = spark.read().parquet(new Path(path, "updates").toString()).orderBy("update").collectAsList();
    List<Step> steps = new ArrayList<>(rows.size());
    for (Row r : rows) {
      steps.add(new Step(r.getInt(r.fieldIndex("update")), r.getDouble(r.fieldIndex("epoch")),
          r.getLong(r.fieldIndex("samples")), r.getDouble(r.fieldIndex("loss")), r.getDouble(r.fieldIndex("lassoLoss")),
          r.getDouble(r.fieldIndex("gradientNorm")), r.getDouble(r.fieldIndex("codeNonZeros")),
          r.getDouble(r.fieldIndex("errorSpectral")), r.getDouble(r.fieldIndex("errorFrobenius")),
          r.getDouble(r.fieldIndex("decay")), r.getDouble(r.fieldIndex("seconds")), optional(r, "heldOutLassoLoss"),
          optional(r, "heldOutRepresentationError"), optional(r, "heldOutCodeNonZeros")));
    }
    boolean withHeldOut = java.util.Arrays.asList(fit.schema().fieldNames()).contains("numHeldOut");
    return new PudleTrainingSummary(steps, fit.getString(fit.fieldIndex("objective")),
        fit.getLong(fit.fieldIndex("numSamples")), fit.getLong(fit.fieldIndex("numRows")),
        fit.getLong(fit.fieldIndex("numInvalidRows")), fit.getInt(fit.fieldIndex("maxIter")),
        fit.getBoolean(fit.fieldIndex("converged")), withHeldOut ? fit.getLong(fit.fieldIndex("numHeldOut")) : 0);
  }

  private static double optional(Row r, String field) {
    return java.util.Arrays.asList(r.schema().fieldNames()).contains(field) ? r.getDouble(r.fieldIndex(field))
        : Double.NaN;
  }
}
