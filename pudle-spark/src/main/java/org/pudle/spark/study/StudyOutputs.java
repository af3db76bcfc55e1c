package org.pudle.spark.study;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.pudle.kernels.GradientKind;
import org.pudle.kernels.study.DepthGrid;
import org.pudle.kernels.study.DepthStudySums;
import org.pudle.kernels.study.DepthStudySums.Phase;
import org.pudle.kernels.study.DepthStudySums.Reference;
import org.pudle.kernels.study.StudyClaims;
import org.pudle.kernels.study.StudyEstimates.Norm;
import org.pudle.kernels.study.StudyEstimates.Row;
import org.pudle.kernels.study.StudyRates;
import org.pudle.kernels.study.StudyRates.Rate;
import org.pudle.spark.config.Config;
import org.pudle.spark.io.RunOutputs;
import org.pudle.spark.io.StudyCsv;
import org.pudle.spark.plot.StudyFigures;
import org.pudle.spark.train.Progress;

/**
 * The outputs writer of {@code pudle study}: every final file of a study, written through its
 * {@link RunOutputs}: {@code study.csv} and, with a sweep, {@code sweep.csv} ({@link StudyCsv}),
 * the figures ({@link StudyFigures}), {@code dictionary.npy} (the D studied), {@code dstar.npy},
 * {@code generating-dictionary.npy}, {@code run.properties} and {@code summary.txt} (the fitted
 * rates of {@link StudyRates} and the acceptance list of {@link StudyClaims}).
 */
final class StudyOutputs {
  private StudyOutputs() {}

  /** Writes the final files of a study. */
  static void write(RunOutputs out, StudyParams params, Map<String, String> given, StudyJob.Summary s,
      double[] dTilde) throws IOException {
    int m = params.data().m();
    int p = params.data().p();
    StudyJob.Pass main = s.main(params.data().n());
    String setting = String.format(Locale.ROOT, "m=%d p=%d k=%d n=%d lambda=%s alpha=%s", m, p, params.data().k(),
        main.n(), params.encoder().lambda(), params.encoder().alpha());
    out.text("study.csv", StudyCsv.text(main.rows()));
    Map<Long, List<Row>> byN = new LinkedHashMap<>();
    if (s.passes().size() > 1) {
      List<Row> all = new ArrayList<>();
      for (StudyJob.Pass ps : s.passes()) {
        all.addAll(ps.rows());
        byN.put(ps.n(), ps.rows());
      }
      out.text("sweep.csv", StudyCsv.text(all));
    }
    StudyFigures.write(out, setting, main.rows(), byN, params.jacobian(), params.grid());
    out.npy("dictionary.npy", s.dictionary(), m, p);
    out.npy("dstar.npy", s.dStar().dictionary(), m, p);
    out.npy("generating-dictionary.npy", dTilde, m, p);
    out.text("run.properties", runProperties(params, given));
    out.text("summary.txt", s.text());
  }

