package org.pudle.spark.ml;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.pudle.kernels.Adam;
import org.pudle.kernels.Dictionaries.ColumnConstraint;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.cuda.Precision;
import org.pudle.kernels.linalg.Norms;
import org.pudle.spark.agg.KernelProbe;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.ExecutionParams;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.config.Method;
import org.pudle.spark.config.MethodParams;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.train.DictionaryTrainer;
import org.pudle.spark.train.InitialDictionary;
import org.pudle.spark.train.Learning;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import scala.Tuple2;

/**
 * Dictionary learning as a Spark ML {@link Estimator}: learns a dictionary D (m x numAtoms) from
 * the samples of a vector or array column by PUDLE (backpropagation through the unfolded ISTA
 * encoder, Adam) or a baseline (Algorithm 1's alternating minimization, NOODL), and returns a
 * {@link PudleModel} that adds sparse codes to a dataset.
 *
 * <p>{@link #fit} drives the same trainer as {@code pudle train} ({@link Learning}: the method's
 * distributed oracle over a cached RDD of sample blocks, the optimizer on the driver, the column
 * constraint): the same data, seed and settings give the same dictionary. Sample {@code i} is the
 * i-th row of the dataset in its order; mini-batches are chosen by (seed, update, i), so they do
 * not depend on the partitioning. Repartition the dataset first to spread the work over more
 * tasks.
 *
 * <p>The initial dictionary is {@code initialDictionary} when set, otherwise {@code numAtoms}
 * samples picked by the seed and scaled to unit norm ({@code init = samples}) or a Gaussian
 * matrix with unit columns ({@code init = gaussian}).
 */
