package org.pudle.spark.ml;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.storage.StorageLevel;
import org.pudle.kernels.Adam;
import org.pudle.kernels.Dictionaries.ColumnConstraint;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.linalg.Norms;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.agg.KernelProbe;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.ExecutionParams;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.config.Method;
import org.pudle.spark.config.MethodParams;
import org.pudle.spark.data.HeldOut;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.train.DictionaryTrainer;
import org.pudle.spark.train.InitialDictionary;
import org.pudle.spark.train.Learning;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PudleDictionaryLearning#fit}: the rows as a {@link DatasetSource}, the checks that need
 * the data (batch size, the initial dictionary, the ISTA or IHT step, the kernels on the
 * executors), then the trainer's loop ({@link DictionaryTrainer} with the oracle and optimizer of
 * {@link Learning}), one update at a time so that {@code tol} can stop it.
 */
final class DictionaryFit {
  private static final Logger LOG = LoggerFactory.getLogger(PudleDictionaryLearning.class);

  private DictionaryFit() {}

  static PudleModel fit(PudleDictionaryLearning est, Dataset<?> dataset) {
    est.transformSchema(dataset.schema());
    CodingParams.checkPositiveCodes(est, true);
    String uid = est.uid();
    int p = est.getNumAtoms();
    int knownM = Schemas.inputSize(dataset.schema(), est.getInputCol());
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
    DatasetSource source = DatasetSource.open(dataset, est, knownM);
    int m = source.m();
    long n = source.count();
    if (source.invalidRows() > 0) {
      LOG.warn("PudleDictionaryLearning {}: left {} invalid rows of {} out of the fit (handleInvalid = {}); the first: "
          + "{}", uid, source.invalidRows(), source.rows(), est.getHandleInvalid(), source.firstProblem());
    }
    HeldOut split = heldOut(est, sc, n);
    JavaRDD<SampleBlock> all = source.blocks(sc, 0, est.getBlockSize());
    if (split != null) {
      all = all.persist(StorageLevel.MEMORY_AND_DISK());
      n = split.trainingCount();
    }
    JavaRDD<SampleBlock> blocks = (split == null ? all : split.training(all)).persist(StorageLevel.MEMORY_AND_DISK());
    blocks.setName("pudle samples (column " + est.getInputCol() + ")");
    JavaRDD<SampleBlock> heldOut = split == null ? null
        : split.heldOut(all).persist(StorageLevel.MEMORY_AND_DISK()).setName("pudle held-out samples (column "
            + est.getInputCol() + ")");
    try {
      long batch = est.getBatchSize();
      if (batch > n) {
        throw new IllegalArgumentException("PudleDictionaryLearning param batchSize: a batch of " + batch
            + " is larger than the dataset's " + n + " samples");
      }
      Learning.Setup setup = setup(est, batch == n ? 0 : batch);
      double[] d = initialDictionary(est, blocks, m, p, n);
      if (est.getPositiveDictionary()) {
        project(d, m, p, setup.normalize(), "the initial dictionary");
      }
      checkSteps(est, setup, d, m, p);
      if (setup.method().method() == Method.PUDLE && !"cpu".equals(est.getKernels())) {
        // kernels = cuda on an executor without a device fails here, before any update, naming the param
        try {
          for (String k : KernelProbe.resolve(sc, setup.execution().kernelsSpec(), blocks.getNumPartitions())) {
            LOG.info("PudleDictionaryLearning {}: kernels {}", uid, k);
          }
        } catch (ConfigException e) {
          throw new IllegalArgumentException("PudleDictionaryLearning param " + e.getMessage(), e);
        }
      }
      LOG.info("PudleDictionaryLearning {}: {}; p = {} atoms; {}; {} updates{}", uid, source.describe(), p,
          setup.describe(), setup.updates(), setup.batchSize() == 0 ? " (full batch)"
              : ", batches of " + setup.batchSize());
      Run run = new Run(uid, setup, objective(setup), est.getTol());
      run.train(sc, blocks, heldOut, m, p, n, est.getSeed(), d, est.getPositiveDictionary());

      PudleModel model = est.copyValues(new PudleModel(uid, new DenseMatrix(m, p, d)), ParamMap.empty());
      if (!run.history.isEmpty()) {
        model.set(model.lambdaDecay(), setup.encoderAt(run.history.size() - 1).decay());
      }
      if (est.getCoding().equals("auto")) {
        model.set(model.coding(), CodingParams.resolvedCoding(est));
      }
      model.setSummary(PudleTrainingSummary.ofUpdates(run.history, run.objective, n, source.rows(), source.invalidRows(),
          est.getMaxIter(), run.converged, split == null ? 0 : split.heldOutCount()));
      return model.setParent(est);
    } finally {
      blocks.unpersist(false);
      if (split != null) {
        heldOut.unpersist(false);
        all.unpersist(false);
      }
    }
  }

