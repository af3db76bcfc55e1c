package org.pudle.spark.ml;

import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;
import org.pudle.spark.train.Learning;

/**
 * Dictionary learning as a Spark ML {@link Estimator}: learns a dictionary D (m x numAtoms) from
 * the samples of a vector or array column by PUDLE (backpropagation through the unfolded ISTA
 * encoder, Adam) or a baseline (Algorithm 1's alternating minimization, NOODL), and returns a
 * {@link PudleModel} that adds sparse codes (and, when asked, reconstructions) to a dataset.
 *
 * <p>{@link #fit} reads the rows as a sample source ({@link DatasetSource}: invalid rows follow
 * {@code handleInvalid}) and drives the same trainer as {@code pudle train} ({@link Learning}:
 * the method's distributed oracle over a cached RDD of sample blocks, the optimizer on the driver,
 * the column constraint): the same data, seed and settings give the same dictionary. Sample
 * {@code i} is the i-th valid row of the dataset in its order; mini-batches are chosen by (seed,
 * update, i), so they do not depend on the partitioning. Repartition the dataset first to spread
 * the work over more tasks.
 *
 * <p>The initial dictionary is {@code initialDictionary} when set, otherwise {@code numAtoms}
 * samples picked by the seed and scaled to unit norm ({@code init = samples}) or a Gaussian
 * matrix with unit columns ({@code init = gaussian}).
 */