public final class PudleDictionaryLearning extends Estimator<PudleModel>
    implements CodingParams.Owner, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PudleDictionaryLearning.class);

  private final String uid;
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

  private final IntParam numAtoms;
  private final Param<String> method;
  private final Param<String> gradient;
  private final IntParam maxIter;
  private final LongParam batchSize;
  private final DoubleParam stepSize;
  private final DoubleParam adamBeta1;
  private final DoubleParam adamBeta2;
  private final DoubleParam adamEps;
  private final Param<String> constraint;
  private final DoubleParam decayStep;
  private final IntParam decayEvery;
  private final DoubleParam altminEta;
  private final DoubleParam noodlEta;
  private final LongParam seed;
  private final Param<String> init;
  private final Param<Matrix> initialDictionary;
  private final IntParam blockSize;
  private final Param<String> kernels;
  private final Param<String> kernelPrecision;
  private final IntParam aggregationDepth;

  public PudleDictionaryLearning(String uid) {
    this.uid = uid;
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

    numAtoms = new IntParam(this, "numAtoms", "p: the number of atoms (columns of D; the length of the codes), >= 1",
        ParamValidators.gtEq(1));
    method = new Param<>(this, "method", "pudle (Algorithm 2: backpropagation through the unfolded encoder, Adam), "
        + "altmin (Algorithm 1: exact lasso codes, D <- D - altminEta g_hat) or noodl (IHT codes, "
        + "D <- D + noodlEta mean (x - D z) sign(z)^T)", ParamValidators.inArray(List.of("pudle", "altmin", "noodl")));
    gradient = new Param<>(this, "gradient", "pudle: the gradient, dec, ae-ls or ae-lasso",
        ParamValidators.inArray(List.of("dec", "ae-ls", "ae-lasso")));
    maxIter = new IntParam(this, "maxIter", "the number of dictionary updates (epochs when full batch), >= 0",
        ParamValidators.gtEq(0));
    batchSize = new LongParam(this, "batchSize", "samples per update; 0 = every sample (full batch)",
        ParamValidators.gtEq(0));
    stepSize = new DoubleParam(this, "stepSize", "pudle: Adam's learning rate (> 0)", CodingParams.positive());
    adamBeta1 = new DoubleParam(this, "adamBeta1", "pudle: Adam's beta1 in [0, 1)", ParamValidators.inRange(0, 1, true,
        false));
    adamBeta2 = new DoubleParam(this, "adamBeta2", "pudle: Adam's beta2 in [0, 1)", ParamValidators.inRange(0, 1, true,
        false));
    adamEps = new DoubleParam(this, "adamEps", "pudle: Adam's epsilon (>= 0)",
        ParamValidators.inRange(0, Double.MAX_VALUE, true, true));
    constraint = new Param<>(this, "constraint", "after each update: normalize (unit columns), project "
        + "(D_j / max(||D_j||, 1)) or none", ParamValidators.inArray(List.of("normalize", "project", "none")));
    decayStep = new DoubleParam(this, "decayStep", "pudle: lambdaDecay is lowered by this every decayEvery updates, "
        + "in [0, 1) (paper B.2: 0.005 every 100)", ParamValidators.inRange(0, 1, true, false));
    decayEvery = new IntParam(this, "decayEvery", "pudle: updates between decay steps, >= 1", ParamValidators.gtEq(1));
    altminEta = new DoubleParam(this, "altminEta", "altmin: the gradient-descent step eta (> 0)",
        CodingParams.positive());
    noodlEta = new DoubleParam(this, "noodlEta", "noodl: the dictionary step eta_A (> 0)", CodingParams.positive());
    seed = new LongParam(this, "seed", "the seed of the mini-batches and of the initial dictionary");
    init = new Param<>(this, "init", "the initial dictionary when initialDictionary is not set: samples (numAtoms "
        + "samples picked by the seed, scaled to unit norm) or gaussian (N(0, 1) entries, unit columns)",
        ParamValidators.inArray(List.of("samples", "gaussian")));
    initialDictionary = new Param<>(this, "initialDictionary",
        "the initial dictionary, m x numAtoms (used as given); overrides init");
    blockSize = new IntParam(this, "blockSize", "samples per block handed to the kernels, >= 1",
        ParamValidators.gtEq(1));
    kernels = CodingParams.kernels(this);
    kernelPrecision = CodingParams.kernelPrecision(this);
    aggregationDepth = new IntParam(this, "aggregationDepth", "the depth of the treeAggregate of the sums, >= 1",
        ParamValidators.gtEq(1));

    // the params that mirror a config key default to the key's default (the registry's)
    CodingParams.setDefaults(this, this);
    setDefault(init, "samples");
  }

  public PudleDictionaryLearning() {
    this(Identifiable$.MODULE$.randomUID("pudleDL"));
  }

  @Override
  public String uid() {
    return uid;
  }

  // ---- param accessors (Spark ML finds the params through these public methods)

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

  public IntParam numAtoms() {
    return numAtoms;
  }

  public Param<String> method() {
    return method;
  }

  public Param<String> gradient() {
    return gradient;
  }

  public IntParam maxIter() {
    return maxIter;
  }

  public LongParam batchSize() {
    return batchSize;
  }

  public DoubleParam stepSize() {
    return stepSize;
  }

  public DoubleParam adamBeta1() {
    return adamBeta1;
  }

  public DoubleParam adamBeta2() {
    return adamBeta2;
  }

  public DoubleParam adamEps() {
    return adamEps;
  }

  public Param<String> constraint() {
    return constraint;
  }

  public DoubleParam decayStep() {
    return decayStep;
  }

  public IntParam decayEvery() {
    return decayEvery;
  }

  public DoubleParam altminEta() {
    return altminEta;
  }

  public DoubleParam noodlEta() {
    return noodlEta;
  }

  public LongParam seed() {
    return seed;
  }

  public Param<String> init() {
    return init;
  }

  public Param<Matrix> initialDictionary() {
    return initialDictionary;
  }

  public IntParam blockSize() {
    return blockSize;
  }

  public IntParam aggregationDepth() {
    return aggregationDepth;
  }

  // ---- setters: each checks its value and says what is expected

  private PudleDictionaryLearning checked(String name, boolean ok, String expected, Object value) {
    if (!ok) {
      throw new IllegalArgumentException("PudleDictionaryLearning param " + name + ": expected " + expected + ", got "
          + value);
    }
    return this;
  }

  private PudleDictionaryLearning choice(Param<String> p, List<String> allowed, String value) {
    String v = value == null ? null : CodingParams.lower(value.trim());
    checked(p.name(), v != null && allowed.contains(v), "one of " + String.join(", ", allowed), "'" + value + "'");
    set(p, v);
    return this;
  }

  private static boolean positiveFinite(double v) {
    return v > 0 && v <= Double.MAX_VALUE;
  }

  public PudleDictionaryLearning setInputCol(String value) {
    set(inputCol, value);
    return this;
  }

  public PudleDictionaryLearning setOutputCol(String value) {
    set(outputCol, value);
    return this;
  }

  public PudleDictionaryLearning setNumAtoms(int value) {
    checked("numAtoms", value >= 1, "at least 1 atom", value);
    set(numAtoms, value);
    return this;
  }

  public PudleDictionaryLearning setMethod(String value) {
    return choice(method, List.of("pudle", "altmin", "noodl"), value);
  }

  public PudleDictionaryLearning setGradient(String value) {
    return choice(gradient, List.of("dec", "ae-ls", "ae-lasso"), value);
  }

  public PudleDictionaryLearning setCoding(String value) {
    return choice(coding, CodingParams.CODINGS, value);
  }

  public PudleDictionaryLearning setNumLayers(int value) {
    checked("numLayers", value >= 1, "at least 1 layer (T)", value);
    set(numLayers, value);
    return this;
  }

  public PudleDictionaryLearning setAlpha(double value) {
    checked("alpha", positiveFinite(value), "a positive ISTA step", value);
    set(alpha, value);
    return this;
  }

  public PudleDictionaryLearning setLambda(double value) {
    checked("lambda", positiveFinite(value), "a positive lasso weight", value);
    set(lambda, value);
    return this;
  }

  public PudleDictionaryLearning setThreshold(String value) {
    return choice(threshold, CodingParams.THRESHOLDS, value);
  }

  public PudleDictionaryLearning setHardThreshold(double value) {
    checked("hardThreshold", positiveFinite(value), "a positive b", value);
    set(hardThreshold, value);
    return this;
  }

  public PudleDictionaryLearning setLambdaDecay(double value) {
    checked("lambdaDecay", value > 0 && value <= 1, "beta in (0, 1]", value);
    set(lambdaDecay, value);
    return this;
  }

  public PudleDictionaryLearning setDecayStep(double value) {
    checked("decayStep", value >= 0 && value < 1, "a step in [0, 1)", value);
    set(decayStep, value);
    return this;
  }

  public PudleDictionaryLearning setDecayEvery(int value) {
    checked("decayEvery", value >= 1, "a positive number of updates", value);
    set(decayEvery, value);
    return this;
  }

  public PudleDictionaryLearning setMaxIter(int value) {
    checked("maxIter", value >= 0, "a non-negative number of updates", value);
    set(maxIter, value);
    return this;
  }

  public PudleDictionaryLearning setBatchSize(long value) {
    checked("batchSize", value >= 0, "0 (full batch) or a positive number of samples", value);
    set(batchSize, value);
    return this;
  }

  public PudleDictionaryLearning setStepSize(double value) {
    checked("stepSize", positiveFinite(value), "a positive Adam learning rate", value);
    set(stepSize, value);
    return this;
  }

  public PudleDictionaryLearning setAdamEps(double value) {
    checked("adamEps", value >= 0 && value <= Double.MAX_VALUE, "a non-negative epsilon", value);
    set(adamEps, value);
    return this;
  }

  public PudleDictionaryLearning setAdamBeta1(double value) {
    checked("adamBeta1", value >= 0 && value < 1, "a value in [0, 1)", value);
    set(adamBeta1, value);
    return this;
  }

  public PudleDictionaryLearning setAdamBeta2(double value) {
    checked("adamBeta2", value >= 0 && value < 1, "a value in [0, 1)", value);
    set(adamBeta2, value);
    return this;
  }

  public PudleDictionaryLearning setConstraint(String value) {
    return choice(constraint, List.of("normalize", "project", "none"), value);
  }

  public PudleDictionaryLearning setAltminEta(double value) {
    checked("altminEta", positiveFinite(value), "a positive step", value);
    set(altminEta, value);
    return this;
  }

  public PudleDictionaryLearning setNoodlEta(double value) {
    checked("noodlEta", positiveFinite(value), "a positive step", value);
    set(noodlEta, value);
    return this;
  }

  public PudleDictionaryLearning setNoodlEtaX(double value) {
    checked("noodlEtaX", positiveFinite(value), "a positive IHT step", value);
    set(noodlEtaX, value);
    return this;
  }

  public PudleDictionaryLearning setNoodlTau(double value) {
    checked("noodlTau", positiveFinite(value), "a positive IHT threshold", value);
    set(noodlTau, value);
    return this;
  }

  public PudleDictionaryLearning setNoodlC(double value) {
    checked("noodlC", value >= 0 && value <= Double.MAX_VALUE, "a non-negative bound", value);
    set(noodlC, value);
    return this;
  }

  public PudleDictionaryLearning setLassoTol(double value) {
    checked("lassoTol", positiveFinite(value), "a positive KKT residual", value);
    set(lassoTol, value);
    return this;
  }

  public PudleDictionaryLearning setSeed(long value) {
    set(seed, value);
    return this;
  }

  public PudleDictionaryLearning setInit(String value) {
    return choice(init, List.of("samples", "gaussian"), value);
  }

  /** The initial dictionary, m x numAtoms, used as given (the constraint applies after the first update). */
  public PudleDictionaryLearning setInitialDictionary(Matrix value) {
    checked("initialDictionary", value != null && value.numRows() >= 1 && value.numCols() >= 1, "a matrix",
        value == null ? "null" : value.numRows() + " x " + value.numCols());
    double[] v = value.toArray();
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i])) {
        throw new IllegalArgumentException("PudleDictionaryLearning param initialDictionary: entry (" + (i % value.numRows())
            + ", " + (i / value.numRows()) + ") is " + v[i]);
      }
    }
    set(initialDictionary, value);
    return this;
  }

  public PudleDictionaryLearning setBlockSize(int value) {
    checked("blockSize", value >= 1, "a positive number of samples", value);
    set(blockSize, value);
    return this;
  }

  public PudleDictionaryLearning setKernels(String value) {
    return choice(kernels, CodingParams.KERNELS, value);
  }

  public PudleDictionaryLearning setKernelPrecision(String value) {
    return choice(kernelPrecision, CodingParams.PRECISIONS, value);
  }

  @Override
  public Param<String> kernels() {
    return kernels;
  }

  @Override
  public Param<String> kernelPrecision() {
    return kernelPrecision;
  }

  public PudleDictionaryLearning setAggregationDepth(int value) {
    checked("aggregationDepth", value >= 1, "a depth of at least 1", value);
    set(aggregationDepth, value);
    return this;
  }

  private int i(IntParam p) {
    return CodingParams.getInt(this, p);
  }

  private double d(DoubleParam p) {
    return CodingParams.getDouble(this, p);
  }

  private String s(Param<String> p) {
    return getOrDefault(p);
  }

  private long l(LongParam p) {
    return (Long) getOrDefault(p);
  }

  // ---- Estimator

  @Override
  public StructType transformSchema(StructType schema) {
    CodingParams.checkInput(schema, s(inputCol), "PudleDictionaryLearning");
    return CodingParams.withOutput(schema, s(outputCol), "PudleDictionaryLearning");
  }

  /** The trainer's setup from the params; {@code batch} is the resolved batch size (0 = full). */
  Learning.Setup setup(long batch) {
    Method mt = Method.parse(s(method));
    MethodParams mp = new MethodParams(mt, d(altminEta), CodingParams.lasso(this, this), d(noodlEta),
        CodingParams.iht(this, this));
    return new Learning.Setup(mp, CodingParams.encoder(this, this, d(lambdaDecay)), GradientKind.parse(s(gradient)),
        i(maxIter), batch, new Adam(d(stepSize), d(adamBeta1), d(adamBeta2), d(adamEps)),
        ColumnConstraint.parse(s(constraint)), d(decayStep), i(decayEvery),
        new ExecutionParams(0, i(blockSize), i(aggregationDepth), UnfoldedIsta.DEFAULT_SCRATCH_BYTES, s(kernels),
            Precision.parse(s(kernelPrecision))), 1);
  }

  @Override
  public PudleModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    String col = s(inputCol);
    int p = i(numAtoms);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
    JavaRDD<Row> rows = dataset.select(col).toJavaRDD();
    List<Row> first = rows.take(1);
    if (first.isEmpty()) {
      throw new IllegalArgumentException("PudleDictionaryLearning: the dataset is empty; nothing to learn from");
    }
    if (first.get(0).isNullAt(0)) {
      throw new IllegalArgumentException("PudleDictionaryLearning: row 0 of column '" + col + "' is null");
    }
    int m = length(first.get(0).get(0));
    if (m < 1) {
      throw new IllegalArgumentException("PudleDictionaryLearning: row 0 of column '" + col + "' has no values");
    }
    int block = i(blockSize);
    JavaRDD<SampleBlock> blocks = rows.zipWithIndex().mapPartitions(it -> toBlocks(it, m, block, col))
        .persist(StorageLevel.MEMORY_AND_DISK());
    blocks.setName("pudle samples (column " + col + ")");
    try {
      long n = blocks.map(b -> (long) b.cols()).fold(0L, Long::sum);
      long batch = l(batchSize);
      if (batch > n) {
        throw new IllegalArgumentException("PudleDictionaryLearning param batchSize: a batch of " + batch
            + " is larger than the dataset's " + n + " samples");
      }
      if (batch == n) {
        batch = 0;
      }
      Learning.Setup setup = setup(batch);
      double[] d0 = initialDictionary(blocks, m, p, n);
      checkSteps(setup, d0, m, p);
      if (Method.parse(s(method)) == Method.PUDLE && !"cpu".equals(s(kernels))) {
        // kernels = cuda on an executor without a device fails here, before any update, naming the param
        try {
          for (String k : KernelProbe.resolve(sc, setup.execution().kernelsSpec(), blocks.getNumPartitions())) {
            LOG.info("PudleDictionaryLearning {}: kernels {}", uid, k);
          }
        } catch (ConfigException e) {
          throw new IllegalArgumentException("PudleDictionaryLearning param " + e.getMessage(), e);
        }
      }
      LOG.info("PudleDictionaryLearning {}: {} samples of m = {}, p = {} atoms; {}; {} updates{}", uid, n, m, p,
          setup.describe(), setup.updates(), batch == 0 ? " (full batch)" : ", batches of " + batch);
      double[] d = d0.clone();
      List<DictionaryTrainer.Update> history = new ArrayList<>();
      long[] lastLog = {System.nanoTime()};
      Learning.run(sc, blocks, m, p, n, l(seed), setup, d, null, (rec, dict) -> {
        history.add(rec);
        if (System.nanoTime() - lastLog[0] > 10_000_000_000L || rec.update() == setup.updates()) {
          lastLog[0] = System.nanoTime();
          LOG.info(String.format(Locale.ROOT, "PudleDictionaryLearning %s: update %d/%d, loss %.4e, |g| %.3e, "
              + "nnz %.2f, %.2fs/update", uid, rec.update(), setup.updates(), rec.loss(), rec.gradientNorm(),
              rec.codeNonZeros(), rec.seconds()));
        }
      });
      PudleModel model = copyValues(new PudleModel(uid, new DenseMatrix(m, p, d)), ParamMap.empty());
      if (setup.updates() > 0) {
        model.set(model.lambdaDecay(), setup.encoderAt(setup.updates() - 1).decay());
      }
      if ("auto".equals(s(coding))) {
        model.set(model.coding(), switch (setup.method().method()) {
          case ALTMIN -> "lasso";
          case NOODL -> "iht";
          default -> "encoder";
        });
      }
      return model.withSummary(history).setParent(this);
    } finally {
      blocks.unpersist(false);
    }
  }

  /**
   * ISTA (the encoder, method pudle) and IHT (method noodl) diverge for a step at or above
   * {@code 2 / sigma_max(D)^2}; check the start.
   */
  private void checkSteps(Learning.Setup setup, double[] d0, int m, int p) {
    Method mt = setup.method().method();
    if (mt == Method.ALTMIN) {
      return;
    }
    double sigma = Norms.singularValues(d0, m, p)[0];
    boolean noodl = mt == Method.NOODL;
    String name = noodl ? "noodlEtaX" : "alpha";
    String violation = IstaStep.violation(noodl ? "IHT" : "ISTA", noodl ? "eta_x" : "alpha",
        noodl ? d(noodlEtaX) : d(alpha), sigma * sigma, "the initial dictionary");
    if (violation != null) {
      throw new IllegalArgumentException("PudleDictionaryLearning param " + name + ": " + violation);
    }
  }

  /** The starting dictionary: the param, or picked samples, or Gaussian, by the seed. */
  private double[] initialDictionary(JavaRDD<SampleBlock> blocks, int m, int p, long n) {
    if (isSet(initialDictionary)) {
      Matrix given = getOrDefault(initialDictionary);
      if (given.numRows() != m || given.numCols() != p) {
        throw new IllegalArgumentException("PudleDictionaryLearning param initialDictionary: it is " + given.numRows()
            + " x " + given.numCols() + ", the data and numAtoms need m x p = " + m + " x " + p);
      }
      return given.toArray();
    }
    if ("gaussian".equals(s(init))) {
      return InitialDictionary.random(m, p, l(seed));
    }
    if (n < p) {
      throw new IllegalArgumentException("PudleDictionaryLearning param init: 'samples' needs at least numAtoms = " + p
          + " samples, the dataset has " + n + "; use init = gaussian or set initialDictionary");
    }
    return InitialDictionary.fromSamples(blocks, n, m, p, l(seed));
  }

  /** The number of values of a vector or array cell. */
  static int length(Object value) {
    if (value instanceof Vector) {
      return ((Vector) value).size();
    }
    if (value instanceof scala.collection.Seq) {
      return ((scala.collection.Seq<?>) value).length();
    }
    if (value instanceof List) {
      return ((List<?>) value).size();
    }
    throw new IllegalArgumentException("expected a vector or an array, got " + value.getClass().getName());
  }

  /**
   * Copies a vector or array cell of length m into {@code x} at {@code off}.
   *
   * @param where names the row for error messages
   */
  static void copySample(Object value, double[] x, int off, int m, String where) {
    int len = length(value);
    if (len != m) {
      throw new IllegalArgumentException(where + ": " + len + " values, expected m = " + m);
    }
    if (value instanceof Vector) {
      Vector v = (Vector) value;
      for (int i = 0; i < m; i++) {
        x[off + i] = v.apply(i);
      }
    } else if (value instanceof scala.collection.Seq) {
      scala.collection.Seq<?> s = (scala.collection.Seq<?>) value;
      for (int i = 0; i < m; i++) {
        Object e = s.apply(i);
        if (e == null) {
          throw new IllegalArgumentException(where + ": value " + i + " is null");
        }
        x[off + i] = ((Number) e).doubleValue();
      }
    } else {
      List<?> s = (List<?>) value;
      for (int i = 0; i < m; i++) {
        x[off + i] = ((Number) s.get(i)).doubleValue();
      }
    }
    for (int i = 0; i < m; i++) {
      if (!Double.isFinite(x[off + i])) {
        throw new IllegalArgumentException(where + ": value " + i + " is " + x[off + i]);
      }
    }
  }

  /** Cuts one partition's (row, index) pairs into blocks of consecutive samples. */
  private static Iterator<SampleBlock> toBlocks(Iterator<Tuple2<Row, Long>> rows, int m, int block, String col) {
    return new Iterator<>() {
      private Tuple2<Row, Long> carry;

      @Override
      public boolean hasNext() {
        return carry != null || rows.hasNext();
      }

      @Override
      public SampleBlock next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        double[] x = new double[m * block];
        int cols = 0;
        long first = -1;
        while (cols < block && (carry != null || rows.hasNext())) {
          Tuple2<Row, Long> t = carry != null ? carry : rows.next();
          carry = null;
          long index = t._2();
          if (first >= 0 && index != first + cols) {
            carry = t;
            break;
          }
          if (first < 0) {
            first = index;
          }
          String where = "PudleDictionaryLearning: row " + index + " of column '" + col + "'";
          if (t._1().isNullAt(0)) {
            throw new IllegalArgumentException(where + " is null");
          }
          copySample(t._1().get(0), x, cols * m, m, where);
          cols++;
        }
        return SampleBlock.of(first, m, cols, cols == block ? x : java.util.Arrays.copyOf(x, m * cols));
      }
    };
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
