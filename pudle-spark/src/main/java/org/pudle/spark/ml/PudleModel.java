package org.pudle.spark.ml;

import java.util.List;

import org.apache.hadoop.fs.Path;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.pudle.kernels.EncoderParams;
import org.pudle.spark.train.DictionaryTrainer;

import scala.Option;

/**
 * A learned dictionary D (m x p): {@link #transform} adds the sparse code of every sample as a
 * vector column of length p, computed by the unfolded encoder (on the {@code kernels} backend),
 * the lasso or NOODL's IHT (param {@code coding}). Made by {@link PudleDictionaryLearning#fit}; saved with
 * {@code write().save(path)} (the params as JSON metadata, D as Parquet under {@code data/}) and
 * read with {@link #load}.
 */
public final class PudleModel extends Model<PudleModel> implements CodingParams.Owner, MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final DenseMatrix dictionary;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  private final Param<String> coding;
  private final IntParam numLayers;
  private final DoubleParam alpha;
  private final DoubleParam lambda;
  private final Param<String> threshold;
  private final DoubleParam hardThreshold;
  private final DoubleParam lambdaDecay;
  private final DoubleParam lassoTol;
  private final IntParam lassoMaxIter;
  private final DoubleParam noodlC;
  private final DoubleParam noodlEtaX;
  private final DoubleParam noodlTau;
  private final DoubleParam noodlTol;
  private final IntParam noodlMaxIter;
  private final Param<String> kernels;
  private final Param<String> kernelPrecision;
  private transient List<DictionaryTrainer.Update> history;
  private transient Broadcast<double[]> broadcast;

  /**
   * @param dictionary m x p, the atoms as columns
   */
  public PudleModel(String uid, Matrix dictionary) {
    this.uid = uid;
    // column-major whatever the given layout (a transposed or sparse matrix)
    this.dictionary = new DenseMatrix(dictionary.numRows(), dictionary.numCols(), dictionary.toArray());
    inputCol = CodingParams.inputCol(this);
    outputCol = CodingParams.outputCol(this);
    coding = CodingParams.coding(this);
    numLayers = CodingParams.numLayers(this);
    alpha = CodingParams.alpha(this);
    lambda = CodingParams.lambda(this);
    threshold = CodingParams.threshold(this);
    hardThreshold = CodingParams.hardThreshold(this);
    lambdaDecay = CodingParams.lambdaDecay(this);
    lassoTol = CodingParams.lassoTol(this);
    lassoMaxIter = CodingParams.lassoMaxIter(this);
    noodlC = CodingParams.noodlC(this);
    noodlEtaX = CodingParams.noodlEtaX(this);
    noodlTau = CodingParams.noodlTau(this);
    noodlTol = CodingParams.noodlTol(this);
    noodlMaxIter = CodingParams.noodlMaxIter(this);
    kernels = CodingParams.kernels(this);
    kernelPrecision = CodingParams.kernelPrecision(this);
    CodingParams.setDefaults(this, this);
  }

  public PudleModel(Matrix dictionary) {
    this(Identifiable$.MODULE$.randomUID("pudleModel"), dictionary);
  }

  @Override
  public String uid() {
    return uid;
  }

  /** The dictionary D, m x p (the atoms are its columns). */
  public Matrix dictionary() {
    return dictionary;
  }

  /** The signal dimension m. */
  public int numFeatures() {
    return dictionary.numRows();
  }

  /** The number of atoms p: the length of the codes. */
  public int numAtoms() {
    return dictionary.numCols();
  }

  /** Whether the per-update history of the fit is known (not after {@link #load}). */
  public boolean hasSummary() {
    return history != null;
  }

  /** The fit's per-update records (loss, gradient norm, code sparsity, time). */
  public List<DictionaryTrainer.Update> summary() {
    if (history == null) {
      throw new IllegalStateException("no training summary: this model was loaded or copied, not fitted");
    }
    return history;
  }

  PudleModel withSummary(List<DictionaryTrainer.Update> h) {
    this.history = List.copyOf(h);
    return this;
  }

  // ---- params

  @Override
  public Param<String> inputCol() {
    return inputCol;
  }

  @Override
  public Param<String> outputCol() {
    return outputCol;
  }

  @Override
  public Param<String> coding() {
    return coding;
  }

  @Override
  public IntParam numLayers() {
    return numLayers;
  }

  @Override
  public DoubleParam alpha() {
    return alpha;
  }

  @Override
  public DoubleParam lambda() {
    return lambda;
  }

  @Override
  public Param<String> threshold() {
    return threshold;
  }

  @Override
  public DoubleParam hardThreshold() {
    return hardThreshold;
  }

  @Override
  public DoubleParam lambdaDecay() {
    return lambdaDecay;
  }

  @Override
  public DoubleParam lassoTol() {
    return lassoTol;
  }

  @Override
  public IntParam lassoMaxIter() {
    return lassoMaxIter;
  }

  @Override
  public DoubleParam noodlC() {
    return noodlC;
  }

  @Override
  public DoubleParam noodlEtaX() {
    return noodlEtaX;
  }

  @Override
  public DoubleParam noodlTau() {
    return noodlTau;
  }

  @Override
  public DoubleParam noodlTol() {
    return noodlTol;
  }

  @Override
  public IntParam noodlMaxIter() {
    return noodlMaxIter;
  }

  @Override
  public Param<String> kernels() {
    return kernels;
  }

  @Override
  public Param<String> kernelPrecision() {
    return kernelPrecision;
  }

  public String getInputCol() {
    return getOrDefault(inputCol);
  }

  public String getOutputCol() {
    return getOrDefault(outputCol);
  }

  public String getCoding() {
    return getOrDefault(coding);
  }

  public PudleModel setInputCol(String value) {
    set(inputCol, value);
    return this;
  }

  public PudleModel setOutputCol(String value) {
    set(outputCol, value);
    return this;
  }

  /** {@code encoder}, {@code lasso}, {@code iht} or {@code auto} (= encoder). */
  public PudleModel setCoding(String value) {
    String v = CodingParams.lower(value);
    if (!CodingParams.CODINGS.contains(v)) {
      throw new IllegalArgumentException("coding: expected one of " + CodingParams.CODINGS + ", got '" + value + "'");
    }
    set(coding, v);
    return this;
  }

  /** The backend of the encoder coding: {@code auto}, {@code cpu} or {@code cuda}. */
  public PudleModel setKernels(String value) {
    String v = CodingParams.lower(value);
    if (!CodingParams.KERNELS.contains(v)) {
      throw new IllegalArgumentException("kernels: expected one of " + CodingParams.KERNELS + ", got '" + value + "'");
    }
    set(kernels, v);
    return this;
  }

  /** The CUDA backend's precision: {@code double} or {@code float}. */
  public PudleModel setKernelPrecision(String value) {
    String v = CodingParams.lower(value);
    if (!CodingParams.PRECISIONS.contains(v)) {
      throw new IllegalArgumentException("kernelPrecision: expected one of " + CodingParams.PRECISIONS + ", got '"
          + value + "'");
    }
    set(kernelPrecision, v);
    return this;
  }

  /** T, the encoder's layers for {@code coding = encoder}. */
  public PudleModel setNumLayers(int value) {
    if (value < 1) {
      throw new IllegalArgumentException("numLayers: expected at least 1 layer, got " + value);
    }
    set(numLayers, value);
    return this;
  }

  // ---- Transformer

  @Override
  public StructType transformSchema(StructType schema) {
    CodingParams.checkInput(schema, getInputCol(), "PudleModel");
    return CodingParams.withOutput(schema, getOutputCol(), "PudleModel");
  }

  /** The coding settings in effect, checked. */
  Coder coder(int inputIndex) {
    String how = getCoding();
    EncoderParams enc = CodingParams.encoder(this, this, CodingParams.getDouble(this, lambdaDecay));
    return new Coder(broadcast(), numFeatures(), numAtoms(), "auto".equals(how) ? "encoder" : how, enc,
        CodingParams.lasso(this, this), CodingParams.iht(this, this), CodingParams.kernelSpec(this, this), inputIndex);
  }

  private synchronized Broadcast<double[]> broadcast() {
    var sc = org.apache.spark.sql.SparkSession.active().sparkContext();
    if (broadcast == null || !broadcast.isValid()) {
      // kept for the model's lifetime: transform is lazy, so its data may be recomputed later
      broadcast = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(sc).broadcast(dictionary.values());
    }
    return broadcast;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    int index = dataset.schema().fieldIndex(getInputCol());
    Coder coder = coder(index);
    return dataset.toDF().mapPartitions(coder, Encoders.row(out));
  }

  @Override
  public PudleModel copy(ParamMap extra) {
    PudleModel copied = copyValues(new PudleModel(uid, dictionary), extra);
    return copied.setParent(parent());
  }

  // ---- persistence

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  public static MLReader<PudleModel> read() {
    return new Reader();
  }

  public static PudleModel load(String path) {
    return read().load(path);
  }

  private static final class Writer extends MLWriter {
    private final PudleModel instance;

    Writer(PudleModel instance) {
      this.instance = instance;
    }

    @Override
    public void saveImpl(String path) {
      DefaultParamsWriter.saveMetadata(instance, path, sc(), Option.empty(), Option.empty());
      StructType schema = new StructType().add("dictionary", SQLDataTypes.MatrixType(), false);
      sparkSession().createDataFrame(List.of(RowFactory.create(instance.dictionary)), schema).repartition(1).write()
          .parquet(new Path(path, "data").toString());
    }
  }

  private static final class Reader extends MLReader<PudleModel> {
    @Override
    public PudleModel load(String path) {
      DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sc(), PudleModel.class.getName());
      Row row = sparkSession().read().parquet(new Path(path, "data").toString()).select("dictionary").head();
      PudleModel model = new PudleModel(metadata.uid(), (Matrix) row.get(0));
      metadata.getAndSetParams(model, Option.empty());
      return model;
    }
  }
}
