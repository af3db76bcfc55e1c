package org.pudle.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.apache.spark.SparkException;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.spark.SparkTestSupport;

/**
 * The estimator in a Spark ML pipeline, {@code VectorAssembler -> StandardScaler ->
 * PudleDictionaryLearning -> KMeans}, on data with NaN rows, under each {@code handleInvalid}
 * mode, fitted, saved, loaded and checked after load.
 *
 * <p>The NaN is in a column that is assembled after the scaler (a second {@code VectorAssembler},
 * with {@code handleInvalid = keep} so that the NaN reaches the estimator): the scaler's mean and
 * standard deviation of a feature with a NaN are NaN, which would make the feature NaN in every
 * row. KMeans refuses null vectors, so with {@code keep} a filter of the null codes comes before it.
 */
class SparkMlPipelineTest {
  private static final int N = 90;
  private static final int P = 8;
  private static final List<Long> INVALID = List.of(11L, 40L, 73L);

  /** Rows (id, a..f, g): 7 values per sample from a sparse model, a..f shifted and scaled, g NaN in 3 rows. */
  private static Dataset<Row> data() {
    SplittableRandom rng = new SplittableRandom(5);
    int m = 7;
    int atoms = 10;
    double[] d = new double[m * atoms];
    for (int i = 0; i < d.length; i++) {
      d[i] = rng.nextGaussian();
    }
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < N; r++) {
      double[] x = new double[m];
      for (int k = 0; k < 2; k++) {
        int j = rng.nextInt(atoms);
        double c = (rng.nextBoolean() ? 1 : -1) * (1 + rng.nextDouble());
        for (int i = 0; i < m; i++) {
          x[i] += c * d[i + j * m];
        }
      }
      Object[] values = new Object[m + 1];
      values[0] = (long) r;
      for (int i = 0; i < 6; i++) {
        values[i + 1] = 10 + (i + 1) * x[i];
      }
      values[7] = INVALID.contains((long) r) ? Double.NaN : x[6];
      rows.add(RowFactory.create(values));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType);
    for (String c : List.of("a", "b", "c", "d", "e", "f", "g")) {
      schema = schema.add(c, DataTypes.DoubleType);
    }
    SparkTestSupport.sc();
    return SparkSession.active().createDataFrame(rows, schema).cache();
  }

  private static Pipeline pipeline(String mode) {
    List<PipelineStage> stages = new ArrayList<>(List.of(
        new VectorAssembler().setInputCols(new String[] {"a", "b", "c", "d", "e", "f"}).setOutputCol("raw"),
        new StandardScaler().setInputCol("raw").setOutputCol("scaled").setWithMean(true),
        new VectorAssembler().setInputCols(new String[] {"scaled", "g"}).setOutputCol("x").setHandleInvalid("keep"),
        new PudleDictionaryLearning().setInputCol("x").setOutputCol("codes").setIdCol("id").setHandleInvalid(mode)
            .setNumAtoms(P).setNumLayers(10).setMaxIter(4).setStepSize(1e-2).setSeed(3)
            .setReconstructionCol("xhat").setReconstructionErrorCol("err")));
    if (mode.equals("keep")) {
      stages.add(new SQLTransformer().setStatement("SELECT * FROM __THIS__ WHERE codes IS NOT NULL"));
    }
    stages.add(new KMeans().setFeaturesCol("codes").setPredictionCol("cluster").setK(3).setSeed(1).setMaxIter(5));
    return new Pipeline().setStages(stages.toArray(new PipelineStage[0]));
  }

  private static PudleModel coder(PipelineModel m) {
    return (PudleModel) m.stages()[3];
  }

  /** The output of the first four stages (through the estimator's model), by id. */
  private static Map<Long, Row> coded(PipelineModel m, Dataset<Row> data) {
    Dataset<Row> d = data;
    for (int i = 0; i < 4; i++) {
      d = ((Transformer) m.stages()[i]).transform(d);
    }
    assertEquals(P, AttributeGroup.fromStructField(d.schema().apply("codes")).size());
    Map<Long, Row> byId = new HashMap<>();
    for (Row r : d.select("id", "x", "codes", "xhat", "err").collectAsList()) {
      byId.put(r.getLong(0), r);
    }
    return byId;
  }

  @Test
  void pipelineUnderEachHandleInvalidMode(@TempDir Path dir) throws java.io.IOException {
    Dataset<Row> data = data();

    // error: the fit fails before any update, naming the first NaN row by its id
    String msg = assertThrows(IllegalArgumentException.class, () -> pipeline("error").fit(data)).getMessage();
    assertTrue(msg.contains("row id=11 of column 'x': value 6 is NaN (3 invalid rows of 90"), msg);

    Matrix skipDictionary = null;
    for (String mode : List.of("skip", "keep")) {
      PipelineModel fitted = pipeline(mode).fit(data);
      PudleModel model = coder(fitted);
      PudleTrainingSummary summary = model.summary();
      assertEquals(3, summary.numInvalidRows(), mode);
      assertEquals(N - 3, summary.numSamples(), mode);
      assertEquals(4, summary.totalIterations(), mode);
      if (skipDictionary == null) {
        skipDictionary = model.dictionary();
      } else {
        // keep leaves the same rows out of the fit as skip
        assertArrayEquals(skipDictionary.toArray(), model.dictionary().toArray(), 0.0, mode);
      }
      List<Row> out = fitted.transform(data).select("id", "codes", "cluster").collectAsList();
      assertEquals(N - 3, out.size(), mode + ": KMeans sees the rows with codes");

      String path = dir.resolve(mode).toString();
      fitted.write().save(path);
      PipelineModel loaded = PipelineModel.load(path);
      PudleModel back = coder(loaded);

      // getters and summary after load
      assertEquals(model.uid(), back.uid());
      assertArrayEquals(model.dictionary().toArray(), back.dictionary().toArray(), 0.0);
      assertEquals(mode, back.getHandleInvalid());
      assertEquals("id", back.getIdCol());
      assertEquals(P, back.getNumAtoms());
      assertEquals(4, back.getMaxIter());
      assertEquals(3L, back.getSeed());
      assertEquals(1e-2, back.getStepSize());
      assertEquals("pudle", back.getMethod());
      assertEquals("ae-ls", back.getGradient());
      assertEquals("encoder", back.getCoding());
      assertEquals("samples", back.getInit());
      assertEquals("xhat", back.getReconstructionCol());
      assertArrayEquals(summary.objectiveHistory(), back.summary().objectiveHistory(), 0.0);
      assertEquals(3, back.summary().numInvalidRows());

      // codes, reconstruction and clusters after load are those before
      Map<Long, Row> before = coded(fitted, data);
      Map<Long, Row> after = coded(loaded, data);
      assertEquals(mode.equals("keep") ? N : N - 3, after.size(), mode);
      double[] dict = back.dictionary().toArray();
      int m = back.numFeatures();
      for (Row r : after.values()) {
        long id = r.getLong(0);
        for (int c = 2; c <= 4; c++) {
          assertEquals(before.get(id).get(c), r.get(c), mode + ": row " + id + ", column " + c);
        }
        if (INVALID.contains(id)) {
          assertTrue(r.isNullAt(2) && r.isNullAt(3) && r.isNullAt(4), mode + ": null codes for row " + id);
          continue;
        }
        double[] x = ((Vector) r.get(1)).toArray();
        Vector z = (Vector) r.get(2);
        double[] xhat = ((Vector) r.get(3)).toArray();
        double err = 0;
        for (int i = 0; i < m; i++) {
          double dz = 0;
          for (int j = 0; j < P; j++) {
            dz += dict[i + j * m] * z.apply(j);
          }
          assertEquals(dz, xhat[i], 1e-12, mode + ": row " + id + ", D z entry " + i);
          err += 0.5 * (x[i] - dz) * (x[i] - dz);
        }
        assertEquals(err, r.getDouble(4), 1e-12 * Math.max(1, err), mode + ": row " + id);
      }
      Map<Long, Integer> clusters = new HashMap<>();
      for (Row r : out) {
        clusters.put(r.getLong(0), r.getInt(2));
      }
      for (Row r : loaded.transform(data).select("id", "cluster").collectAsList()) {
        assertEquals(clusters.get(r.getLong(0)), r.getInt(1), mode + ": the cluster of row " + r.getLong(0));
      }

      // the loaded model, with handleInvalid = error, names a NaN row in transform: the first of
      // the partition whose task fails first (which of the two does depends on the scheduling)
      if (mode.equals("skip")) {
        Dataset<Row> prepared = data;
        for (int i = 0; i < 3; i++) {
          prepared = ((Transformer) loaded.stages()[i]).transform(prepared);
        }
        Dataset<Row> in = prepared;
        Throwable t = assertThrows(SparkException.class,
            () -> back.copy(org.apache.spark.ml.param.ParamMap.empty()).setHandleInvalid("error").transform(in)
                .collectAsList());
        String all = "";
        for (Throwable c = t; c != null; c = c.getCause()) {
          all += c.getMessage() + "\n";
        }
        String named = all;
        assertTrue(INVALID.stream().anyMatch(id -> named.contains("row id=" + id + " of column 'x': value 6 is NaN")),
            all);
      }
    }
  }
}
