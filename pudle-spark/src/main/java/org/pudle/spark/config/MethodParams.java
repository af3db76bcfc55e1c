package org.pudle.spark.config;

import java.util.List;

import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.IhtCoding;
import org.pudle.spark.train.Method;

/**
 * Which learning method a run uses, and the settings of the two baselines
 * (docs/math.md#learning-algorithms, docs/math.md#noodl).
 * PUDLE's own settings (gradient, threshold, decay, Adam) stay in {@link TrainParams}.
 *
 * @param altminEta the gradient-descent step of Algorithm 1, {@code D <- D - eta g_hat}
 * @param lasso     the lasso solver of Algorithm 1 (its lambda is the config's {@code lambda})
 * @param noodlEta  NOODL's dictionary step {@code eta_A}
 * @param iht       NOODL's coding
 */
public record MethodParams(Method method, double altminEta, FistaLasso.Options lasso, double noodlEta,
    IhtCoding.Options iht) {

  public static final List<KeyDoc> KEYS = List.of(
      new KeyDoc("method", "pudle", "pudle (Algorithm 2, Adam), altmin (Algorithm 1: exact lasso codes, gradient descent) "
          + "or noodl (IHT codes, sign update)"),
      new KeyDoc("altmin.eta", "1", "altmin: step eta of D <- D - eta g_hat"),
      new KeyDoc("lasso.tolerance", "1e-11", "altmin: KKT residual the lasso codes must reach"),
      new KeyDoc("lasso.max.iterations", "20000", "altmin: FISTA iteration cap (codes above the tolerance are counted and logged)"),
      new KeyDoc("noodl.eta", "1", "noodl: step eta_A of D <- D + eta_A mean (x - D z) sign(z)^T"),
      new KeyDoc("noodl.eta.x", "0.2", "noodl: IHT step eta_x"),
      new KeyDoc("noodl.tau", "0.1", "noodl: IHT threshold tau"),
      new KeyDoc("noodl.c", "1", "noodl: lower bound C of the code magnitudes; the initial code is HT_{C/2}(D^T x)"),
      new KeyDoc("noodl.tolerance", "1e-12", "noodl: a code stops when its relative change is below this"),
      new KeyDoc("noodl.max.iterations", "5000", "noodl: IHT iteration cap (codes still moving are counted and logged)"));

  /** The defaults: PUDLE, with the baselines' defaults for when they are chosen. */
  public static final MethodParams DEFAULT = new MethodParams(Method.PUDLE, 1, FistaLasso.Options.DEFAULT, 1,
      IhtCoding.Options.DEFAULT);

  public static MethodParams from(Config c) {
    Method method = c.parse("method", Method.PUDLE, Method::parse, "pudle, altmin or noodl");
    double altminEta = c.real("altmin.eta", 1);
    double lassoTol = c.real("lasso.tolerance", FistaLasso.Options.DEFAULT.tolerance());
    int lassoMax = c.integer("lasso.max.iterations", FistaLasso.Options.DEFAULT.maxIterations());
    double noodlEta = c.real("noodl.eta", 1);
    IhtCoding.Options d = IhtCoding.Options.DEFAULT;
    double etaX = c.real("noodl.eta.x", d.etaX());
    double tau = c.real("noodl.tau", d.tau());
    double bound = c.real("noodl.c", d.c());
    double ihtTol = c.real("noodl.tolerance", d.tolerance());
    int ihtMax = c.integer("noodl.max.iterations", d.maxIterations());
    if (!(altminEta > 0) || Double.isInfinite(altminEta)) {
      throw c.error("altmin.eta", "expected a positive step, got " + altminEta);
    }
    if (!(lassoTol > 0) || Double.isInfinite(lassoTol)) {
      throw c.error("lasso.tolerance", "expected a positive KKT residual, got " + lassoTol);
    }
    if (lassoMax < 1) {
      throw c.error("lasso.max.iterations", "expected a positive count, got " + lassoMax);
    }
    if (!(noodlEta > 0) || Double.isInfinite(noodlEta)) {
      throw c.error("noodl.eta", "expected a positive step, got " + noodlEta);
    }
    if (!(etaX > 0) || Double.isInfinite(etaX)) {
      throw c.error("noodl.eta.x", "expected a positive step, got " + etaX);
    }
    if (!(tau > 0) || Double.isInfinite(tau)) {
      throw c.error("noodl.tau", "expected a positive threshold, got " + tau);
    }
    if (!(bound >= 0) || Double.isInfinite(bound)) {
      throw c.error("noodl.c", "expected a non-negative bound, got " + bound);
    }
    if (!(ihtTol > 0) || Double.isInfinite(ihtTol)) {
      throw c.error("noodl.tolerance", "expected a positive relative change, got " + ihtTol);
    }
    if (ihtMax < 0) {
      throw c.error("noodl.max.iterations", "expected a non-negative count, got " + ihtMax);
    }
    FistaLasso.Options lasso = new FistaLasso.Options(lassoTol, lassoMax, FistaLasso.Options.DEFAULT.checkEvery(),
        FistaLasso.Options.DEFAULT.polishBelow());
    return new MethodParams(method, altminEta, lasso, noodlEta, new IhtCoding.Options(bound, etaX, tau, ihtTol, ihtMax));
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
