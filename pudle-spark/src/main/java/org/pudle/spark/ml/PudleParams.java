package org.pudle.spark.ml;

import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The params that {@link PudleDictionaryLearning} and {@link PudleModel} share, as Spark's
 * {@code KMeansParams} is shared by {@code KMeans} and {@code KMeansModel}: every param of the
 * estimator is a param of the model, so a fitted or loaded model answers how it was trained.
 * Each param has a getter here; the estimator has a setter for every param, the model for those
 * of the columns and of the coding ({@code docs/spark-ml.md} lists them with their defaults).
 *
 * <p>A param's validator rejects a bad value wherever it comes from (a setter, a
 * {@code ParamMap}, a loaded model's metadata) with a message that names the param and what it
 * expects; a param that mirrors a config key of {@code pudle train} is checked by the key's own
 * parser and check in the settings registry. Choices (such as {@code gradient}) are accepted in any
 * case (and in the aliases of their config key) and read back by their getters in lower case, as
 * the config key writes them.
 */
public sealed interface PudleParams extends Params permits PudleDictionaryLearning, PudleModel {

  /** The param objects of this instance. */
  PudleParamSet pudleParams();

  default Param<String> inputCol() {
    return pudleParams().inputCol;
  }

  default Param<String> outputCol() {
    return pudleParams().outputCol;
  }

  default Param<String> reconstructionCol() {
    return pudleParams().reconstructionCol;
  }

  default Param<String> reconstructionErrorCol() {
    return pudleParams().reconstructionErrorCol;
  }

  default Param<String> idCol() {
    return pudleParams().idCol;
  }

  default Param<String> handleInvalid() {
    return pudleParams().handleInvalid;
  }

  default Param<String> normalize() {
    return pudleParams().normalize;
  }

  default Param<String> coding() {
    return pudleParams().coding;
  }

  default IntParam numLayers() {
    return pudleParams().numLayers;
  }

  default DoubleParam alpha() {
    return pudleParams().alpha;
  }

  default DoubleParam lambda() {
    return pudleParams().lambda;
  }

  default Param<String> threshold() {
    return pudleParams().threshold;
  }

  default DoubleParam hardThreshold() {
    return pudleParams().hardThreshold;
  }

  default DoubleParam lambdaDecay() {
    return pudleParams().lambdaDecay;
  }

  default DoubleParam lassoTol() {
    return pudleParams().lassoTol;
  }

  default IntParam lassoMaxIter() {
    return pudleParams().lassoMaxIter;
  }

  default DoubleParam noodlC() {
    return pudleParams().noodlC;
  }

  default DoubleParam noodlEtaX() {
    return pudleParams().noodlEtaX;
  }

  default DoubleParam noodlTau() {
    return pudleParams().noodlTau;
  }

  default DoubleParam noodlTol() {
    return pudleParams().noodlTol;
  }

  default IntParam noodlMaxIter() {
    return pudleParams().noodlMaxIter;
  }

  default IntParam maxNonZeros() {
    return pudleParams().maxNonZeros;
  }

  default BooleanParam positiveCodes() {
    return pudleParams().positiveCodes;
  }

  default Param<String> kernels() {
    return pudleParams().kernels;
  }

  default Param<String> kernelPrecision() {
    return pudleParams().kernelPrecision;
  }

  default Param<String> cudaGemm() {
    return pudleParams().cudaGemm;
  }

  default Param<String> kernelLayers() {
    return pudleParams().kernelLayers;
  }

  default IntParam numAtoms() {
    return pudleParams().numAtoms;
  }

  default Param<String> method() {
    return pudleParams().method;
  }

  default Param<String> gradient() {
    return pudleParams().gradient;
  }

  default IntParam maxIter() {
    return pudleParams().maxIter;
  }

  default DoubleParam tol() {
    return pudleParams().tol;
  }

  default LongParam batchSize() {
    return pudleParams().batchSize;
  }

  default DoubleParam validationFraction() {
    return pudleParams().validationFraction;
  }

