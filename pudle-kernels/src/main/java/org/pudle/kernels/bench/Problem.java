package org.pudle.kernels.bench;

import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;

/** Random synthetic samples around a perturbed dictionary, as in the experiments. */
public record Problem(double[] d, double[] x, int m, int p, int n) {
  public static Problem of(int m, int p, int n, long seed) {
    SyntheticModel model = new SyntheticModel(m, p, Math.max(1, Math.min(p, m / 10 + 1)), seed,
        SignMode.PER_SAMPLE, 0);
    double[] dTilde = model.dictionaryTilde();
    double[] d = model.initialDictionary(dTilde, 0.55 / Math.log(Math.max(m, 3)));
    double[] x = new double[m * n];
    model.generate(dTilde, 0, n, x, 0, null, null);
    return new Problem(d, x, m, p, n);
  }
}