public final class PudleDictionaryLearning extends Estimator<PudleModel>
    implements PudleParams, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final PudleParamSet params;

  public PudleDictionaryLearning(String uid) {
    this.uid = uid;
    this.params = new PudleParamSet(this);
    params.setDefaults(this);
  }

  public PudleDictionaryLearning() {
    this(Identifiable$.MODULE$.randomUID("pudleDL"));
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public PudleParamSet pudleParams() {
    return params;
  }

  // ---- setters: the param's validator checks the value and says what it expects

  public PudleDictionaryLearning setInputCol(String value) {
    return (PudleDictionaryLearning) set(inputCol(), value);
  }

  public PudleDictionaryLearning setOutputCol(String value) {
    return (PudleDictionaryLearning) set(outputCol(), value);
  }

  public PudleDictionaryLearning setReconstructionCol(String value) {
    return (PudleDictionaryLearning) set(reconstructionCol(), value);
  }

  public PudleDictionaryLearning setReconstructionErrorCol(String value) {
    return (PudleDictionaryLearning) set(reconstructionErrorCol(), value);
  }

  public PudleDictionaryLearning setIdCol(String value) {
    return (PudleDictionaryLearning) set(idCol(), value);
  }

  public PudleDictionaryLearning setHandleInvalid(String value) {
    return (PudleDictionaryLearning) set(handleInvalid(), value);
  }

  public PudleDictionaryLearning setNormalize(String value) {
    return (PudleDictionaryLearning) set(normalize(), value);
  }

  public PudleDictionaryLearning setCoding(String value) {
    return (PudleDictionaryLearning) set(coding(), value);
  }

  public PudleDictionaryLearning setNumLayers(int value) {
    return (PudleDictionaryLearning) set(numLayers(), value);
  }

  public PudleDictionaryLearning setAlpha(double value) {
    return (PudleDictionaryLearning) set(alpha(), value);
  }

  public PudleDictionaryLearning setLambda(double value) {
    return (PudleDictionaryLearning) set(lambda(), value);
  }

  public PudleDictionaryLearning setThreshold(String value) {
    return (PudleDictionaryLearning) set(threshold(), value);
  }

  public PudleDictionaryLearning setHardThreshold(double value) {
    return (PudleDictionaryLearning) set(hardThreshold(), value);
  }

  public PudleDictionaryLearning setLambdaDecay(double value) {
    return (PudleDictionaryLearning) set(lambdaDecay(), value);
  }

  public PudleDictionaryLearning setLassoTol(double value) {
    return (PudleDictionaryLearning) set(lassoTol(), value);
  }

  public PudleDictionaryLearning setLassoMaxIter(int value) {
    return (PudleDictionaryLearning) set(lassoMaxIter(), value);
  }

  public PudleDictionaryLearning setNoodlC(double value) {
    return (PudleDictionaryLearning) set(noodlC(), value);
  }

  public PudleDictionaryLearning setNoodlEtaX(double value) {
    return (PudleDictionaryLearning) set(noodlEtaX(), value);
  }

  public PudleDictionaryLearning setNoodlTau(double value) {
    return (PudleDictionaryLearning) set(noodlTau(), value);
  }

  public PudleDictionaryLearning setNoodlTol(double value) {
    return (PudleDictionaryLearning) set(noodlTol(), value);
  }

  public PudleDictionaryLearning setNoodlMaxIter(int value) {
    return (PudleDictionaryLearning) set(noodlMaxIter(), value);
  }

  public PudleDictionaryLearning setMaxNonZeros(int value) {
    return (PudleDictionaryLearning) set(maxNonZeros(), value);
  }

  public PudleDictionaryLearning setPositiveCodes(boolean value) {
    return (PudleDictionaryLearning) set(positiveCodes(), value);
  }

  public PudleDictionaryLearning setKernels(String value) {
    return (PudleDictionaryLearning) set(kernels(), value);
  }

  public PudleDictionaryLearning setKernelPrecision(String value) {
    return (PudleDictionaryLearning) set(kernelPrecision(), value);
  }

  public PudleDictionaryLearning setCudaGemm(String value) {
    return (PudleDictionaryLearning) set(cudaGemm(), value);
  }

  public PudleDictionaryLearning setKernelLayers(String value) {
    return (PudleDictionaryLearning) set(kernelLayers(), value);
  }

  public PudleDictionaryLearning setNumAtoms(int value) {
    return (PudleDictionaryLearning) set(numAtoms(), value);
  }

  public PudleDictionaryLearning setMethod(String value) {
    return (PudleDictionaryLearning) set(method(), value);
  }

  public PudleDictionaryLearning setGradient(String value) {
    return (PudleDictionaryLearning) set(gradient(), value);
  }

  public PudleDictionaryLearning setMaxIter(int value) {
    return (PudleDictionaryLearning) set(maxIter(), value);
  }

  public PudleDictionaryLearning setTol(double value) {
    return (PudleDictionaryLearning) set(tol(), value);
  }

  public PudleDictionaryLearning setBatchSize(long value) {
    return (PudleDictionaryLearning) set(batchSize(), value);
  }

  public PudleDictionaryLearning setValidationFraction(double value) {
    return (PudleDictionaryLearning) set(validationFraction(), value);
  }

  public PudleDictionaryLearning setStepSize(double value) {
    return (PudleDictionaryLearning) set(stepSize(), value);
  }

  public PudleDictionaryLearning setAdamBeta1(double value) {
    return (PudleDictionaryLearning) set(adamBeta1(), value);
  }

  public PudleDictionaryLearning setAdamBeta2(double value) {
    return (PudleDictionaryLearning) set(adamBeta2(), value);
  }

  public PudleDictionaryLearning setAdamEps(double value) {
    return (PudleDictionaryLearning) set(adamEps(), value);
  }

  public PudleDictionaryLearning setConstraint(String value) {
    return (PudleDictionaryLearning) set(constraint(), value);
  }

  public PudleDictionaryLearning setPositiveDictionary(boolean value) {
    return (PudleDictionaryLearning) set(positiveDictionary(), value);
  }

  public PudleDictionaryLearning setDecayStep(double value) {
    return (PudleDictionaryLearning) set(decayStep(), value);
  }

  public PudleDictionaryLearning setDecayEvery(int value) {
    return (PudleDictionaryLearning) set(decayEvery(), value);
  }

  public PudleDictionaryLearning setAltminEta(double value) {
    return (PudleDictionaryLearning) set(altminEta(), value);
  }

  public PudleDictionaryLearning setNoodlEta(double value) {
    return (PudleDictionaryLearning) set(noodlEta(), value);
  }

  public PudleDictionaryLearning setSeed(long value) {
    return (PudleDictionaryLearning) set(seed(), value);
  }

  public PudleDictionaryLearning setInit(String value) {
    return (PudleDictionaryLearning) set(init(), value);
  }

  public PudleDictionaryLearning setInitialDictionary(Matrix value) {
    return (PudleDictionaryLearning) set(initialDictionary(), value);
  }

  public PudleDictionaryLearning setBlockSize(int value) {
    return (PudleDictionaryLearning) set(blockSize(), value);
  }

  public PudleDictionaryLearning setAggregationDepth(int value) {
    return (PudleDictionaryLearning) set(aggregationDepth(), value);
  }

  // ---- Estimator

  /** The schema of the model's output: the input checked, the output columns added. */
  @Override
  public StructType transformSchema(StructType schema) {
    Matrix d0 = getInitialDictionary();
    return Schemas.output(this, schema, d0 == null ? -1 : d0.numRows(), getNumAtoms());
  }

  @Override
  public PudleModel fit(Dataset<?> dataset) {
    return DictionaryFit.fit(this, dataset);
  }

  @Override
  public PudleDictionaryLearning copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  public static MLReader<PudleDictionaryLearning> read() {
    return new DefaultParamsReader<>();
  }

  public static PudleDictionaryLearning load(String path) {
    return read().load(path);
  }
}
