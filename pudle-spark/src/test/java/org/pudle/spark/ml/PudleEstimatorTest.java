package org.pudle.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import org.apache.spark.SparkException;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.IhtCoding;
import org.pudle.kernels.KernelStatistics;
import org.pudle.kernels.KernelStatistics.Counter;
import org.pudle.kernels.OrthogonalMatchingPursuit;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.SparkTestSupport;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.train.TrainJob;

/**
 * The Spark ML estimator and model: the trainer's result, invalid rows, every coding and the
 * reconstruction, early stopping, non-negativity, the summary, the .npy export, bad params.
 * The samples are made and cached once; every test reads the same cached rows.
 */
class PudleEstimatorTest {
  private static final int M = 16;
  private static final int P = 24;
  private static final int N = 240;
  private static final SyntheticModel MODEL = new SyntheticModel(M, P, 2, 7, SignMode.PER_SAMPLE, 0);
  private static Dataset<Row> samples;

  private static SparkSession spark() {
    SparkTestSupport.sc();
    return SparkSession.active();
  }

  private static double[] x() {
    double[] x = new double[M * N];
    MODEL.generate(MODEL.dictionaryTilde(), 0, N, x, 0, null, null);
    return x;
  }

  /**
   * The synthetic samples 0..N-1 as rows (id, x as a vector, x as an array), in order, in one
   * partition, cached.
   */
  private static synchronized Dataset<Row> samples() {
    if (samples == null) {
      samples = rows(i -> null, i -> null).coalesce(1).cache();
    }
    return samples;
  }