  /**
   * {@code validationFraction}: the samples held out of the fit, by the seed and the samples'
   * indices ({@link HeldOut}); null for none.
   */
  private static HeldOut heldOut(PudleDictionaryLearning est, JavaSparkContext sc, long n) {
    double f = est.getValidationFraction();
    if (f == 0) {
      return null;
    }
    if (!Method.parse(est.getMethod()).equals(Method.PUDLE)) {
      throw new IllegalArgumentException("PudleDictionaryLearning param validationFraction: the held-out samples are "
          + "coded by the encoder of method pudle; method = " + est.getMethod() + " has its own coding");
    }
    HeldOut split = HeldOut.of(sc, n, f, est.getSeed());
    if (split.heldOutCount() == 0 || split.trainingCount() == 0) {
      throw new IllegalArgumentException("PudleDictionaryLearning param validationFraction: " + f + " of the n = " + n
          + " samples holds out " + split.heldOutCount() + " and leaves " + split.trainingCount() + " for the fit; "
          + "give a fraction that leaves samples on both sides");
    }
    return split;
  }

  /** The trainer's setup from the params; {@code batch} is the batch size (0 = full). */
  static Learning.Setup setup(PudleParams ps, long batch) {
    KernelSpec kernels = CodingParams.kernelSpec(ps);
    MethodParams mp = new MethodParams(Method.parse(ps.getMethod()), ps.getAltminEta(), CodingParams.lasso(ps),
        ps.getNoodlEta(), CodingParams.iht(ps));
    return new Learning.Setup(mp, CodingParams.encoder(ps, ps.getLambdaDecay()), GradientKind.parse(ps.getGradient()),
        ps.getMaxIter(), batch, new Adam(ps.getStepSize(), ps.getAdamBeta1(), ps.getAdamBeta2(), ps.getAdamEps()),
        ColumnConstraint.parse(ps.getConstraint()), ps.getDecayStep(), ps.getDecayEvery(),
        new ExecutionParams(0, ps.getBlockSize(), ps.getAggregationDepth(), UnfoldedIsta.DEFAULT_SCRATCH_BYTES,
            kernels.backend().key(), kernels.precision(), kernels.gemm(), kernels.layers()), 1);
  }

  /**
   * The objective of the summary and of {@code tol}: the lasso loss {@code 1/2 ||x - D z||^2 +
   * lambda ||z||_1} for the methods that minimize it (altmin, pudle with gradient ae-lasso), else
   * the reconstruction loss {@code 1/2 ||x - D z||^2}.
   */
  static String objective(Learning.Setup s) {
    Method mt = s.method().method();
    return mt == Method.ALTMIN || (mt == Method.PUDLE && s.gradient() == GradientKind.AE_LASSO) ? "lassoLoss" : "loss";
  }

  /** The trainer's loop, one update at a time. */
  private static final class Run {
    final String uid;
    final Learning.Setup setup;
    final String objective;
    final double tol;
    final List<DictionaryTrainer.Update> history = new ArrayList<>();
    boolean converged;
    private boolean zeroCodesWarned;
    private long lastLog = System.nanoTime();

    Run(String uid, Learning.Setup setup, String objective, double tol) {
      this.uid = uid;
      this.setup = setup;
      this.objective = objective;
      this.tol = tol;
    }

    double value(DictionaryTrainer.Update u) {
      return objective.equals("lassoLoss") ? u.lassoLoss() : u.loss();
    }

    void train(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, JavaRDD<SampleBlock> heldOut, int m, int p, long n,
        long seed, double[] d, boolean positive) {
      Learning learning = new Learning(sc, blocks, m, p, n, seed, setup, null);
      if (heldOut != null) {
        learning.withHeldOut(heldOut);
      }
      DictionaryTrainer.Start start = DictionaryTrainer.Start.FRESH;
      long seen = 0;
      for (int u = 0; u < setup.updates(); u++) {
        try {
          learning.run(d, start, u + 1, positive ? DictionaryFit::clampNegatives : null,
              (rec, dict) -> history.add(rec));
        } catch (ArithmeticException e) {
          if (positive && e.getMessage() != null && e.getMessage().contains("cannot be normalized")) {
            throw new IllegalStateException("PudleDictionaryLearning " + uid + ": update " + (u + 1) + ": "
                + e.getMessage() + " (positiveDictionary set every entry of the column to 0)", e);
          }
          throw e;
        }
        DictionaryTrainer.Update rec = history.get(u);
        seen += rec.samples();
        start = new DictionaryTrainer.Start(u + 1, seen, rec.elapsed());
        report(rec);
        if (tol > 0 && u > 0) {
          double before = value(history.get(u - 1));
          if (Math.abs(value(rec) - before) <= tol * Math.abs(before)) {
            converged = true;
            LOG.info(String.format(Locale.ROOT, "PudleDictionaryLearning %s: the %s changed by %.3e (relative) at "
                + "update %d, at most tol = %s: stopped", uid, objective,
                Math.abs(value(rec) - before) / Math.abs(before), u + 1, tol));
            break;
          }
        }
      }
    }

