package org.pudle.kernels;

import java.util.SplittableRandom;

import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;

/** Small seeded problems for the kernel tests. */
final class TestData {
  private TestData() {}

  static double[] gaussian(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = rng.nextGaussian();
    }
    return a;
  }

  /** A normalized random dictionary and sparse-model samples around it. */
  static Problem problem(int m, int p, int k, int n, long seed) {
    SyntheticModel model = new SyntheticModel(m, p, k, seed, SignMode.PER_SAMPLE, 0.0);
    double[] dTilde = model.dictionaryTilde();
    double[] d = model.initialDictionary(dTilde, 0.3);
    double[] x = new double[m * n];
    model.generate(dTilde, 0, n, x, 0, null, null);
    return new Problem(d, x, m, p, n);
  }

  record Problem(double[] d, double[] x, int m, int p, int n) {
    double[] column(int i) {
      double[] c = new double[m];
      System.arraycopy(x, i * m, c, 0, m);
      return c;
    }
  }

  static double relativeDifference(double[] a, double[] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) * (a[i] - b[i]);
      den += b[i] * b[i];
    }
    return Math.sqrt(num) / Math.sqrt(den);
  }
}