  /**
   * The samples as rows (id, x, xa) in two partitions (rows [0, 120) and [120, 240)), with the
   * cells that {@code x} and {@code xa} give in place of the sample's own (null: the sample).
   */
  private static Dataset<Row> rows(IntFunction<Object> x, IntFunction<Object> xa) {
    double[] all = x();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      double[] s = new double[M];
      System.arraycopy(all, i * M, s, 0, M);
      List<Double> a = new ArrayList<>();
      for (double v : s) {
        a.add(v);
      }
      Object xi = x.apply(i);
      Object xai = xa.apply(i);
      rows.add(RowFactory.create((long) i, xi == null ? Vectors.dense(s) : xi == NULL ? null : xi,
          xai == null ? a : xai == NULL ? null : xai));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType).add("x", SQLDataTypes.VectorType())
        .add("xa", DataTypes.createArrayType(DataTypes.DoubleType));
    return spark().createDataFrame(rows, schema);
  }

  /** A cell that is null. */
  private static final Object NULL = new Object();

  /**
   * The samples with NaN (value 3) in rows 5 and 100 and a null sample in row 17, in two
   * partitions, cached (a filter keeps the partitions, as it would not on a local relation).
   */
  private static Dataset<Row> withInvalidRows() {
    return rows(i -> {
      if (i == 17) {
        return NULL;
      }
      if (i == 5 || i == 100) {
        double[] v = new double[M];
        v[3] = Double.NaN;
        return Vectors.dense(v);
      }
      return null;
    }, i -> null).cache();
  }

  private static double[] d0() {
    return MODEL.initialDictionary(MODEL.dictionaryTilde(), 0.3);
  }

  private static PudleDictionaryLearning estimator() {
    return new PudleDictionaryLearning().setInputCol("x").setOutputCol("z").setNumAtoms(P).setNumLayers(8)
        .setMaxIter(10).setBatchSize(60).setStepSize(1e-2).setAdamEps(1e-3).setSeed(7)
        .setInitialDictionary(new DenseMatrix(M, P, d0()));
  }

  /** fit drives the trainer of `pudle train`: same data, seed and settings, same dictionary. */
  @Test
  void fitEqualsTheTrainersResult(@TempDir Path dir) throws IOException {
    for (String extra : List.of("", "method = noodl\nnoodl.eta = 0.5\n", "threshold = hard\nlambda.decay = 0.99\n"
        + "lambda.decay.step = 0.01\nlambda.decay.every = 4\n")) {
      Config c = Config.fromString("m = " + M + "\np = " + P + "\nk = 2\nn = " + N + "\nseed = 7\ninit.tau = 0.3\n"
          + "T = 8\nalpha = 0.2\nupdates = 10\nbatch.size = 60\nadam.lr = 1e-2\nadam.eps = 1e-3\npartitions = 1\n"
          + "progress.seconds = 1000\noutput = " + dir.resolve("t" + extra.hashCode()) + "\n" + extra);
      TrainParams params = TrainParams.from(c);
      TrainJob.Summary t = TrainJob.run(SparkTestSupport.sc(), params, c.values(),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      PudleDictionaryLearning est = estimator();
      if (extra.contains("noodl")) {
        // and from the array column: the same samples
        est.setMethod("noodl").setNoodlEta(0.5).setInputCol("xa");
      }
      if (extra.contains("hard")) {
        est.setThreshold("hard").setLambdaDecay(0.99).setDecayStep(0.01).setDecayEvery(4);
      }
      PudleModel model = est.fit(samples());
      double[] learned = model.dictionary().toArray();
      double num = 0;
      double den = 0;
      for (int i = 0; i < learned.length; i++) {
        num += (learned[i] - t.dictionary()[i]) * (learned[i] - t.dictionary()[i]);
        den += t.dictionary()[i] * t.dictionary()[i];
      }
      // the same blocks in the same order: equal up to the summation order of the aggregation tree
      assertTrue(Math.sqrt(num / den) <= 1e-12, "'" + extra + "': relative difference " + Math.sqrt(num / den));
      assertEquals(10, model.summary().totalIterations());
      for (int u = 0; u < 10; u++) {
        assertEquals(t.updates().get(u).loss(), model.summary().lossHistory()[u], 1e-12 * t.updates().get(u).loss());
      }
      assertEquals(N, model.summary().numSamples());
      assertEquals(0, model.summary().numInvalidRows());
      if (extra.contains("hard")) {
        assertEquals(0.97, model.getLambdaDecay(), 1e-15, "the final decay of the schedule");
        assertEquals("encoder", model.getCoding());
      }
      if (extra.contains("noodl")) {
        assertEquals("iht", model.getCoding(), "auto coding follows the method");
        assertEquals("noodl", model.getMethod(), "the model answers how it was trained");
      }
    }
  }

  /**
   * Invalid rows: error names the first by its id or position; skip and keep learn from the valid
   * rows only, exactly as a fit on the dataset without them (same partitions), bit for bit.
   */
  @Test
  void invalidRowsFailOrAreLeftOutOfTheFit() {
    Dataset<Row> bad = withInvalidRows();
    PudleDictionaryLearning est = estimator().setMaxIter(3);
    assertMessage(IllegalArgumentException.class, () -> est.copy(org.apache.spark.ml.param.ParamMap.empty())
        .setIdCol("id").fit(bad), "row id=5 of column 'x': value 3 is NaN", "3 invalid rows of 240",
        "handleInvalid = skip or keep");
    assertMessage(IllegalArgumentException.class, () -> est.fit(bad), "row 5 of column 'x'", "value 3 is NaN");

    Dataset<Row> valid = bad.where(functions.not(functions.col("id").isin(5L, 17L, 100L)));
    assertEquals(2, valid.rdd().getNumPartitions());
    PudleModel reference = estimator().setMaxIter(3).fit(valid);
    for (String mode : List.of("skip", "KEEP")) {
      PudleModel model = estimator().setMaxIter(3).setHandleInvalid(mode).fit(bad);
      assertArrayEquals(reference.dictionary().toArray(), model.dictionary().toArray(), 0.0, mode);
      assertArrayEquals(reference.summary().lossHistory(), model.summary().lossHistory(), 0.0, mode);
      assertEquals(3, model.summary().numInvalidRows());
      assertEquals(N, model.summary().numRows());
      assertEquals(N - 3, model.summary().numSamples());
      assertEquals(mode.toLowerCase(java.util.Locale.ROOT), model.getHandleInvalid());
    }
    // a row of another length is invalid too; m is the most frequent length
    Dataset<Row> shortRow = rows(i -> null, i -> i == 30 ? List.of(1.0, 2.0, 3.0) : null);
    assertMessage(IllegalArgumentException.class, () -> estimator().setInputCol("xa").setIdCol("id").fit(shortRow),
        "row id=30 of column 'xa': 3 values, expected m = 16 (the most frequent length)");
    assertMessage(IllegalArgumentException.class,
        () -> estimator().fit(samples().where(functions.col("id").lt(0L))), "the dataset is empty");
    assertMessage(IllegalArgumentException.class, () -> estimator().setHandleInvalid("skip")
        .fit(rows(i -> NULL, i -> null)),
        "no valid rows in column 'x' (240 invalid rows of 240)", "the sample is null");
  }

  /**
   * transform codes each row as the kernels do, for every coding, from a vector or an array
   * column; the reconstruction is D z and its error 1/2 ||x - D z||^2; the vector columns carry
   * their sizes.
   */
  @Test
  void transformAddsTheKernelsCodesAndTheReconstruction() {
    Dataset<Row> data = samples();
    double[] d = d0();
    PudleModel model = new PudleModel(new DenseMatrix(M, P, d)).setInputCol("xa").setOutputCol("z").setNumLayers(30)
        .setReconstructionCol("xhat").setReconstructionErrorCol("err").setMaxNonZeros(3);
    double[] x = x();
    EncoderParams enc = new EncoderParams(30, 0.2, 0.2, ThresholdKind.SOFT, 0.1, 1);
    double[] encoder = new double[P * N];
    new UnfoldedIstaCpu(DictionaryOperator.of(d, M, P, 0.2), enc).encode(x, 0, N, encoder, 0);
    double[] lasso = new FistaLasso(d, M, P, 0.2, FistaLasso.Options.DEFAULT).solve(x, 0, N).z();
    double[] iht = new IhtCoding(d, M, P, IhtCoding.Options.DEFAULT).solve(x, 0, N).z();
    double[] omp = new OrthogonalMatchingPursuit(d, M, P, 3).solve(x, 0, N);
    for (String coding : List.of("encoder", "lasso", "iht", "omp")) {
      double[] expected = switch (coding) {
        case "encoder" -> encoder;
        case "lasso" -> lasso;
        case "iht" -> iht;
        default -> omp;
      };
      Dataset<Row> out = model.setCoding(coding).transform(data);
      assertEquals(P, AttributeGroup.fromStructField(out.schema().apply("z")).size(), "the codes' size");
      assertEquals(M, AttributeGroup.fromStructField(out.schema().apply("xhat")).size(), "the reconstruction's size");
      List<Row> rows = out.select("id", "z", "xhat", "err").collectAsList();
      assertEquals(N, rows.size());
      int nonZeros = 0;
      for (Row r : rows) {
        int i = (int) r.getLong(0);
        Vector z = (Vector) r.get(1);
        assertEquals(P, z.size());
        nonZeros += z.numNonzeros();
        for (int j = 0; j < P; j++) {
          assertEquals(expected[i * P + j], z.apply(j), 1e-12, coding + ": row " + i + ", atom " + j);
        }
        // D z and 1/2 ||x - D z||^2 from the row's own code, with plain loops
        double[] xhat = ((Vector) r.get(2)).toArray();
        double err = 0;
        for (int k = 0; k < M; k++) {
          double dz = 0;
          for (int j = 0; j < P; j++) {
            dz += d[k + j * M] * z.apply(j);
          }
          assertEquals(dz, xhat[k], 1e-12, coding + ": row " + i + ", reconstruction entry " + k);
          err += 0.5 * (x[i * M + k] - dz) * (x[i * M + k] - dz);
        }
        assertEquals(err, r.getDouble(3), 1e-12 * Math.max(1, err), coding + ": row " + i + ", error");
      }
      assertTrue(nonZeros > 0 && nonZeros < N * P / 2, coding + " codes are sparse: " + nonZeros);
      if (coding.equals("omp")) {
        assertEquals(3 * N, nonZeros, "omp: maxNonZeros atoms per sample");
      }
    }
  }

  /**
   * kernelLayers (kernel.layers): fit and transform run the layers on the codes' supports by default
   * and every layer by GEMM with dense, with the same dictionary and codes to rounding.
   */
  @Test
  void kernelLayersChooseThePathNotTheResult() {
    KernelStatistics.Counts before = KernelStatistics.snapshot();
    PudleModel auto = estimator().setNumLayers(40).setMaxIter(3).setKernels("cpu").fit(samples());
    List<Row> autoCodes = auto.transform(samples()).select("id", "z").collectAsList();
    KernelStatistics.Counts autoRan = KernelStatistics.snapshot().minus(before);
    before = KernelStatistics.snapshot();
    PudleModel dense = estimator().setNumLayers(40).setMaxIter(3).setKernels("cpu").setKernelLayers("DENSE")
        .fit(samples());
    assertEquals("dense", dense.getKernelLayers(), "the model keeps the fit's kernelLayers");
    List<Row> denseCodes = dense.transform(samples()).select("id", "z").collectAsList();
    KernelStatistics.Counts denseRan = KernelStatistics.snapshot().minus(before);
    assertTrue(autoRan.forwardSupport() > 0 && autoRan.get(Counter.BACKWARD_SUPPORT) > 0, autoRan.toString());
    assertEquals(0, denseRan.forwardSupport(), denseRan.toString());
    assertEquals(0, denseRan.get(Counter.BACKWARD_SUPPORT), denseRan.toString());
    double[] a = auto.dictionary().toArray();
    double[] d = dense.dictionary().toArray();
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], d[i], 1e-10, "dictionary entry " + i);
    }
    assertEquals(N, autoCodes.size());
    for (int r = 0; r < N; r++) {
      assertEquals(autoCodes.get(r).getLong(0), denseCodes.get(r).getLong(0));
      double[] za = ((Vector) autoCodes.get(r).get(1)).toArray();
      double[] zd = ((Vector) denseCodes.get(r).get(1)).toArray();
      for (int j = 0; j < P; j++) {
        assertEquals(za[j], zd[j], 1e-10, "row " + r + ", atom " + j);
      }
    }
    assertMessage(IllegalArgumentException.class, () -> estimator().setKernelLayers("sparse"), "kernelLayers",
        "auto or dense");
  }

  /** Invalid rows at transform: error names the row, skip drops it, keep gives it nulls; counts are kept. */
  @Test
  void transformHandlesInvalidRows() {
    Dataset<Row> bad = withInvalidRows();
    PudleModel model = new PudleModel(new DenseMatrix(M, P, d0())).setInputCol("x").setNumLayers(5)
        .setReconstructionCol("xhat").setIdCol("id");
    Throwable t = assertThrows(SparkException.class, () -> model.transform(bad).collectAsList());
    assertTrue(messages(t).contains("row id=5 of column 'x': value 3 is NaN"), messages(t));
    List<Row> skipped = model.setHandleInvalid("skip").transform(bad).select("id", "codes").collectAsList();
    assertEquals(N - 3, skipped.size());
    assertEquals(3, model.invalidRowsSeen());
    // no orderBy: its range sampling would compute the partitions (and count their invalid rows) twice
    List<Row> kept = model.setHandleInvalid("keep").transform(bad).select("id", "codes", "xhat").collectAsList();
    assertEquals(N, kept.size());
    for (Row r : kept) {
      boolean invalid = List.of(5L, 17L, 100L).contains(r.getLong(0));
      assertEquals(invalid, r.isNullAt(1), "row " + r.getLong(0));
      assertEquals(invalid, r.isNullAt(2), "row " + r.getLong(0));
    }
    assertEquals(3, model.invalidRowsSeen());
    // without a vector size in the metadata, the first row's length is checked before any task
    assertMessage(IllegalArgumentException.class, () -> new PudleModel(new DenseMatrix(M - 1, P,
        new double[(M - 1) * P])).setInputCol("x").transform(samples()), "the first sample of column 'x' has 16 "
        + "values, expected m = 15");
    // with a size in the metadata, transformSchema compares it
    Dataset<Row> sized = new org.apache.spark.ml.feature.VectorSizeHint().setInputCol("x").setSize(M)
        .transform(samples());
    assertMessage(IllegalArgumentException.class, () -> new PudleModel(new DenseMatrix(M - 1, P,
        new double[(M - 1) * P])).setInputCol("x").transformSchema(sized.schema()),
        "input column 'x' holds vectors of size 16 (its ML attribute metadata), expected m = 15");
  }

  /**
   * tol stops the fit once the objective's relative change is at most tol; what it learned is
   * what a fit of that many updates learns.
   */
  @Test
  void tolStopsTheFitEarly() {
    double tol = 2e-2;
    PudleDictionaryLearning est = estimator().setBatchSize(0).setMaxIter(20).setTol(tol);
    PudleModel model = est.fit(samples());
    int u = model.summary().totalIterations();
    assertTrue(model.summary().converged() && u > 2 && u < 20, "stopped after " + u + " updates");
    double[] f = model.summary().objectiveHistory();
    assertArrayEquals(model.summary().lossHistory(), f, 0.0, "ae-ls: the objective is the loss");
    assertTrue(Math.abs(f[u - 1] - f[u - 2]) <= tol * Math.abs(f[u - 2]));
    for (int i = 1; i < u - 1; i++) {
      assertTrue(Math.abs(f[i] - f[i - 1]) > tol * Math.abs(f[i - 1]), "update " + (i + 1) + " changed by more");
    }
    PudleModel truncated = estimator().setBatchSize(0).setMaxIter(u).fit(samples());
    assertArrayEquals(truncated.dictionary().toArray(), model.dictionary().toArray(), 0.0);
    assertFalse(truncated.summary().converged());
  }

  /**
   * positiveCodes: altmin learns with non-negative lasso codes and the model codes with them;
   * positiveDictionary keeps D >= 0; the encoder has no non-negative variant.
   */
  @Test
  void positiveCodesAndDictionary() {
    PudleModel model = estimator().setMethod("altmin").setAltminEta(0.5).setMaxIter(2).setPositiveCodes(true)
        .setPositiveDictionary(true).fit(samples());
    assertEquals("lasso", model.getCoding());
    assertTrue(model.getPositiveCodes() && model.getPositiveDictionary());
    for (double v : model.dictionary().toArray()) {
      assertTrue(v >= 0, "dictionary entry " + v);
    }
    int positive = 0;
    for (Row r : model.transform(samples()).select("z").collectAsList()) {
      for (double v : ((Vector) r.get(0)).toArray()) {
        assertTrue(v >= 0, "code entry " + v);
        positive += v > 0 ? 1 : 0;
      }
    }
    assertTrue(positive > 0);
    assertMessage(IllegalArgumentException.class, () -> estimator().setPositiveCodes(true).fit(samples()),
        "param positiveCodes", "coding encoder has no non-negative variant", "coding auto follows method pudle");
    assertMessage(IllegalArgumentException.class, () -> estimator().setPositiveCodes(true).setCoding("lasso")
        .fit(samples()), "param positiveCodes: method pudle", "altmin or noodl");
    assertMessage(IllegalArgumentException.class, () -> model.copy(org.apache.spark.ml.param.ParamMap.empty())
        .setCoding("omp").transform(samples()), "coding omp has no non-negative variant");
  }

  /**
   * A model made from a dictionary and an encoder (as {@code pudle train} would write one) codes
   * with that encoder, and after save and load still does, with the same params.
   */
  @Test
  void aModelFromADictionaryAndAnEncoderSavesAndLoads(@TempDir Path dir) throws IOException {
    double[] d = d0();
    EncoderParams enc = new EncoderParams(12, 0.15, 0.1, ThresholdKind.HARD, 0.05, 0.98);
    PudleModel model = PudleModel.ofEncoder("pudleModel_train", new DenseMatrix(M, P, d), enc).setInputCol("x");
    assertEquals(enc, model.encoder());
    assertEquals("encoder", model.getCoding());
    assertFalse(model.hasSummary());
    model.write().save(dir.resolve("model").toString());
    PudleModel back = PudleModel.load(dir.resolve("model").toString());
    assertEquals("pudleModel_train", back.uid());
    assertEquals(enc, back.encoder());
    assertEquals("hard", back.getThreshold());
    assertFalse(back.hasSummary());
    double[] expected = new double[P * N];
    new UnfoldedIstaCpu(DictionaryOperator.of(d, M, P, enc.alpha()), enc).encode(x(), 0, N, expected, 0);
    for (Row r : back.transform(samples()).select("id", "codes").collectAsList()) {
      int i = (int) r.getLong(0);
      Vector z = (Vector) r.get(1);
      for (int j = 0; j < P; j++) {
        assertEquals(expected[i * P + j], z.apply(j), 1e-12, "row " + i + ", atom " + j);
      }
    }
    // as Spark's MLWriter.save: an existing path is refused, and replaced after overwrite()
    String path = dir.resolve("model").toString();
    PudleModel other = PudleModel.ofEncoder("pudleModel_other", new DenseMatrix(M, P, d0()), enc);
    assertMessage(IOException.class, () -> {
      try {
        other.write().save(path);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, "Path " + path + " already exists", "write().overwrite().save(path)");
    assertEquals("pudleModel_train", PudleModel.load(path).uid(), "the refused save left the model as it was");
    other.write().overwrite().save(path);
    assertEquals("pudleModel_other", PudleModel.load(path).uid());
  }

  /**
   * validationFraction: the held-out samples (the same rule as {@code pudle train}'s, on the row
   * indices) are left out of the fit, measured after every update, and the summary carries their
   * histories through save and load; a bad fraction names the param.
   */
  @Test
  void heldOutHistoriesSurviveSaveAndLoad(@TempDir Path dir) throws IOException {
    PudleModel model = estimator().setMaxIter(3).setValidationFraction(0.25).fit(samples());
    PudleTrainingSummary s = model.summary();
    org.pudle.spark.data.HeldOut split = org.pudle.spark.data.HeldOut.of(SparkTestSupport.sc(), N, 0.25, 7);
    assertEquals(split.heldOutCount(), s.numHeldOut());
    assertEquals(N, s.numSamples() + s.numHeldOut());
    double[] rep = s.heldOutRepresentationErrorHistory();
    assertEquals(3, rep.length);
    for (int u = 0; u < 3; u++) {
      assertTrue(rep[u] > 0 && rep[u] < 1, "update " + (u + 1) + ": " + rep[u]);
      assertTrue(s.heldOutLassoLossHistory()[u] > 0 && s.heldOutCodeNonZerosHistory()[u] > 0);
    }
    assertEquals(0.25, model.getValidationFraction(), 0);
    List<Row> history = s.history().select("heldOutRepresentationError").collectAsList();
    assertEquals(rep[2], history.get(2).getDouble(0), 0);
    model.write().save(dir.resolve("model").toString());
    PudleModel back = PudleModel.load(dir.resolve("model").toString());
    assertEquals(0.25, back.getValidationFraction(), 0);
    assertArrayEquals(rep, back.summary().heldOutRepresentationErrorHistory(), 0);
    assertArrayEquals(s.heldOutLassoLossHistory(), back.summary().heldOutLassoLossHistory(), 0);
    assertArrayEquals(s.heldOutCodeNonZerosHistory(), back.summary().heldOutCodeNonZerosHistory(), 0);
    assertEquals(s.numHeldOut(), back.summary().numHeldOut());
    // without it: NaN histories
    assertTrue(Double.isNaN(estimator().setMaxIter(1).fit(samples()).summary().heldOutRepresentationErrorHistory()[0]));
    assertMessage(IllegalArgumentException.class, () -> estimator().setValidationFraction(1.0),
        "validationFraction");
  }

  /** A model from a matrix has no summary; a fitted one keeps it through copy; the dictionary exports as .npy. */
  @Test
  void summaryAndDictionaryExport(@TempDir Path dir) throws IOException {
    PudleModel plain = new PudleModel(new DenseMatrix(M, P, d0()));
    assertFalse(plain.hasSummary());
    assertMessage(IllegalStateException.class, plain::summary, "has no training summary",
        "made from a dictionary matrix");
    PudleModel fitted = estimator().setMaxIter(3).fit(samples());
    PudleModel copy = fitted.copy(org.apache.spark.ml.param.ParamMap.empty());
    assertTrue(copy.hasSummary());
    assertArrayEquals(fitted.summary().objectiveHistory(), copy.summary().objectiveHistory(), 0.0);
    List<Row> history = fitted.summary().history().orderBy("update").collectAsList();
    assertEquals(3, history.size());
    for (int u = 0; u < 3; u++) {
      assertEquals(u + 1, history.get(u).getInt(0));
      assertEquals(fitted.summary().objectiveHistory()[u], history.get(u).getDouble(history.get(u).fieldIndex(
          "objective")), 0.0);
      assertTrue(Double.isNaN(history.get(u).getDouble(history.get(u).fieldIndex("errorSpectral"))),
          "no reference dictionary");
    }

    Path npy = dir.resolve("D.npy");
    fitted.write().dictionaryNpy(npy.toString());
    Npy.Matrix back = Npy.read(Files.newInputStream(npy), npy.toString());
    assertEquals(M, back.rows());
    assertEquals(P, back.cols());
    assertArrayEquals(fitted.dictionary().toArray(), back.columnMajor(), 0.0);
    assertMessage(IOException.class, () -> {
      try {
        plain.write().dictionaryNpy(npy.toString());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, "already exists");
    plain.write().overwrite().dictionaryNpy(npy.toString());
    assertArrayEquals(d0(), Npy.read(Files.newInputStream(npy), npy.toString()).columnMajor(), 0.0);
  }

  @Test
  void invalidParamsAreRejectedWithTheirNameAndWhatIsExpected() {
    PudleDictionaryLearning e = new PudleDictionaryLearning();
    // a param's validator rejects the value when it is set
    assertMessage(IllegalArgumentException.class, () -> e.setNumLayers(0), "numLayers", "at least 1");
    assertMessage(IllegalArgumentException.class, () -> e.setThreshold("medium"), "threshold", "soft or hard");
    assertMessage(IllegalArgumentException.class, () -> e.setMethod("ksvd"), "method", "pudle, altmin or noodl");
    assertMessage(IllegalArgumentException.class, () -> e.setLambdaDecay(1.5), "lambdaDecay", "(0, 1]");
    assertMessage(IllegalArgumentException.class, () -> e.setStepSize(Double.NaN), "stepSize", "positive");
    assertMessage(IllegalArgumentException.class, () -> e.setBatchSize(-1), "batchSize", "0 (full batch)");
    assertMessage(IllegalArgumentException.class, () -> e.setKernels("tpu"), "kernels", "auto, cpu or cuda");
    assertMessage(IllegalArgumentException.class, () -> e.setKernelPrecision("half"), "kernelPrecision",
        "double or float");
    assertMessage(IllegalArgumentException.class, () -> e.setInputCol(null), "param inputCol", "got null");
    assertMessage(IllegalArgumentException.class, () -> e.setOutputCol(""), "param outputCol", "not empty");
    assertMessage(IllegalArgumentException.class, () -> e.setHandleInvalid("drop"), "handleInvalid",
        "error, skip, keep");
    assertMessage(IllegalArgumentException.class,
        () -> e.setInitialDictionary(new DenseMatrix(2, 2, new double[] {1, 0, Double.NaN, 1})), "initialDictionary",
        "entry (0, 1) is NaN");
    assertNull(e.getInitialDictionary());

    // what needs the data is checked by fit on the driver, before any update
    Dataset<Row> data = samples();
    assertMessage(IllegalArgumentException.class, () -> estimator().setInputCol("id").fit(data), "input column 'id'",
        "vector or an array");
    assertMessage(IllegalArgumentException.class, () -> estimator().setInputCol("y").fit(data),
        "input column 'y' is not in the dataset", "x, xa");
    assertMessage(IllegalArgumentException.class, () -> estimator().setOutputCol("x").fit(data),
        "outputCol 'x' already exists", "setOutputCol");
    assertMessage(IllegalArgumentException.class, () -> estimator().setReconstructionCol("z").fit(data),
        "reconstructionCol 'z' already exists as another output column");
    assertMessage(IllegalArgumentException.class, () -> estimator().setIdCol("key").fit(data), "idCol 'key' is not "
        + "in the dataset");
    assertMessage(IllegalArgumentException.class, () -> estimator().setNumAtoms(P + 1).fit(data), "initialDictionary",
        "16 x 25");
    assertMessage(IllegalArgumentException.class, () -> estimator().setBatchSize(N + 1).fit(data), "batchSize",
        "larger than the dataset's 240");
    assertMessage(IllegalArgumentException.class, () -> estimator().setAlpha(5).fit(data), "param alpha",
        "2 / sigma_max(D)^2", "initial dictionary");
    if (!org.pudle.kernels.cuda.CudaKernels.availability().available()) {
      assertMessage(IllegalArgumentException.class, () -> estimator().setKernels("cuda").fit(data),
          "PudleDictionaryLearning param kernels: executor", "CUDA");
    }
  }

  static String messages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c.getMessage()).append('\n');
    }
    return sb.toString();
  }

  private static void assertMessage(Class<? extends Throwable> type, Runnable r, String... parts) {
    Throwable t = assertThrows(Throwable.class, r::run);
    if (t instanceof java.io.UncheckedIOException && type == IOException.class) {
      t = t.getCause();
    }
    assertTrue(type.isInstance(t), "expected " + type.getSimpleName() + ", got " + t);
    String msg = t.getMessage();
    for (String part : parts) {
      assertTrue(msg != null && msg.contains(part), "message should contain '" + part + "': " + msg);
    }
  }
}
