package org.pudle.spark.config;

import java.util.List;

import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.IhtCoding;

/**
 * The keys that choose the learning method and set the baselines' parameters
 * ({@link MethodParams}). The solvers' defaults are the kernels' ({@link FistaLasso.Options#DEFAULT},
 * {@link IhtCoding.Options#DEFAULT}).
 */
public final class MethodSettings {
  private MethodSettings() {}

  private static final FistaLasso.Options LASSO = FistaLasso.Options.DEFAULT;
  private static final IhtCoding.Options IHT = IhtCoding.Options.DEFAULT;

  public static final Setting<Method> METHOD = Setting.of("method", "pudle", Method::parse, "pudle, altmin or noodl")
      .format(Method::key)
      .doc("pudle (Algorithm 2, Adam), altmin (Algorithm 1: exact lasso codes, gradient descent) or noodl (IHT codes, "
          + "sign update)");
  public static final Setting<Double> ALTMIN_ETA = Setting.real("altmin.eta", "1")
      .check(v -> v > 0 && !v.isInfinite(), "a positive step")
      .doc("altmin: step eta of D <- D - eta g_hat");
  public static final Setting<Double> LASSO_TOLERANCE = Setting.real("lasso.tolerance", LASSO.tolerance())
      .check(v -> v > 0 && !v.isInfinite(), "a positive KKT residual")
      .doc("altmin: KKT residual the lasso codes must reach");
  public static final Setting<Integer> LASSO_MAX_ITERATIONS = Setting.integer("lasso.max.iterations",
      String.valueOf(LASSO.maxIterations()))
      .check(v -> v >= 1, "a positive count")
      .doc("altmin: FISTA iteration cap (codes above the tolerance are counted and logged)");
  public static final Setting<Double> NOODL_ETA = Setting.real("noodl.eta", "1")
      .check(v -> v > 0 && !v.isInfinite(), "a positive step")
      .doc("noodl: step eta_A of D <- D + eta_A mean (x - D z) sign(z)^T");
  public static final Setting<Double> NOODL_ETA_X = Setting.real("noodl.eta.x", IHT.etaX())
      .check(v -> v > 0 && !v.isInfinite(), "a positive step")
      .doc("noodl: IHT step eta_x");
  public static final Setting<Double> NOODL_TAU = Setting.real("noodl.tau", IHT.tau())
      .check(v -> v > 0 && !v.isInfinite(), "a positive threshold")
      .doc("noodl: IHT threshold tau");
  public static final Setting<Double> NOODL_C = Setting.real("noodl.c", IHT.c())
      .check(v -> v >= 0 && !v.isInfinite(), "a non-negative bound")
      .doc("noodl: lower bound C of the code magnitudes; the initial code is HT_{C/2}(D^T x)");
  public static final Setting<Double> NOODL_TOLERANCE = Setting.real("noodl.tolerance", IHT.tolerance())
      .check(v -> v > 0 && !v.isInfinite(), "a positive relative change")
      .doc("noodl: a code stops when its relative change is below this");
  public static final Setting<Integer> NOODL_MAX_ITERATIONS = Setting.integer("noodl.max.iterations",
      String.valueOf(IHT.maxIterations()))
      .check(v -> v >= 0, "a non-negative count")
      .doc("noodl: IHT iteration cap (codes still moving are counted and logged)");

  public static final List<Setting<?>> ALL = List.of(METHOD, ALTMIN_ETA, LASSO_TOLERANCE, LASSO_MAX_ITERATIONS,
      NOODL_ETA, NOODL_ETA_X, NOODL_TAU, NOODL_C, NOODL_TOLERANCE, NOODL_MAX_ITERATIONS);
}