  default DoubleParam stepSize() {
    return pudleParams().stepSize;
  }

  default DoubleParam adamBeta1() {
    return pudleParams().adamBeta1;
  }

  default DoubleParam adamBeta2() {
    return pudleParams().adamBeta2;
  }

  default DoubleParam adamEps() {
    return pudleParams().adamEps;
  }

  default Param<String> constraint() {
    return pudleParams().constraint;
  }

  default BooleanParam positiveDictionary() {
    return pudleParams().positiveDictionary;
  }

  default DoubleParam decayStep() {
    return pudleParams().decayStep;
  }

  default IntParam decayEvery() {
    return pudleParams().decayEvery;
  }

  default DoubleParam altminEta() {
    return pudleParams().altminEta;
  }

  default DoubleParam noodlEta() {
    return pudleParams().noodlEta;
  }

  default LongParam seed() {
    return pudleParams().seed;
  }

  default Param<String> init() {
    return pudleParams().init;
  }

  default Param<Matrix> initialDictionary() {
    return pudleParams().initialDictionary;
  }

  default IntParam blockSize() {
    return pudleParams().blockSize;
  }

  default IntParam aggregationDepth() {
    return pudleParams().aggregationDepth;
  }

  /** The input column of samples. */
  default String getInputCol() {
    return getOrDefault(inputCol());
  }

  /** The output column of codes. */
  default String getOutputCol() {
    return getOrDefault(outputCol());
  }

  /** The column of reconstructions D z, or "" for none. */
  default String getReconstructionCol() {
    return getOrDefault(reconstructionCol());
  }

  /** The column of 1/2 ||x - D z||^2, or "" for none. */
  default String getReconstructionErrorCol() {
    return getOrDefault(reconstructionErrorCol());
  }

  /** The column that names rows in errors, or "" for none. */
  default String getIdCol() {
    return getOrDefault(idCol());
  }

  /** error, skip or keep. */
  default String getHandleInvalid() {
    return ParamCheck.canonical(handleInvalid(), getOrDefault(handleInvalid()));
  }

  /** none, center, unit or center-unit. */
  default String getNormalize() {
    return ParamCheck.canonical(normalize(), getOrDefault(normalize()));
  }

  /** auto, encoder, lasso, iht or omp. */
  default String getCoding() {
    return ParamCheck.canonical(coding(), getOrDefault(coding()));
  }

  /** T, the encoder's layers. */
  default int getNumLayers() {
    return (Integer) getOrDefault(numLayers());
  }

  /** The ISTA step. */
  default double getAlpha() {
    return (Double) getOrDefault(alpha());
  }

  /** The lasso weight. */
  default double getLambda() {
    return (Double) getOrDefault(lambda());
  }

  /** soft or hard. */
  default String getThreshold() {
    return ParamCheck.canonical(threshold(), getOrDefault(threshold()));
  }

  /** b of the hard threshold. */
  default double getHardThreshold() {
    return (Double) getOrDefault(hardThreshold());
  }

  /** beta, the decay of lambda_t across the layers. */
  default double getLambdaDecay() {
    return (Double) getOrDefault(lambdaDecay());
  }

  /** The KKT residual of the lasso codes. */
  default double getLassoTol() {
    return (Double) getOrDefault(lassoTol());
  }

  /** The FISTA iteration cap. */
  default int getLassoMaxIter() {
    return (Integer) getOrDefault(lassoMaxIter());
  }

  /** NOODL's C. */
  default double getNoodlC() {
    return (Double) getOrDefault(noodlC());
  }

  /** NOODL's IHT step. */
  default double getNoodlEtaX() {
    return (Double) getOrDefault(noodlEtaX());
  }

  /** NOODL's IHT threshold. */
  default double getNoodlTau() {
    return (Double) getOrDefault(noodlTau());
  }

  /** NOODL's IHT stopping change. */
  default double getNoodlTol() {
    return (Double) getOrDefault(noodlTol());
  }

