package org.pudle.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.junit.jupiter.api.Test;
import org.pudle.spark.ml.PudleDictionaryLearning;
import org.pudle.spark.ml.PudleModel;

/** The Spark ML params that mirror a config key default to the key's default, of the param's type. */
class SparkMlParamsTest {

  @Test
  void theEstimatorAndTheModelTakeTheRegistrysDefaults() {
    PudleDictionaryLearning estimator = new PudleDictionaryLearning();
    PudleModel model = new PudleModel(new DenseMatrix(2, 3, new double[6]));
    for (SparkMlParams.Mirror m : SparkMlParams.MIRRORS) {
      assertTrue(estimator.hasParam(m.param()), m.param());
      check(estimator, m);
      // the model carries every param of the estimator; its numAtoms is its dictionary's
      assertTrue(model.hasParam(m.param()), m.param());
      if (!m.param().equals("numAtoms")) {
        check(model, m);
      }
    }
    assertEquals(3, model.getNumAtoms());
    // the values the estimator had before they came from the registry
    Map<String, Object> before = Map.ofEntries(Map.entry("numAtoms", 100), Map.entry("seed", 1L),
        Map.entry("numLayers", 200), Map.entry("alpha", 0.2), Map.entry("lambda", 0.2), Map.entry("threshold", "soft"),
        Map.entry("hardThreshold", 0.1), Map.entry("lambdaDecay", 1.0), Map.entry("gradient", "ae-ls"),
        Map.entry("maxIter", 100), Map.entry("batchSize", 0L), Map.entry("validationFraction", 0.0), Map.entry("stepSize", 1e-3), Map.entry("adamEps", 1e-8),
        Map.entry("adamBeta1", 0.9), Map.entry("adamBeta2", 0.999), Map.entry("constraint", "normalize"),
        Map.entry("decayStep", 0.0), Map.entry("decayEvery", 100), Map.entry("method", "pudle"),
        Map.entry("altminEta", 1.0), Map.entry("lassoTol", 1e-11), Map.entry("lassoMaxIter", 20000),
        Map.entry("noodlEta", 1.0), Map.entry("noodlEtaX", 0.2), Map.entry("noodlTau", 0.1), Map.entry("noodlC", 1.0),
        Map.entry("noodlTol", 1e-12), Map.entry("noodlMaxIter", 5000), Map.entry("blockSize", 1024),
        Map.entry("aggregationDepth", 2), Map.entry("kernels", "auto"), Map.entry("kernelPrecision", "double"),
        Map.entry("cudaGemm", "auto"), Map.entry("kernelLayers", "auto"));
    assertEquals(before.size(), SparkMlParams.MIRRORS.size());
    for (var e : before.entrySet()) {
      assertEquals(e.getValue(), estimator.getOrDefault(estimator.getParam(e.getKey())), e.getKey());
    }
    assertEquals("samples", estimator.getOrDefault(estimator.getParam("init")), "an estimator's own default");
  }

  private static void check(Params ps, SparkMlParams.Mirror m) {
    Param<Object> p = ps.getParam(m.param());
    Object v = ps.getOrDefault(p);
    assertEquals(m.defaultValue(), v, m.param());
    Class<?> type = p instanceof IntParam ? Integer.class : p instanceof LongParam ? Long.class
        : p instanceof DoubleParam ? Double.class : String.class;
    assertEquals(type, v.getClass(), m.param() + " holds a value of its type");
  }
}
