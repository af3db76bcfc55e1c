package org.pudle.kernels.study;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.pudle.kernels.GradientKind;
import org.pudle.kernels.study.DepthStudySums.Reference;
import org.pudle.kernels.study.StudyEstimates.Norm;
import org.pudle.kernels.study.StudyEstimates.Row;

/**
 * The acceptance list of a gradient study: the paper's claims about Figures 3 and 4b, checked on
 * the measured errors (docs/study/README.md). On the errors to {@code g_hat}: {@code g_ae-lasso}
 * lies below {@code g_dec} for every t >= 20, and from where on (the paper: they cross between 5
 * and 10); the two are more than 3x apart at t = 100; {@code g_ae-ls} flattens at a floor (less
 * than 5% change over the last three depths of the grid). On the errors to {@code g_tilde}:
 * {@code g_ae-ls} is the closest of the three at the deepest t.
 */
public final class StudyClaims {
  private StudyClaims() {}

  /**
   * One line of the list.
   *
   * @param holds whether the claim holds; null for a line that only reports (where the curves cross)
   * @param line  the line as the summary prints it
   */
  public record Claim(Boolean holds, String line) {}

  /** The row of depth {@code t} and gradient {@code kind}, or null when t is not on the grid. */
  public static Row find(List<Row> rows, int t, GradientKind kind) {
    for (Row r : rows) {
      if (r.t() == t && r.kind() == kind) {
        return r;
      }
    }
    return null;
  }

  /**
   * The claims checked on the errors in {@code norm}, in the order of the summary; the ones at
   * t = 100 and at the last three depths only when the grid has them.
   *
   * @param rows the rows of every depth of {@code grid} and every gradient kind
   */
  public static List<Claim> check(List<Row> rows, DepthGrid grid, Norm norm) {
    List<Claim> out = new ArrayList<>();
    boolean below = true;
    int firstBelow = -1;
    for (int i = 0; i < grid.size(); i++) {
      int t = grid.depth(i);
      double dec = hat(rows, t, GradientKind.DEC, norm);
      double lasso = hat(rows, t, GradientKind.AE_LASSO, norm);
      if (t >= 20 && !(lasso < dec)) {
        below = false;
      }
      if (lasso < dec && firstBelow < 0) {
        firstBelow = t;
      } else if (!(lasso < dec)) {
        firstBelow = -1;
      }
    }
    out.add(new Claim(below, String.format(Locale.ROOT,
        "  g_ae-lasso error to g^ below g_dec's for every t >= 20: %s%n", yes(below))));
    out.add(new Claim(null, String.format(Locale.ROOT, "  g_ae-lasso below g_dec from t = %s on (paper: they cross "
        + "between 5 and 10)%n", firstBelow < 0 ? "never" : String.valueOf(firstBelow))));
    if (find(rows, 100, GradientKind.DEC) != null) {
      double ratio = hat(rows, 100, GradientKind.DEC, norm) / hat(rows, 100, GradientKind.AE_LASSO, norm);
      out.add(new Claim(ratio > 3, String.format(Locale.ROOT, "  more than 3x apart at t = 100: %s (%.3gx)%n",
          yes(ratio > 3), ratio)));
    }
    if (grid.size() >= 3) {
      int t1 = grid.depth(grid.size() - 3);
      int t2 = grid.max();
      double a = hat(rows, t1, GradientKind.AE_LS, norm);
      double b = hat(rows, t2, GradientKind.AE_LS, norm);
      double change = Math.abs(b / a - 1);
      double decDrop = hat(rows, t2, GradientKind.DEC, norm) / hat(rows, t1, GradientKind.DEC, norm);
      out.add(new Claim(change < 0.05, String.format(Locale.ROOT, "  g_ae-ls error to g^ flattens at a floor: %s "
          + "(%.4e at t = %d, %.4e at t = %d: %.2g%% change, while g_dec's changes by a factor %.3g)%n",
          yes(change < 0.05), a, t1, b, t2, 100 * change, decDrop)));
    }
    int last = grid.max();
    double ls = find(rows, last, GradientKind.AE_LS).error(Reference.TILDE, norm);
    boolean closest = ls < find(rows, last, GradientKind.DEC).error(Reference.TILDE, norm)
        && ls < find(rows, last, GradientKind.AE_LASSO).error(Reference.TILDE, norm);
    out.add(new Claim(closest, String.format(Locale.ROOT, "  g_ae-ls closest of the three to g~ at t = %d: %s%n",
        last, yes(closest))));
    return out;
  }

  /** The claims in {@code norm} as the summary prints them: a heading, then one line each. */
  public static String text(List<Row> rows, DepthGrid grid, Norm norm) {
    StringBuilder sb = new StringBuilder("[study] the paper's claims on these numbers, " + (norm == Norm.FRO
        ? "Frobenius" : "spectral") + " norm:\n");
    for (Claim c : check(rows, grid, norm)) {
      sb.append(c.line());
    }
    return sb.toString();
  }

  private static double hat(List<Row> rows, int t, GradientKind kind, Norm norm) {
    return find(rows, t, kind).error(Reference.HAT, norm);
  }

  private static String yes(boolean holds) {
    return holds ? "yes" : "NO";
  }
}
