package org.pudle.kernels.study;

import java.util.ArrayList;
import java.util.List;

import org.pudle.kernels.GradientKind;
import org.pudle.kernels.linalg.Norms;

/**
 * The numbers of a gradient study from its sums: for every depth t of the grid and every gradient
 * kind, the distances {@code ||g_t - g_ref||} to {@code g_hat}, {@code g_star} and {@code g_tilde}
 * in Frobenius and spectral norm, of the means over all samples; and the mean
 * {@code ||z_t - z_hat||_2}.
 *
 * <p>Standard errors: the delete-a-group jackknife over G groups of samples. With
 * {@code theta} the statistic of all samples and {@code theta_(g)} the same statistic without
 * group g,
 * <pre>  se = sqrt( (G' - 1) / G' * sum_g (theta_(g) - mean_g theta_(g))^2 )</pre>
 * over the G' non-empty groups (NaN when fewer than two). The jackknife suits a norm of a mean,
 * which is a smooth non-linear function of the sums; the groups are defined by sample index, so
 * the estimate does not depend on the partitioning of the data.
 */
public final class StudyEstimates {
  private StudyEstimates() {}

  /** The two matrix norms, in the order of the CSV columns: Frobenius and the operator 2-norm. */
  public enum Norm {
    FRO("fro"), OPERATOR("spec");

    private final String key;

    Norm(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }
  }

  /**
   * One row of {@code study.csv}.
   *
   * @param t            the depth
   * @param kind         the gradient
   * @param error        {@code error[ref][norm]}: {@code ||mean g_t - mean g_ref||}
   * @param se           the jackknife standard errors of {@code error}
   * @param codeError    mean {@code ||z_t - z_hat||_2} (the same for every kind)
   * @param codeErrorSe  its jackknife standard error
   * @param supportFound the fraction of samples with {@code supp(z_t) = supp(z_hat)}
   * @param jacobianError   {@code sqrt(mean_i ||(J_t^i - J_hat^i) E_i||^2)}, an estimate of the root
   *                        mean square {@code ||J_t - J_hat||_F} (NaN when not measured)
   * @param jacobianErrorSe its jackknife standard error
   * @param n            the number of samples
   */
  public record Row(int t, GradientKind kind, double[][] error, double[][] se, double codeError, double codeErrorSe,
      double supportFound, double jacobianError, double jacobianErrorSe, long n) {

    public double error(DepthStudySums.Reference r, Norm norm) {
      return error[r.ordinal()][norm.ordinal()];
    }

    public double se(DepthStudySums.Reference r, Norm norm) {
      return se[r.ordinal()][norm.ordinal()];
    }
  }

  /**
   * The rows of a study, ordered by depth, then by kind (dec, ae-ls, ae-lasso).
   *
   * @param total  the sums over all samples
   * @param groups the sums of each group (they add up to {@code total}); empty ones are skipped
   */
  public static List<Row> rows(DepthGrid grid, DepthStudySums total, List<DepthStudySums> groups) {
    if (total.depths() != grid.size()) {
      throw new IllegalArgumentException("sums: " + total.depths() + " depths, the grid has " + grid.size());
    }
    if (total.count() == 0) {
      throw new IllegalArgumentException("study: no samples");
    }
    List<DepthStudySums> used = new ArrayList<>();
    for (DepthStudySums g : groups) {
      if (g != null && g.count() > 0) {
        used.add(g);
      }
    }
    if (used.size() < 2) {
      // one group holds every sample: nothing to leave out, no standard error
      used.clear();
    }
    int m = total.m();
    int p = total.p();
    int mp = m * p;
    long n = total.count();
    DepthStudySums.Reference[] refs = DepthStudySums.Reference.values();
    List<Row> rows = new ArrayList<>();
    double[] diff = new double[mp];
    double[] leave = new double[mp];
    for (int i = 0; i < grid.size(); i++) {
      double zErr = total.codeErrorSum(i) / n;
      double[] zLeave = new double[used.size()];
      for (int g = 0; g < used.size(); g++) {
        DepthStudySums s = used.get(g);
        zLeave[g] = (total.codeErrorSum(i) - s.codeErrorSum(i)) / (n - s.count());
      }
      double zSe = jackknife(zLeave);
      double found = (double) total.supportFound(i) / n;
      double jac = Double.NaN;
      double jacSe = Double.NaN;
      if (total.jacobianCount() == n) {
        jac = Math.sqrt(total.jacobianErrorSum(i) / n);
        double[] jLeave = new double[used.size()];
        for (int g = 0; g < used.size(); g++) {
          DepthStudySums s = used.get(g);
          jLeave[g] = Math.sqrt((total.jacobianErrorSum(i) - s.jacobianErrorSum(i)) / (n - s.count()));
        }
        jacSe = jackknife(jLeave);
      }
      for (GradientKind kind : GradientKind.values()) {
        double[][] err = new double[refs.length][2];
        double[][] se = new double[refs.length][2];
        double[] gt = total.atDepth(kind, i).gradientBuffer();
        for (DepthStudySums.Reference r : refs) {
          double[] gr = total.reference(r).gradientBuffer();
          for (int q = 0; q < mp; q++) {
            diff[q] = (gt[q] - gr[q]) / n;
          }
          err[r.ordinal()][0] = Norms.frobenius(diff);
          err[r.ordinal()][1] = Norms.singularValues(diff, m, p)[0];
          double[][] thetas = new double[2][used.size()];
          for (int g = 0; g < used.size(); g++) {
            DepthStudySums s = used.get(g);
            double[] st = s.atDepth(kind, i).gradientBuffer();
            double[] sr = s.reference(r).gradientBuffer();
            double rest = n - s.count();
            for (int q = 0; q < mp; q++) {
              leave[q] = (gt[q] - gr[q] - (st[q] - sr[q])) / rest;
            }
            thetas[0][g] = Norms.frobenius(leave);
            thetas[1][g] = Norms.singularValues(leave, m, p)[0];
          }
          se[r.ordinal()][0] = jackknife(thetas[0]);
          se[r.ordinal()][1] = jackknife(thetas[1]);
        }
        rows.add(new Row(grid.depth(i), kind, err, se, zErr, zSe, found, jac, jacSe, n));
      }
    }
    return rows;
  }

  /** The jackknife standard error from the leave-one-group-out values; NaN for fewer than two. */
  public static double jackknife(double[] leaveOut) {
    int g = leaveOut.length;
    if (g < 2) {
      return Double.NaN;
    }
    double mean = 0;
    for (double v : leaveOut) {
      mean += v;
    }
    mean /= g;
    double ss = 0;
    for (double v : leaveOut) {
      ss += (v - mean) * (v - mean);
    }
    return Math.sqrt((g - 1.0) / g * ss);
  }
}
