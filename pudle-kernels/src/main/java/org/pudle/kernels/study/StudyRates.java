package org.pudle.kernels.study;

import java.util.ArrayList;
import java.util.List;

import org.pudle.kernels.GradientKind;
import org.pudle.kernels.study.DepthStudySums.Reference;
import org.pudle.kernels.study.StudyEstimates.Norm;
import org.pudle.kernels.study.StudyEstimates.Row;

/**
 * The fitted linear rates of a study's curves (docs/study/README.md): the least-squares slope of
 * {@code log(error)} against the depth t, over the depths where at least {@link #SUPPORT_FOUND} of
 * the samples have found the support of {@code z_hat} (where the local linear convergence of
 * ISTA holds), as a factor per layer {@code rho = exp(slope)}. The mean error is held up by the
 * slowest samples, so the fitted rate of a mean is slower than that of a typical sample.
 */
public final class StudyRates {
  /** The fraction of samples with {@code supp(z_t) = supp(z_hat)} from which a curve counts as settled. */
  public static final double SUPPORT_FOUND = 0.95;

  private StudyRates() {}

  /**
   * A fitted rate.
   *
   * @param rho    the factor per layer, {@code exp(slope)}; NaN with fewer than two depths
   * @param first  the first depth of the fit (NaN without a fit)
   * @param last   the last depth of the fit (NaN without a fit)
   * @param depths the depths that entered the fit
   */
  public record Rate(double rho, double first, double last, int depths) {}

  /** The rate of the mean code error {@code ||z_t - z_hat||_2}. */
  public static Rate codeError(List<Row> rows) {
    return fit(rows, GradientKind.DEC, r -> r.codeError());
  }

  /** The rate of the error of {@code kind}'s mean gradient to the reference {@code ref}, in {@code norm}. */
  public static Rate gradientError(List<Row> rows, GradientKind kind, Reference ref, Norm norm) {
    return fit(rows, kind, r -> r.error(ref, norm));
  }

  /** The rate of the RMS Jacobian error {@code ||J_t - J_hat||_F} (Theorem 3.2). */
  public static Rate jacobianError(List<Row> rows) {
    return fit(rows, GradientKind.DEC, r -> r.jacobianError());
  }

  private interface Curve {
    double at(Row r);
  }

  /** The fit over the rows of {@code kind}: positive finite values at settled depths, in row order. */
  private static Rate fit(List<Row> rows, GradientKind kind, Curve curve) {
    List<double[]> pts = new ArrayList<>();
    for (Row r : rows) {
      if (r.kind() != kind || r.supportFound() < SUPPORT_FOUND) {
        continue;
      }
      double y = curve.at(r);
      if (y > 0 && Double.isFinite(y)) {
        pts.add(new double[] {r.t(), Math.log(y)});
      }
    }
    if (pts.size() < 2) {
      return new Rate(Double.NaN, Double.NaN, Double.NaN, pts.size());
    }
    double mx = 0;
    double my = 0;
    for (double[] q : pts) {
      mx += q[0];
      my += q[1];
    }
    mx /= pts.size();
    my /= pts.size();
    double sxy = 0;
    double sxx = 0;
    for (double[] q : pts) {
      sxy += (q[0] - mx) * (q[1] - my);
      sxx += (q[0] - mx) * (q[0] - mx);
    }
    return new Rate(Math.exp(sxy / sxx), pts.get(0)[0], pts.get(pts.size() - 1)[0], pts.size());
  }
}