  /** The summary the console shows and {@code summary.txt} keeps. */
  static String summaryText(StudyParams params, List<StudyJob.Pass> passes, DStar.Result dStar, double[] d,
      double[] dTilde, double seconds, RunOutputs out) {
    int m = params.data().m();
    int p = params.data().p();
    StringBuilder sb = new StringBuilder();
    StudyJob.Pass main = passes.stream().filter(ps -> ps.n() == params.data().n()).findFirst().orElseThrow();
    List<Row> rows = main.rows();
    DepthGrid grid = params.grid();
    sb.append(String.format(Locale.ROOT, "[study] %s: n = %d, %d depths up to T = %d (sum %d), %d jackknife groups%n",
        params.name(), main.n(), grid.size(), grid.max(), grid.sum(), params.groups()));
    sb.append(String.format(Locale.ROOT,
        "[study] ||D - D~||_2/||D~||_2 = %.4e, ||D* - D~||_2/||D~||_2 = %.4e, ||D - D*||_2/||D*||_2 = %.4e%n",
        DStar.relativeSpectral(d, dTilde, m, p), DStar.relativeSpectral(dStar.dictionary(), dTilde, m, p),
        DStar.relativeSpectral(d, dStar.dictionary(), m, p)));
    sb.append(String.format(Locale.ROOT, "[study] D*: %s, %d updates, ||g^ - D diag(D^T g^)||_F = %.3e (%s)%n",
        dStar.converged() ? "converged" : "NOT converged", dStar.updates(), dStar.riemannianNorm(), dStar.source()));
    sb.append("[study] errors are norms of differences of mean gradients, Frobenius (F, the paper's ||.||_2 of "
        + "the flattened gradient) and spectral (2), +- one jackknife standard error\n");
    sb.append("[study] fitted linear rates once >= 95% of supports are found (slope of log error vs t, as rho per "
        + "layer):\n");
    Rate zr = StudyRates.codeError(rows);
    sb.append(String.format(Locale.ROOT, "  ||z_t - z^||          rho = %.5f  (t = %.0f..%.0f, %d depths)%n", zr.rho(),
        zr.first(), zr.last(), zr.depths()));
    for (GradientKind k : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LASSO, GradientKind.AE_LS}) {
      Rate rf = StudyRates.gradientError(rows, k, Reference.HAT, Norm.FRO);
      Rate rs = StudyRates.gradientError(rows, k, Reference.HAT, Norm.OPERATOR);
      sb.append(String.format(Locale.ROOT, "  ||g_%-8s - g^||   rho = %.5f (F), %.5f (2)  (t = %.0f..%.0f, %d depths)%n",
          k.key(), rf.rho(), rs.rho(), rf.first(), rf.last(), rf.depths()));
    }
    if (params.jacobian()) {
      Rate jr = StudyRates.jacobianError(rows);
      sb.append(String.format(Locale.ROOT, "  RMS ||J_t - J^||_F    rho = %.5f  (t = %.0f..%.0f, %d depths; Theorem 3.2: "
          + "O(t rho^(t-1)))%n", jr.rho(), jr.first(), jr.last(), jr.depths()));
      sb.append(jacobianText(rows, grid, main));
    }
    sb.append(ratioText(rows));
    sb.append(closestText(rows, grid.max()));
    sb.append(StudyClaims.text(rows, grid, Norm.FRO));
    sb.append(StudyClaims.text(rows, grid, Norm.OPERATOR));
    sb.append(timeText(params, passes, dStar, seconds));
    sb.append("[study] outputs in ").append(out).append(": study.csv, fig2.png, fig3.png, fig4a.png, fig4b.png")
        .append(passes.size() > 1 ? ", sweep.csv, sweep-fig*.png" : "")
        .append(", summary.txt, run.properties, dictionary.npy, dstar.npy\n");
    return sb.toString();
  }

  /** The Jacobian errors at a few depths (Theorem 3.2). */
  private static String jacobianText(List<Row> rows, DepthGrid grid, StudyJob.Pass main) {
    StringBuilder sb = new StringBuilder();
    double ref = Math.sqrt(main.total().jacobianReferenceSum() / main.n());
    StringBuilder js = new StringBuilder();
    for (int t : new int[] {grid.depth(0), 20, 100, grid.max()}) {
      Row r = StudyClaims.find(rows, t, GradientKind.DEC);
      if (r != null && js.indexOf("t = " + t + ":") < 0) {
        js.append(String.format(Locale.ROOT, "%st = %d: %.4e +- %.1e", js.length() > 0 ? "; " : "", t,
            r.jacobianError(), r.jacobianErrorSe()));
      }
    }
    sb.append(String.format(Locale.ROOT, "[study] Jacobian (one random rank-one direction E per sample, "
        + "E[vec E vec E^T] = I): RMS ||J^ E|| = %.4e; RMS ||(J_t - J^) E||: %s%n", ref, js));
    return sb.toString();
  }

  /** The ratio of the g_dec to the g_ae-lasso error to g_hat at t = 50, 100, 200. */
  private static String ratioText(List<Row> rows) {
    StringBuilder sb = new StringBuilder();
    sb.append("[study] ratio of the g_dec to the g_ae-lasso error to g^:\n");
    for (int t : new int[] {50, 100, 200}) {
      Row dec = StudyClaims.find(rows, t, GradientKind.DEC);
      Row lasso = StudyClaims.find(rows, t, GradientKind.AE_LASSO);
      if (dec == null) {
        sb.append(String.format(Locale.ROOT, "  t = %3d: not on the grid%n", t));
        continue;
      }
      sb.append(String.format(Locale.ROOT, "  t = %3d: F %.4e / %.4e = %.3g;  2 %.4e / %.4e = %.3g%n", t,
          dec.error(Reference.HAT, Norm.FRO), lasso.error(Reference.HAT, Norm.FRO),
          dec.error(Reference.HAT, Norm.FRO) / lasso.error(Reference.HAT, Norm.FRO),
          dec.error(Reference.HAT, Norm.OPERATOR), lasso.error(Reference.HAT, Norm.OPERATOR),
          dec.error(Reference.HAT, Norm.OPERATOR) / lasso.error(Reference.HAT, Norm.OPERATOR)));
    }
    return sb.toString();
  }

  /** Which gradient is closest to g_tilde and to g_star at the deepest t, in each norm. */
  private static String closestText(List<Row> rows, int last) {
    StringBuilder sb = new StringBuilder();
    for (Reference ref : new Reference[] {Reference.TILDE, Reference.STAR}) {
      for (Norm norm : Norm.values()) {
        GradientKind best = null;
        double bestErr = Double.POSITIVE_INFINITY;
        StringBuilder all = new StringBuilder();
        for (GradientKind k : GradientKind.values()) {
          Row r = StudyClaims.find(rows, last, k);
          double e = r.error(ref, norm);
          all.append(String.format(Locale.ROOT, "%s%s %.4e +- %.1e", all.length() > 0 ? ", " : "", k.key(), e,
              r.se(ref, norm)));
          if (e < bestErr) {
            bestErr = e;
            best = k;
          }
        }
        sb.append(String.format(Locale.ROOT, "[study] closest to %s at t = %d (%s): g_%s (%s)%n",
            ref == Reference.TILDE ? "g~" : "g*", last, norm == Norm.FRO ? "F" : "2", best.key(), all));
      }
    }
    return sb.toString();
  }

  /** Where the time went: D*, each pass by phase, the total. */
  private static String timeText(StudyParams params, List<StudyJob.Pass> passes, DStar.Result dStar, double seconds) {
    StringBuilder sb = new StringBuilder();
    sb.append("[study] time:\n");
    sb.append(String.format(Locale.ROOT, "  D*: %s%s%n", Progress.duration(dStar.seconds()), dStar.cached()
        ? " (when it was computed; read from the cache now)" : ""));
    for (StudyJob.Pass ps : passes) {
      DepthStudySums t = ps.total();
      double unfolded = t.seconds(Phase.FORWARD) + t.seconds(Phase.BACKWARD);
      double flops = params.flopsPerSample() * ps.n();
      String resumed = ps.resumed() == 0 ? "" : String.format(Locale.ROOT, " (in this run; %d of %d groups of "
          + "samples from the checkpoint of an earlier run, whose task-seconds count below)", ps.resumed(),
          params.groups());
      sb.append(String.format(Locale.ROOT, "  n = %d: %s wall%s; task-seconds: unfolded passes %.1f (forward %.1f, "
          + "backward %.1f; %.1f GFLOP/s), lasso z^ %.1f, lasso z* %.1f, references and code errors %.1f; "
          + "lasso max KKT %.1e, %d codes above tolerance%n", ps.n(), Progress.duration(ps.seconds()), resumed, unfolded,
          t.seconds(Phase.FORWARD), t.seconds(Phase.BACKWARD), flops / unfolded * 1e-9, t.seconds(Phase.LASSO_HAT),
          t.seconds(Phase.LASSO_STAR), t.seconds(Phase.REFERENCES), t.maxKkt(), t.unconverged()));
    }
    sb.append(String.format(Locale.ROOT, "  total: %s%n", Progress.duration(seconds)));
    return sb.toString();
  }

  /** Every setting in effect: the given values, then the resolved parameters. */
  static String runProperties(StudyParams p, Map<String, String> given) {
    StringBuilder sb = new StringBuilder("# pudle study: the settings in effect; usable as a config\n");
    sb.append("# init.tau resolves to ").append(p.data().tauB()).append('\n');
    return Config.settingsText(sb.toString(), p.settings(), given);
  }
}
