package org.pudle.spark.ml;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.Identifiable;
import org.pudle.spark.config.InputSettings;
import org.pudle.spark.config.SparkMlParams;

/**
 * The {@link Param} objects of one {@link PudleParams} instance (the estimator or a model): every
 * param once, with its doc, its validator ({@link ParamCheck}) and, through {@link #setDefaults},
 * its default. The params that mirror a config key of {@code pudle train} default to the key's
 * default ({@link SparkMlParams#MIRRORS}).
 */
final class PudleParamSet implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Where a param belongs, for the documentation; whether a model may change it. */
  enum Section {
    COLUMNS("Columns and invalid rows", true),
    CODING("Coding (transform, and the codes of the training methods)", true),
    TRAINING("Training", false);

    final String title;
    final boolean modelSets;

    Section(String title, boolean modelSets) {
      this.title = title;
      this.modelSets = modelSets;
    }
  }

  static final List<String> HANDLE_INVALID = List.of("error", "skip", "keep");
  static final List<String> NORMALIZATIONS = List.of("none", "center", "unit", "center-unit");
  static final List<String> CODINGS = List.of("auto", "encoder", "lasso", "iht", "omp");
  static final List<String> THRESHOLDS = List.of("soft", "hard");
  static final List<String> KERNELS = List.of("auto", "cpu", "cuda");
  static final List<String> PRECISIONS = List.of("double", "float");
  static final List<String> GEMMS = List.of("auto", "cublas", "own");
  static final List<String> LAYERS = List.of("auto", "dense");
  static final List<String> METHODS = List.of("pudle", "altmin", "noodl");
  static final List<String> GRADIENTS = List.of("dec", "ae-ls", "ae-lasso");
  static final List<String> CONSTRAINTS = List.of("normalize", "project", "none");
  static final List<String> INITS = List.of("samples", "gaussian");

  private final List<Param<?>> all = new ArrayList<>();
  private final List<Section> sections = new ArrayList<>();
  private final String who;
  private final Identifiable owner;
  private Section section;

  Param<String> inputCol;
  Param<String> outputCol;
  Param<String> reconstructionCol;
  Param<String> reconstructionErrorCol;
  Param<String> idCol;
  Param<String> handleInvalid;
  Param<String> normalize;

  Param<String> coding;
  IntParam numLayers;
  DoubleParam alpha;
  DoubleParam lambda;
  Param<String> threshold;
  DoubleParam hardThreshold;
  DoubleParam lambdaDecay;
  DoubleParam lassoTol;
  IntParam lassoMaxIter;
  DoubleParam noodlC;
  DoubleParam noodlEtaX;
  DoubleParam noodlTau;
  DoubleParam noodlTol;
  IntParam noodlMaxIter;
  IntParam maxNonZeros;
  BooleanParam positiveCodes;
  Param<String> kernels;
  Param<String> kernelPrecision;
  Param<String> cudaGemm;
  Param<String> kernelLayers;

  IntParam numAtoms;
  Param<String> method;
  Param<String> gradient;
  IntParam maxIter;
  DoubleParam tol;
  LongParam batchSize;
  DoubleParam validationFraction;
  DoubleParam stepSize;
  DoubleParam adamBeta1;
  DoubleParam adamBeta2;
  DoubleParam adamEps;
  Param<String> constraint;
  BooleanParam positiveDictionary;
  DoubleParam decayStep;
  IntParam decayEvery;
  DoubleParam altminEta;
  DoubleParam noodlEta;
  LongParam seed;
  Param<String> init;
  Param<Matrix> initialDictionary;
  IntParam blockSize;
  IntParam aggregationDepth;

  PudleParamSet(Identifiable owner) {
    this.owner = owner;
    this.who = owner.getClass().getSimpleName();
    columnParams();
    codingParams();
    trainingParams();
  }

  /** The columns, and what to do with invalid rows. */
  private void columnParams() {
    section = Section.COLUMNS;
    inputCol = add(new Param<>(owner, "inputCol", "the samples x: a vector column, or an array of double or float, "
        + "every row of one length m", ParamCheck.columnName(who, "inputCol")));
    outputCol = add(new Param<>(owner, "outputCol", "the code z of each sample: a vector of length p (sparse), with "
        + "ML attribute metadata of its size", ParamCheck.columnName(who, "outputCol")));
    reconstructionCol = add(new Param<>(owner, "reconstructionCol", "the reconstruction D z of each sample "
        + "(scikit-learn's inverse_transform): a dense vector of length m; empty: not added",
        ParamCheck.optionalColumnName(who, "reconstructionCol")));
    reconstructionErrorCol = add(new Param<>(owner, "reconstructionErrorCol", "1/2 ||x - D z||^2 of each sample (x "
        + "after normalize): the loss the training summary averages; empty: not added",
        ParamCheck.optionalColumnName(who, "reconstructionErrorCol")));
    idCol = add(new Param<>(owner, "idCol", "a column whose value names a row in errors about invalid rows (any "
        + "type); empty: rows are named by their position", ParamCheck.optionalColumnName(who, "idCol")));
    handleInvalid = add(new Param<>(owner, "handleInvalid", "a row whose sample is null, holds a null or a value "
        + "that is not finite, or has a length other than m: error (fail, naming the row), skip (left out of the fit "
        + "and of transform's output) or keep (left out of the fit; transform gives it null codes)",
        ParamCheck.choice(who, "handleInvalid", HANDLE_INVALID)));
    normalize = add(new Param<>(owner, "normalize", "per-sample normalization before coding, at fit and at transform "
        + "(the config key input.normalize): none, center (subtract the sample's mean), unit (l2 norm 1) or "
        + "center-unit; a model keeps the one it was trained with", ParamCheck.choice(who, "normalize",
        NORMALIZATIONS)));
  }

  /** How a sample is coded. */
  private void codingParams() {
    section = Section.CODING;
    coding = add(new Param<>(owner, "coding", "how transform codes a sample: encoder (z_T of the unfolded ISTA "
        + "encoder: numLayers, alpha, lambda, threshold, hardThreshold, lambdaDecay), lasso (FISTA to lassoTol), iht "
        + "(NOODL's iterative hard thresholding), omp (orthogonal matching pursuit, at most maxNonZeros non-zeros) or "
        + "auto (the training method's: encoder for pudle, lasso for altmin, iht for noodl)",
        ParamCheck.choice(who, "coding", CODINGS)));
    numLayers = add(new IntParam(owner, "numLayers", "T: the unfolded ISTA layers of the encoder",
        mirror("numLayers", ParamCheck.atLeast(1), "at least 1 layer (T)")));
    alpha = add(new DoubleParam(owner, "alpha", "the ISTA step; fit checks alpha < 2 / sigma_max(D0)^2 on the "
        + "initial dictionary", mirror("alpha", ParamCheck.positive(), "a positive ISTA step")));
    lambda = add(new DoubleParam(owner, "lambda", "the lasso weight lambda",
        mirror("lambda", ParamCheck.positive(), "a positive lasso weight")));
    threshold = add(new Param<>(owner, "threshold", "the encoder's proximal step: soft (sign(v) max(|v| - alpha "
        + "lambda_t, 0)) or hard (v 1{|v| >= b_t})", mirror("threshold", THRESHOLDS)));
    hardThreshold = add(new DoubleParam(owner, "hardThreshold", "b of the hard threshold",
        mirror("hardThreshold", ParamCheck.positive(), "a positive b")));
    lambdaDecay = add(new DoubleParam(owner, "lambdaDecay", "beta of lambda_t = lambda beta^t and b_t = b beta^t "
        + "across the layers (1: no decay); a fitted model holds the value of the last update",
        mirror("lambdaDecay", ParamCheck.range(0, false, 1, true), "beta in (0, 1]")));
    lassoTol = add(new DoubleParam(owner, "lassoTol", "the KKT residual the lasso codes reach (method altmin, "
        + "coding lasso)", mirror("lassoTol")));
    lassoMaxIter = add(new IntParam(owner, "lassoMaxIter", "the FISTA iteration cap of the lasso codes",
        mirror("lassoMaxIter")));
    noodlC = add(new DoubleParam(owner, "noodlC", "iht: C, a lower bound on the code magnitudes; the IHT starts "
        + "from HT_{C/2}(D^T x)", mirror("noodlC")));
    noodlEtaX = add(new DoubleParam(owner, "noodlEtaX", "iht: the IHT step eta_x; fit checks it against the initial "
        + "dictionary as alpha", mirror("noodlEtaX")));
    noodlTau = add(new DoubleParam(owner, "noodlTau", "iht: the IHT threshold tau",
        mirror("noodlTau")));
    noodlTol = add(new DoubleParam(owner, "noodlTol", "iht: a code stops when its relative change is at most this",
        mirror("noodlTol")));
    noodlMaxIter = add(new IntParam(owner, "noodlMaxIter", "iht: the IHT iteration cap",
        mirror("noodlMaxIter")));
    maxNonZeros = add(new IntParam(owner, "maxNonZeros", "omp: K, the most non-zeros of a code (capped at min(m, p))",
        ParamCheck.atLeast(who, "maxNonZeros", 1, "at least 1 non-zero")));
    positiveCodes = add(new BooleanParam(owner, "positiveCodes", "non-negative codes: the non-negative lasso "
        + "(coding lasso, method altmin) or one-sided thresholds (coding iht, method noodl); the unfolded encoder "
        + "(coding encoder, method pudle) and omp have none"));
    kernels = add(new Param<>(owner, "kernels", "the kernel backend of the unfolded encoder (pudle's gradients and "
        + "coding encoder), as the config key kernels: auto (CUDA where an executor has a driver and a device, else "
        + "the CPU), cpu or cuda", mirror("kernels", KERNELS)));
    kernelPrecision = add(new Param<>(owner, "kernelPrecision", "the CUDA backend's precision: double or float",
        mirror("kernelPrecision", PRECISIONS)));
    cudaGemm = add(new Param<>(owner, "cudaGemm", "who multiplies the CUDA backend's dense matrices, as the config "
        + "key cuda.gemm: auto (cuBLAS where it loads, else the own kernels), cublas or own",
        mirror("cudaGemm", GEMMS)));
    kernelLayers = add(new Param<>(owner, "kernelLayers", "where the CPU backend runs the unfolded layers, as the "
        + "config key kernel.layers: auto (on the codes' supports where the cost model says it is cheaper, the same "
        + "results) or dense (every layer by GEMMs)", mirror("kernelLayers", LAYERS)));
  }

  /** How the dictionary is learned. */
  private void trainingParams() {
    section = Section.TRAINING;
    numAtoms = add(new IntParam(owner, "numAtoms", "p: the number of atoms (the columns of D, the length of the "
        + "codes)", mirror("numAtoms")));
    method = add(new Param<>(owner, "method", "pudle (Algorithm 2: backpropagation through the unfolded encoder, "
        + "Adam), altmin (Algorithm 1: exact lasso codes, D <- D - altminEta g_hat) or noodl (IHT codes, D <- D + "
        + "noodlEta mean (x - D z) sign(z)^T)", mirror("method", METHODS)));
    gradient = add(new Param<>(owner, "gradient", "pudle: the gradient, dec, ae-ls or ae-lasso",
        mirror("gradient", GRADIENTS)));
    maxIter = add(new IntParam(owner, "maxIter", "the number of dictionary updates (epochs when full batch)",
        mirror("maxIter")));
    tol = add(new DoubleParam(owner, "tol", "stop before maxIter once the objective (the summary's objectiveHistory) "
        + "changes by at most tol relative to the update before; 0: run every update",
        ParamCheck.range(who, "tol", 0, true, Double.MAX_VALUE, true, "a non-negative relative change")));
    batchSize = add(new LongParam(owner, "batchSize", "samples per update; 0: every sample (full batch)",
        mirror("batchSize")));
    validationFraction = add(new DoubleParam(owner, "validationFraction", "pudle: hold this fraction of the samples "
        + "out of the fit (seeded by seed, by sample index: the same for any partitioning); after every update the "
        + "summary reports them coded by the encoder (heldOutLassoLossHistory, heldOutRepresentationErrorHistory, "
        + "heldOutCodeNonZerosHistory); 0: none", mirror("validationFraction")));
    stepSize = add(new DoubleParam(owner, "stepSize", "pudle: Adam's learning rate",
        mirror("stepSize", ParamCheck.positive(), "a positive Adam learning rate")));
    adamBeta1 = add(new DoubleParam(owner, "adamBeta1", "pudle: Adam's beta1",
        mirror("adamBeta1", ParamCheck.range(0, true, 1, false), "a value in [0, 1)")));
    adamBeta2 = add(new DoubleParam(owner, "adamBeta2", "pudle: Adam's beta2",
        mirror("adamBeta2", ParamCheck.range(0, true, 1, false), "a value in [0, 1)")));
    adamEps = add(new DoubleParam(owner, "adamEps", "pudle: Adam's epsilon",
        mirror("adamEps", ParamCheck.range(0, true, Double.MAX_VALUE, true), "a non-negative epsilon")));
    constraint = add(new Param<>(owner, "constraint", "after each update: normalize (unit columns), project (D_j / "
        + "max(||D_j||, 1)) or none", mirror("constraint", CONSTRAINTS)));
    positiveDictionary = add(new BooleanParam(owner, "positiveDictionary", "keep D >= 0: the negative entries are set "
        + "to 0 after each update's step, before the column constraint (a projected step, for every method); the "
        + "initial dictionary is projected alike"));
    decayStep = add(new DoubleParam(owner, "decayStep", "pudle: lambdaDecay is lowered by this every decayEvery "
        + "updates (paper B.2: 0.005 every 100)", mirror("decayStep")));
    decayEvery = add(new IntParam(owner, "decayEvery", "pudle: updates between decay steps",
        mirror("decayEvery")));
    altminEta = add(new DoubleParam(owner, "altminEta", "altmin: the gradient-descent step eta",
        mirror("altminEta")));
    noodlEta = add(new DoubleParam(owner, "noodlEta", "noodl: the dictionary step eta_A",
        mirror("noodlEta")));
    seed = add(new LongParam(owner, "seed", "the seed of the mini-batches and of the initial dictionary",
        mirror("seed")));
    init = add(new Param<>(owner, "init", "the initial dictionary when initialDictionary is not set: samples "
        + "(numAtoms samples picked by the seed, scaled to unit norm) or gaussian (N(0, 1) entries, unit columns)",
        ParamCheck.choice(who, "init", INITS)));
    initialDictionary = add(new Param<>(owner, "initialDictionary", "the initial dictionary, m x numAtoms, used as "
        + "given; overrides init", ParamCheck.finiteMatrix(who, "initialDictionary")));
    blockSize = add(new IntParam(owner, "blockSize", "samples per block handed to the kernels",
        mirror("blockSize")));
    aggregationDepth = add(new IntParam(owner, "aggregationDepth", "the depth of the treeAggregate of the sums",
        mirror("aggregationDepth")));
  }

  /** The registry's check of the config key that {@code param} mirrors. */
  private <T> ParamCheck<T> mirror(String param) {
    return ParamCheck.mirror(who, param, List.of(), null, null);
  }

  /** The registry's check of a choice's config key; {@code choices} are its values, for the documentation. */
  private <T> ParamCheck<T> mirror(String param, List<String> choices) {
    return ParamCheck.mirror(who, param, choices, null, null);
  }

  /** The registry's check, then {@code extra}: what the registry leaves to the kernels' constructors. */
  private <T> ParamCheck<T> mirror(String param, ParamCheck.Test extra, String what) {
    return ParamCheck.mirror(who, param, List.of(), extra, what);
  }

  private <P extends Param<?>> P add(P p) {
    all.add(p);
    sections.add(section);
    return p;
  }

  /** Every param, in the order of the documentation. */
  List<Param<?>> all() {
    return Collections.unmodifiableList(all);
  }

  /** The section of {@code p}. */
  Section sectionOf(Param<?> p) {
    return sections.get(all.indexOf(p));
  }

  /** The validator of {@code p}, or null for the boolean params (whose type is their check). */
  static ParamCheck<?> checkOf(Param<?> p) {
    return p.isValid() instanceof ParamCheck ? (ParamCheck<?>) p.isValid() : null;
  }

  /** Sets the defaults of {@code ps}, whose params these are. */
  @SuppressWarnings("unchecked")
  void setDefaults(Params ps) {
    ps.setDefault(inputCol, "features");
    ps.setDefault(outputCol, "codes");
    ps.setDefault(reconstructionCol, "");
    ps.setDefault(reconstructionErrorCol, "");
    ps.setDefault(idCol, "");
    ps.setDefault(handleInvalid, "error");
    ps.setDefault(normalize, InputSettings.NORMALIZE.defaultValue().key());
    ps.setDefault(coding, "auto");
    ps.setDefault(maxNonZeros, 5);
    ps.setDefault(positiveCodes, false);
    ps.setDefault(tol, 0.0);
    ps.setDefault(positiveDictionary, false);
    ps.setDefault(init, "samples");
    for (SparkMlParams.Mirror m : SparkMlParams.MIRRORS) {
      ps.setDefault((Param<Object>) ps.getParam(m.param()), m.defaultValue());
    }
    for (Param<?> p : all) {
      if (p != initialDictionary && !ps.hasDefault(p)) {
        throw new IllegalStateException(who + " param " + p.name() + " has no default");
      }
    }
  }

  /** The owner, for messages. */
  String who() {
    return who;
  }

  Identifiable owner() {
    return owner;
  }
}
