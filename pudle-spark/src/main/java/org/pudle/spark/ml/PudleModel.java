package org.pudle.spark.ml;

import java.util.ArrayList;
import java.util.List;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.pudle.kernels.EncoderParams;
import org.pudle.spark.data.SampleNormalization;

/**
 * A learned dictionary D (m x p) and the settings it was trained with: {@link #transform} adds
 * the sparse code of every sample as a vector column of length p, computed by the unfolded
 * encoder (on the {@code kernels} backend), the lasso, NOODL's IHT or orthogonal matching pursuit
 * (param {@code coding}), and, when asked, the reconstruction {@code D z} and its error. Made by
 * {@link PudleDictionaryLearning#fit} (with a {@link #summary}) or from a matrix; saved with
 * {@code write().save(path)} and read with {@link #load} ({@link PudleModelWriter} describes the
 * directory).
 *
 * <p>The model carries every param of the estimator, so a fitted or loaded model answers how it
 * was trained ({@code getMethod()}, {@code getMaxIter()}, ...); the params of the columns and of
 * the coding can be changed on the model, the others only read.
 */
public final class PudleModel extends Model<PudleModel> implements PudleParams, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final DenseMatrix dictionary;
  private final PudleParamSet params;
  private transient PudleTrainingSummary summary;
  private transient Broadcast<double[]> broadcast;
  private transient LongAccumulator invalidRows;

  /**
   * @param dictionary m x p, the atoms as columns
   */
  public PudleModel(String uid, Matrix dictionary) {
    this.uid = uid;
    // column-major whatever the given layout (a transposed or sparse matrix); a column-major dense
    // matrix's values are copied directly (Matrix.toArray boxes every entry: 0.3 s at 1000 x 1500)
    double[] values = dictionary instanceof DenseMatrix dense && !dense.isTransposed() ? dense.values().clone()
        : dictionary.toArray();
    this.dictionary = new DenseMatrix(dictionary.numRows(), dictionary.numCols(), values);
    this.params = new PudleParamSet(this);
    params.setDefaults(this);
    set(params.numAtoms, dictionary.numCols());
  }

  public PudleModel(Matrix dictionary) {
    this(Identifiable$.MODULE$.randomUID("pudleModel"), dictionary);
  }

  /**
   * A model of {@code dictionary} that codes with the unfolded ISTA encoder {@code encoder}
   * ({@code coding = encoder}; {@code numLayers}, {@code alpha}, {@code lambda}, {@code threshold},
   * {@code hardThreshold} and {@code lambdaDecay} from it): the public way for a writer of models
   * other than {@link PudleDictionaryLearning#fit} ({@code pudle train}, say) to make one, then
   * {@link #setSummary} (optional) and {@code write().save(path)}. The other params keep their
   * defaults; {@code set(model.method(), "noodl")} records a training setting.
   *
   * @param dictionary m x p, the atoms as columns
   */
  public static PudleModel ofEncoder(String uid, Matrix dictionary, EncoderParams encoder) {
    PudleModel model = new PudleModel(uid, dictionary);
    model.set(model.coding(), "encoder");
    model.set(model.numLayers(), encoder.T());
    model.set(model.alpha(), encoder.alpha());
    model.set(model.lambda(), encoder.lambda());
    model.set(model.threshold(), encoder.threshold().toString());
    model.set(model.hardThreshold(), encoder.htB());
    model.set(model.lambdaDecay(), encoder.decay());
    return model;
  }

  /** The unfolded encoder of the params ({@code numLayers}, {@code alpha}, ..., {@code lambdaDecay}). */
  public EncoderParams encoder() {
    return CodingParams.encoder(this, getLambdaDecay());
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public PudleParamSet pudleParams() {
    return params;
  }

  /** The dictionary D, m x p (the atoms are its columns). */
  public Matrix dictionary() {
    return dictionary;
  }

  /** The signal dimension m. */
  public int numFeatures() {
    return dictionary.numRows();
  }

  /** The number of atoms p: the length of the codes (the dictionary's columns). */
  @Override
  public int getNumAtoms() {
    return dictionary.numCols();
  }

  /** Whether the model has a training summary: a fitted model (and a saved and loaded one) has one. */
  public boolean hasSummary() {
    return summary != null;
  }

  /**
   * The summary of the fit.
   *
   * @throws IllegalStateException when there is none ({@link #hasSummary} is false): the model was
   *                               made from a dictionary matrix, not fitted
   */
  public PudleTrainingSummary summary() {
    if (summary == null) {
      throw new IllegalStateException("PudleModel " + uid + " has no training summary: it was made from a dictionary "
          + "matrix, not by PudleDictionaryLearning.fit (hasSummary() is false)");
    }
    return summary;
  }

  /** Attaches the summary of the fit that learned this model (for writers of models: fit, train). */
  public PudleModel setSummary(PudleTrainingSummary value) {
    this.summary = value;
    return this;
  }

  /**
   * The invalid rows that the latest {@link #transform}'s output met so far (skipped or given null
   * codes), counted as its partitions are computed (a recomputed partition counts again); 0
   * before any. The count is also a named accumulator in the Spark UI.
   */
  public long invalidRowsSeen() {
    return invalidRows == null ? 0 : invalidRows.value();
  }

  // ---- setters of the columns and of the coding; the training params are kept as fitted

  public PudleModel setInputCol(String value) {
    return (PudleModel) set(inputCol(), value);
  }

  public PudleModel setOutputCol(String value) {
    return (PudleModel) set(outputCol(), value);
  }

  public PudleModel setReconstructionCol(String value) {
    return (PudleModel) set(reconstructionCol(), value);
  }

  public PudleModel setReconstructionErrorCol(String value) {
    return (PudleModel) set(reconstructionErrorCol(), value);
  }

  public PudleModel setIdCol(String value) {
    return (PudleModel) set(idCol(), value);
  }

  public PudleModel setHandleInvalid(String value) {
    return (PudleModel) set(handleInvalid(), value);
  }

  public PudleModel setCoding(String value) {
    return (PudleModel) set(coding(), value);
  }

  public PudleModel setNumLayers(int value) {
    return (PudleModel) set(numLayers(), value);
  }

  public PudleModel setAlpha(double value) {
    return (PudleModel) set(alpha(), value);
  }

  public PudleModel setLambda(double value) {
    return (PudleModel) set(lambda(), value);
  }

  public PudleModel setThreshold(String value) {
    return (PudleModel) set(threshold(), value);
  }

  public PudleModel setHardThreshold(double value) {
    return (PudleModel) set(hardThreshold(), value);
  }

  public PudleModel setLambdaDecay(double value) {
    return (PudleModel) set(lambdaDecay(), value);
  }

  public PudleModel setLassoTol(double value) {
    return (PudleModel) set(lassoTol(), value);
  }

  public PudleModel setLassoMaxIter(int value) {
    return (PudleModel) set(lassoMaxIter(), value);
  }

  public PudleModel setNoodlC(double value) {
    return (PudleModel) set(noodlC(), value);
  }

  public PudleModel setNoodlEtaX(double value) {
    return (PudleModel) set(noodlEtaX(), value);
  }

  public PudleModel setNoodlTau(double value) {
    return (PudleModel) set(noodlTau(), value);
  }

  public PudleModel setNoodlTol(double value) {
    return (PudleModel) set(noodlTol(), value);
  }

  public PudleModel setNoodlMaxIter(int value) {
    return (PudleModel) set(noodlMaxIter(), value);
  }

  public PudleModel setMaxNonZeros(int value) {
    return (PudleModel) set(maxNonZeros(), value);
  }

  public PudleModel setPositiveCodes(boolean value) {
    return (PudleModel) set(positiveCodes(), value);
  }

  public PudleModel setKernels(String value) {
    return (PudleModel) set(kernels(), value);
  }

  public PudleModel setKernelPrecision(String value) {
    return (PudleModel) set(kernelPrecision(), value);
  }

  public PudleModel setCudaGemm(String value) {
    return (PudleModel) set(cudaGemm(), value);
  }

  public PudleModel setKernelLayers(String value) {
    return (PudleModel) set(kernelLayers(), value);
  }

  // ---- Transformer

  @Override
  public StructType transformSchema(StructType schema) {
    CodingParams.checkPositiveCodes(this, false);
    return Schemas.output(this, schema, numFeatures(), getNumAtoms());
  }

  /** How the rows of {@code schema} are coded. */
  Coder.Plan plan(StructType schema) {
    String id = getIdCol();
    return new Coder.Plan("PudleModel " + uid, numFeatures(), getNumAtoms(), CodingParams.resolvedCoding(this),
        CodingParams.encoder(this, getLambdaDecay()), CodingParams.lasso(this), CodingParams.iht(this),
        getMaxNonZeros(), CodingParams.kernelSpec(this), SampleNormalization.parse(getNormalize()),
        schema.fieldIndex(getInputCol()), getInputCol(), id.isEmpty() ? -1 : schema.fieldIndex(id), id,
        getHandleInvalid(), !getReconstructionCol().isEmpty(), !getReconstructionErrorCol().isEmpty());
  }

  private synchronized Broadcast<double[]> broadcast(SparkSession spark) {
    if (broadcast == null || !broadcast.isValid()) {
      // kept for the model's lifetime: transform is lazy, so its data may be recomputed later
      broadcast = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(dictionary.values());
    }
    return broadcast;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType schema = dataset.schema();
    StructType out = transformSchema(schema);
    if (getHandleInvalid().equals("error") && Schemas.inputSize(schema, getInputCol()) < 0) {
      checkFirstRow(dataset);
    }
    SparkSession spark = dataset.sparkSession();
    invalidRows = spark.sparkContext().longAccumulator("PudleModel " + uid + ": invalid rows (handleInvalid = "
        + getHandleInvalid() + ")");
    Coder coder = new Coder(broadcast(spark), plan(schema), invalidRows);
    Dataset<Row> coded = dataset.toDF().mapPartitions(coder, Encoders.row(out));
    // the columns with their metadata (the attribute sizes of the vector columns)
    List<Column> cols = new ArrayList<>();
    for (StructField f : out.fields()) {
      cols.add(functions.col(DatasetSource.quoted(f.name())).as(f.name(), f.metadata()));
    }
    return coded.select(cols.toArray(new Column[0]));
  }

  /**
   * Without a vector size in the input's metadata, checks the first non-null sample's length on
   * the driver, so that a dataset of another m fails here rather than in a task (as
   * {@code VectorAssembler} checks its first row).
   */
  private void checkFirstRow(Dataset<?> dataset) {
    Column in = functions.col(DatasetSource.quoted(getInputCol()));
    List<Row> first = dataset.toDF().select(in).where(in.isNotNull()).limit(1).collectAsList();
    if (!first.isEmpty()) {
      int len = RowSamples.length(first.get(0).get(0));
      if (len != numFeatures()) {
        throw new IllegalArgumentException("PudleModel " + uid + ": the first sample of column '" + getInputCol()
            + "' has " + len + " values, expected m = " + numFeatures() + " (the rows of the model's dictionary)");
      }
    }
  }

  @Override
  public PudleModel copy(ParamMap extra) {
    PudleModel copied = copyValues(new PudleModel(uid, dictionary), extra);
    copied.summary = summary;
    return copied.setParent(parent());
  }

  // ---- persistence

  @Override
  public PudleModelWriter write() {
    return new PudleModelWriter(this);
  }

  PudleTrainingSummary summaryOrNull() {
    return summary;
  }

  public static MLReader<PudleModel> read() {
    return new PudleModelWriter.Reader();
  }

  public static PudleModel load(String path) {
    return read().load(path);
  }
}