    private void report(DictionaryTrainer.Update rec) {
      if (rec.codeNonZeros() == 0 && !zeroCodesWarned) {
        zeroCodesWarned = true;
        LOG.warn("PudleDictionaryLearning {}: every code of update {} is zero, so the dictionary cannot learn: {}", uid,
            rec.update(), zeroCodesHint(setup));
      }
      boolean last = rec.update() == setup.updates();
      if (System.nanoTime() - lastLog > 10_000_000_000L || last) {
        lastLog = System.nanoTime();
        LOG.info(String.format(Locale.ROOT, "PudleDictionaryLearning %s: update %d/%d, loss %.4e, |g| %.3e, nnz %.2f, "
            + "%.2fs/update", uid, rec.update(), setup.updates(), rec.loss(), rec.gradientNorm(), rec.codeNonZeros(),
            rec.seconds()));
      }
    }
  }

  /** What to lower when a threshold zeroes every code of the method. */
  static String zeroCodesHint(Learning.Setup s) {
    String how = s.method().method() == Method.NOODL ? "iht" : s.method().method() == Method.ALTMIN ? "lasso"
        : "encoder";
    return Coder.zeroCodesHint(how, s.encoder(), s.method().iht());
  }

  private static void clampNegatives(double[] d) {
    for (int i = 0; i < d.length; i++) {
      if (d[i] < 0) {
        d[i] = 0;
      }
    }
  }

  /** Projects {@code d} onto D >= 0 and the column constraint. */
  private static void project(double[] d, int m, int p, ColumnConstraint constraint, String what) {
    clampNegatives(d);
    for (int j = 0; j < p; j++) {
      if (!(Norms.frobenius(d, j * m, m) > 0) && constraint == ColumnConstraint.NORMALIZE) {
        throw new IllegalArgumentException("PudleDictionaryLearning param positiveDictionary: column " + j + " of "
            + what + " has no positive entry, so it cannot be normalized; start from non-negative atoms "
            + "(initialDictionary, or init = samples on non-negative data)");
      }
    }
    constraint.apply(d, m, p);
  }

  /**
   * ISTA (the encoder, method pudle) and IHT (method noodl) diverge for a step at or above
   * {@code 2 / sigma_max(D)^2}; check the start.
   */
  private static void checkSteps(PudleParams ps, Learning.Setup setup, double[] d0, int m, int p) {
    Method mt = setup.method().method();
    if (mt == Method.ALTMIN) {
      return;
    }
    double sigma = Norms.spectral(d0, m, p);
    boolean noodl = mt == Method.NOODL;
    String name = noodl ? "noodlEtaX" : "alpha";
    String violation = IstaStep.violation(noodl ? "IHT" : "ISTA", noodl ? "eta_x" : "alpha",
        noodl ? ps.getNoodlEtaX() : ps.getAlpha(), sigma * sigma, "the initial dictionary");
    if (violation != null) {
      throw new IllegalArgumentException("PudleDictionaryLearning param " + name + ": " + violation);
    }
  }

  /** The starting dictionary: the param, or picked samples, or Gaussian, by the seed. */
  private static double[] initialDictionary(PudleParams ps, JavaRDD<SampleBlock> blocks, int m, int p, long n) {
    Matrix given = ps.getInitialDictionary();
    if (given != null) {
      if (given.numRows() != m || given.numCols() != p) {
        throw new IllegalArgumentException("PudleDictionaryLearning param initialDictionary: it is " + given.numRows()
            + " x " + given.numCols() + ", the data and numAtoms need m x p = " + m + " x " + p);
      }
      return given.toArray();
    }
    if (ps.getInit().equals("gaussian")) {
      return InitialDictionary.random(m, p, ps.getSeed());
    }
    if (n < p) {
      throw new IllegalArgumentException("PudleDictionaryLearning param init: 'samples' needs at least numAtoms = " + p
          + " samples, the dataset has " + n + "; use init = gaussian or set initialDictionary");
    }
    return InitialDictionary.fromSamples(blocks, n, m, p, ps.getSeed());
  }
}