  /** NOODL's IHT iteration cap. */
  default int getNoodlMaxIter() {
    return (Integer) getOrDefault(noodlMaxIter());
  }

  /** K of omp. */
  default int getMaxNonZeros() {
    return (Integer) getOrDefault(maxNonZeros());
  }

  /** Whether codes are non-negative. */
  default boolean getPositiveCodes() {
    return (Boolean) getOrDefault(positiveCodes());
  }

  /** auto, cpu or cuda. */
  default String getKernels() {
    return ParamCheck.canonical(kernels(), getOrDefault(kernels()));
  }

  /** double or float. */
  default String getKernelPrecision() {
    return ParamCheck.canonical(kernelPrecision(), getOrDefault(kernelPrecision()));
  }

  /** auto, cublas or own. */
  default String getCudaGemm() {
    return ParamCheck.canonical(cudaGemm(), getOrDefault(cudaGemm()));
  }

  /** auto or dense. */
  default String getKernelLayers() {
    return ParamCheck.canonical(kernelLayers(), getOrDefault(kernelLayers()));
  }

  /** p, the number of atoms. */
  default int getNumAtoms() {
    return (Integer) getOrDefault(numAtoms());
  }

  /** pudle, altmin or noodl. */
  default String getMethod() {
    return ParamCheck.canonical(method(), getOrDefault(method()));
  }

  /** dec, ae-ls or ae-lasso. */
  default String getGradient() {
    return ParamCheck.canonical(gradient(), getOrDefault(gradient()));
  }

  /** The number of updates. */
  default int getMaxIter() {
    return (Integer) getOrDefault(maxIter());
  }

  /** The relative change of the objective that stops the fit early (0: never). */
  default double getTol() {
    return (Double) getOrDefault(tol());
  }

  /** Samples per update (0: full batch). */
  default long getBatchSize() {
    return (Long) getOrDefault(batchSize());
  }

  default double getValidationFraction() {
    return (Double) getOrDefault(validationFraction());
  }

  /** Adam's learning rate. */
  default double getStepSize() {
    return (Double) getOrDefault(stepSize());
  }

  /** Adam's beta1. */
  default double getAdamBeta1() {
    return (Double) getOrDefault(adamBeta1());
  }

  /** Adam's beta2. */
  default double getAdamBeta2() {
    return (Double) getOrDefault(adamBeta2());
  }

  /** Adam's epsilon. */
  default double getAdamEps() {
    return (Double) getOrDefault(adamEps());
  }

  /** normalize, project or none. */
  default String getConstraint() {
    return ParamCheck.canonical(constraint(), getOrDefault(constraint()));
  }

  /** Whether D is kept non-negative. */
  default boolean getPositiveDictionary() {
    return (Boolean) getOrDefault(positiveDictionary());
  }

  /** The step by which lambdaDecay is lowered. */
  default double getDecayStep() {
    return (Double) getOrDefault(decayStep());
  }

  /** Updates between decay steps. */
  default int getDecayEvery() {
    return (Integer) getOrDefault(decayEvery());
  }

  /** altmin's step. */
  default double getAltminEta() {
    return (Double) getOrDefault(altminEta());
  }

  /** NOODL's dictionary step. */
  default double getNoodlEta() {
    return (Double) getOrDefault(noodlEta());
  }

  /** The seed. */
  default long getSeed() {
    return (Long) getOrDefault(seed());
  }

  /** samples or gaussian. */
  default String getInit() {
    return ParamCheck.canonical(init(), getOrDefault(init()));
  }

  /** The initial dictionary, or null when it is not set. */
  default Matrix getInitialDictionary() {
    return isDefined(initialDictionary()) ? getOrDefault(initialDictionary()) : null;
  }

  /** Samples per kernel block. */
  default int getBlockSize() {
    return (Integer) getOrDefault(blockSize());
  }

  /** The depth of the treeAggregate. */
  default int getAggregationDepth() {
    return (Integer) getOrDefault(aggregationDepth());
  }
}
