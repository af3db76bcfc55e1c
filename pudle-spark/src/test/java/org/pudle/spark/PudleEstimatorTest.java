package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.SparkException;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.IhtCoding;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.ml.PudleDictionaryLearning;
import org.pudle.spark.ml.PudleModel;
import org.pudle.spark.train.TrainJob;

/** The Spark ML estimator and model: the trainer's result, persistence, pipelines, bad params. */
class PudleEstimatorTest {
  private static final int M = 16;
  private static final int P = 24;
  private static final int N = 240;
  private static final SyntheticModel MODEL = new SyntheticModel(M, P, 2, 7, SignMode.PER_SAMPLE, 0);

  private static SparkSession spark() {
    SparkTestSupport.sc();
    return SparkSession.active();
  }

  /** The synthetic samples 0..N-1 as rows (id, x as a vector, x as an array), in order, in 2 partitions. */
  private static Dataset<Row> samples() {
    double[] x = new double[M * N];
    MODEL.generate(MODEL.dictionaryTilde(), 0, N, x, 0, null, null);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      double[] s = new double[M];
      System.arraycopy(x, i * M, s, 0, M);
      List<Double> a = new ArrayList<>();
      for (double v : s) {
        a.add(v);
      }
      rows.add(RowFactory.create((long) i, Vectors.dense(s), a));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType).add("x", SQLDataTypes.VectorType())
        .add("xa", DataTypes.createArrayType(DataTypes.DoubleType));
    return spark().createDataFrame(rows, schema).repartition(1).coalesce(1);
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
      assertEquals(10, model.summary().size());
      assertEquals(t.updates().get(9).loss(), model.summary().get(9).loss(), 1e-12 * t.updates().get(9).loss());
      if (extra.contains("hard")) {
        assertEquals(0.97, (Double) model.getOrDefault(model.lambdaDecay()), 1e-15, "the final decay of the schedule");
        assertEquals("encoder", model.getCoding());
      }
      if (extra.contains("noodl")) {
        assertEquals("iht", model.getCoding(), "auto coding follows the method");
      }
    }
  }

  @Test
  void pipelineFitSaveLoadTransformRoundTrip(@TempDir Path dir) throws IOException {
    Dataset<Row> data = samples();
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {estimator().setMaxIter(5)});
    PipelineModel fitted = pipeline.fit(data);
    PudleModel model = (PudleModel) fitted.stages()[0];
    Dataset<Row> coded = fitted.transform(data);
    assertEquals(List.of("id", "x", "xa", "z"), List.of(coded.columns()));

    String path = dir.resolve("pipeline-model").toString();
    fitted.write().overwrite().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    PudleModel back = (PudleModel) loaded.stages()[0];
    assertEquals(model.uid(), back.uid());
    assertArrayEquals(model.dictionary().toArray(), back.dictionary().toArray(), 0.0);
    assertEquals(model.getOrDefault(model.numLayers()), back.getOrDefault(back.numLayers()));
    assertEquals(model.getOrDefault(model.lambda()), back.getOrDefault(back.lambda()));
    assertEquals("encoder", back.getCoding());
    assertFalse(back.hasSummary());

    List<Row> a = coded.orderBy("id").select("id", "z").collectAsList();
    List<Row> b = loaded.transform(data).orderBy("id").select("id", "z").collectAsList();
    assertEquals(N, a.size());
    assertEquals(a, b, "the loaded pipeline codes like the fitted one");

    // the model alone, saved and loaded by its own reader
    String mpath = dir.resolve("model").toString();
    model.write().save(mpath);
    assertArrayEquals(model.dictionary().toArray(), PudleModel.load(mpath).dictionary().toArray(), 0.0);

    // the unfitted pipeline, with the estimator's params
    String ppath = dir.resolve("pipeline").toString();
    pipeline.write().save(ppath);
    PudleDictionaryLearning est = (PudleDictionaryLearning) Pipeline.load(ppath).getStages()[0];
    assertEquals(5, (Integer) est.getOrDefault(est.maxIter()));
    assertEquals(60L, (Long) est.getOrDefault(est.batchSize()));
    assertArrayEquals(d0(), est.getOrDefault(est.initialDictionary()).toArray(), 0.0);
  }

  /** transform codes each row like the kernels do, for every coding; array columns work too. */
  @Test
  void transformAddsTheKernelsCodes() {
    Dataset<Row> data = samples();
    double[] d = d0();
    PudleModel model = new PudleModel(new DenseMatrix(M, P, d)).setInputCol("xa").setOutputCol("z").setNumLayers(30);
    double[] x = new double[M * N];
    MODEL.generate(MODEL.dictionaryTilde(), 0, N, x, 0, null, null);
    EncoderParams enc = new EncoderParams(30, 0.2, 0.2, ThresholdKind.SOFT, 0.1, 1);
    double[] encoder = new double[P * N];
    new UnfoldedIstaCpu(DictionaryOperator.of(d, M, P, 0.2), enc).encode(x, 0, N, encoder, 0);
    double[] lasso = new FistaLasso(d, M, P, 0.2, FistaLasso.Options.DEFAULT).solve(x, 0, N).z();
    double[] iht = new IhtCoding(d, M, P, IhtCoding.Options.DEFAULT).solve(x, 0, N).z();
    for (String coding : List.of("encoder", "lasso", "iht")) {
      double[] expected = coding.equals("encoder") ? encoder : coding.equals("lasso") ? lasso : iht;
      List<Row> rows = model.setCoding(coding).transform(data).orderBy("id").select("id", "z").collectAsList();
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
      }
      assertTrue(nonZeros > 0 && nonZeros < N * P / 2, coding + " codes are sparse: " + nonZeros);
    }
  }

  @Test
  void invalidParamsAreRejectedWithTheirNameAndWhatIsExpected() {
    PudleDictionaryLearning e = new PudleDictionaryLearning();
    // a param's validator rejects the value when it is set
    assertMessage(IllegalArgumentException.class, () -> e.setNumLayers(0), "numLayers", "at least 1");
    assertMessage(IllegalArgumentException.class, () -> e.setThreshold("medium"), "threshold", "soft, hard");
    assertMessage(IllegalArgumentException.class, () -> e.setMethod("ksvd"), "method", "pudle, altmin, noodl");
    assertMessage(IllegalArgumentException.class, () -> e.setLambdaDecay(1.5), "lambdaDecay", "(0, 1]");
    assertMessage(IllegalArgumentException.class, () -> e.setStepSize(Double.NaN), "stepSize", "positive");
    assertMessage(IllegalArgumentException.class, () -> e.setBatchSize(-1), "batchSize", "0 (full batch)");
    assertMessage(IllegalArgumentException.class, () -> e.setKernels("tpu"), "kernels", "auto, cpu, cuda");
    assertMessage(IllegalArgumentException.class, () -> e.setKernelPrecision("half"), "kernelPrecision",
        "double, float");
    assertMessage(IllegalArgumentException.class,
        () -> e.setInitialDictionary(new DenseMatrix(2, 2, new double[] {1, 0, Double.NaN, 1})), "initialDictionary",
        "entry (0, 1) is NaN");

    // what needs the data is checked by fit on the driver, before any update
    Dataset<Row> data = samples();
    assertMessage(IllegalArgumentException.class, () -> estimator().setInputCol("id").fit(data), "input column 'id'",
        "vector or an array");
    assertMessage(IllegalArgumentException.class, () -> estimator().setInputCol("y").fit(data),
        "input column 'y' is not in the dataset", "x, xa");
    assertMessage(IllegalArgumentException.class, () -> estimator().setOutputCol("x").fit(data),
        "output column 'x' already exists", "setOutputCol");
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
    // a row of another length is found by a task: the driver gets the task's exception in a SparkException
    Throwable t = assertThrows(SparkException.class, () -> new PudleModel(new DenseMatrix(M - 1, P,
        new double[(M - 1) * P])).setInputCol("x").setOutputCol("z").transform(data).collectAsList());
    String messages = "";
    for (Throwable c = t; c != null; c = c.getCause()) {
      messages += c.getMessage() + "\n";
    }
    assertTrue(messages.contains("16 values") && messages.contains("expected m = 15"), messages);
  }

  @Test
  void sparkMlPageDocumentsEveryParam() throws IOException {
    String page = java.nio.file.Files.readString(Path.of("..", "docs", "spark-ml.md"));
    for (var p : new PudleDictionaryLearning().params()) {
      assertTrue(page.contains("`" + p.name() + "`"), "docs/spark-ml.md does not document the param " + p.name());
    }
  }

  private static void assertMessage(Class<? extends Throwable> type, Runnable r, String... parts) {
    String msg = assertThrows(type, r::run).getMessage();
    for (String part : parts) {
      assertTrue(msg != null && msg.contains(part), "message should contain '" + part + "': " + msg);
    }
  }
}
