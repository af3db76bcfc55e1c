package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.LassoGradient;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.train.GradientOracle;
import org.pudle.spark.train.LassoGradientOracle;

class LassoGradientOracleTest {

  @Test
  void distributedGHatEqualsTheSingleProcessOne() {
    int m = 10;
    int p = 18;
    long n = 41;
    SyntheticModel model = new SyntheticModel(m, p, 2, 8, SignMode.PER_SAMPLE, 0);
    SyntheticSource source = new SyntheticSource(model, n);
    double[] dTilde = source.generatingDictionary().orElseThrow();
    double[] d = model.initialDictionary(dTilde, 0.3);
    double[] x = new double[(int) (m * n)];
    model.generate(dTilde, 0, (int) n, x, 0, null, null);
    GradientSums ref = new GradientSums(m, p);
    LassoGradient.accumulate(new FistaLasso(d, m, p, 0.2, FistaLasso.Options.DEFAULT), x, 0, (int) n, ref);
    for (int partitions : new int[] {1, 3}) {
      LassoGradientOracle oracle = new LassoGradientOracle(SparkTestSupport.sc(),
          source.blocks(SparkTestSupport.sc(), partitions, 6), m, p, 0.2, FistaLasso.Options.DEFAULT, 2, n, 0, 1);
      GradientOracle.Result r = oracle.gradient(d, 0);
      assertEquals(n, r.sums().count());
      double[] a = r.sums().meanGradient();
      double[] b = ref.meanGradient();
      double num = 0;
      double den = 0;
      for (int i = 0; i < a.length; i++) {
        num += (a[i] - b[i]) * (a[i] - b[i]);
        den += b[i] * b[i];
      }
      // FISTA iterates on a block's columns together: the codes agree to the KKT tolerance
      assertTrue(Math.sqrt(num / den) <= 1e-9, partitions + " partitions: " + Math.sqrt(num / den));
      assertEquals(0, oracle.lastUnconverged());
      assertTrue(oracle.lastMaxKkt() <= FistaLasso.Options.DEFAULT.tolerance());
    }
  }
}
