package org.pudle.spark.config;

import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.IhtCoding;

/**
 * Which learning method a run uses, and the settings of the two baselines (the keys of
 * {@link MethodSettings}; docs/math.md#learning-algorithms, docs/math.md#noodl).
 * PUDLE's own settings (gradient, threshold, decay, Adam) stay in {@link TrainParams}.
 *
 * @param altminEta the gradient-descent step of Algorithm 1, {@code D <- D - eta g_hat}
 * @param lasso     the lasso solver of Algorithm 1 (its lambda is the config's {@code lambda})
 * @param noodlEta  NOODL's dictionary step {@code eta_A}
 * @param iht       NOODL's coding
 */
public record MethodParams(Method method, double altminEta, FistaLasso.Options lasso, double noodlEta,
    IhtCoding.Options iht) {

  /** Reads the keys of {@link MethodSettings}. */
  public static MethodParams from(Config c) {
    FistaLasso.Options d = FistaLasso.Options.DEFAULT;
    FistaLasso.Options lasso = new FistaLasso.Options(c.get(MethodSettings.LASSO_TOLERANCE),
        c.get(MethodSettings.LASSO_MAX_ITERATIONS), d.checkEvery(), d.polishBelow());
    IhtCoding.Options iht = new IhtCoding.Options(c.get(MethodSettings.NOODL_C), c.get(MethodSettings.NOODL_ETA_X),
        c.get(MethodSettings.NOODL_TAU), c.get(MethodSettings.NOODL_TOLERANCE),
        c.get(MethodSettings.NOODL_MAX_ITERATIONS));
    return new MethodParams(c.get(MethodSettings.METHOD), c.get(MethodSettings.ALTMIN_ETA), lasso,
        c.get(MethodSettings.NOODL_ETA), iht);
  }

  /** A one-line description for logs. */
  public String describe(String pudleDescription) {
    switch (method) {
      case ALTMIN:
        return "altmin (exact lasso codes, KKT <= " + lasso.tolerance() + "; gradient descent eta = " + altminEta + ")";
      case NOODL:
        return "noodl (IHT codes: C = " + iht.c() + ", eta_x = " + iht.etaX() + ", tau = " + iht.tau()
            + "; eta_A = " + noodlEta + ")";
      default:
        return pudleDescription;
    }
  }
}
