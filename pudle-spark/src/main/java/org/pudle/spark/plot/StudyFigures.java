package org.pudle.spark.plot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.pudle.kernels.GradientKind;
import org.pudle.kernels.study.DepthGrid;
import org.pudle.kernels.study.DepthStudySums.Reference;
import org.pudle.kernels.study.StudyClaims;
import org.pudle.kernels.study.StudyEstimates.Norm;
import org.pudle.kernels.study.StudyEstimates.Row;
import org.pudle.spark.io.RunOutputs;

/**
 * The figures of {@code pudle study}, drawn from its rows: Fig. 2 ({@code ||z_t - z_hat||}),
 * Figs. 3, 4a and 4b (the gradients' errors to {@code g_hat}, {@code g_star}, {@code g_tilde}),
 * the Jacobian error when measured, and with a sweep the same against n.
 */
public final class StudyFigures {
  private StudyFigures() {}

  /** The paper's labels. */
  private static String label(GradientKind k) {
    return "g_" + k.key() + " (t)";
  }

  /** The norm of the figures: the paper's ||.||_2 of a gradient is that of the flattened matrix (Frobenius). */
  private static final Norm FIGURE_NORM = Norm.FRO;

  private static Plots.ErrorSeries curve(List<Row> rows, GradientKind kind, Reference ref, String label) {
    List<Row> sel = rows.stream().filter(r -> r.kind() == kind).toList();
    double[] x = new double[sel.size()];
    double[] y = new double[sel.size()];
    double[] se = new double[sel.size()];
    for (int i = 0; i < sel.size(); i++) {
      x[i] = sel.get(i).t();
      y[i] = ref == null ? sel.get(i).codeError() : sel.get(i).error(ref, FIGURE_NORM);
      se[i] = ref == null ? sel.get(i).codeErrorSe() : sel.get(i).se(ref, FIGURE_NORM);
    }
    return new Plots.ErrorSeries(label, x, y, se);
  }

  private static final Map<Reference, String[]> FIGURES = new EnumMap<>(Map.of(
      Reference.HAT, new String[] {"fig3", "Fig. 3: ||g_t - g^||_F", "||g - g^||_F"},
      Reference.STAR, new String[] {"fig4a", "Fig. 4a: ||g_t - g*||_F", "||g - g*||_F"},
      Reference.TILDE, new String[] {"fig4b", "Fig. 4b: ||g_t - g~||_F", "||g - g~||_F"}));

  /**
   * Writes the PNGs: fig2, fig3, fig4a, fig4b, jacobian (when measured) and, with several n,
   * sweep-fig*.
   *
   * @param setting the study's setting, for the titles
   * @param rows    the rows at the study's n
   * @param passes  the rows of each n of a sweep, in the order of the sweep
   */
  public static void write(RunOutputs out, String setting, List<Row> rows, Map<Long, List<Row>> passes,
      boolean jacobian, DepthGrid grid) throws IOException {
    out.file("fig2.png", o -> Plots.logYWithErrors(o, "Fig. 2: mean ||z_t - z^||_2 (" + setting + ")",
        "number of unfoldings t", "||z_t - z^||_2", List.of(curve(rows, GradientKind.DEC, null, "z_t")), false,
        900, 560));
    for (var f : FIGURES.entrySet()) {
      List<Plots.ErrorSeries> curves = new ArrayList<>();
      for (GradientKind k : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LASSO, GradientKind.AE_LS}) {
        curves.add(curve(rows, k, f.getKey(), label(k)));
      }
      out.file(f.getValue()[0] + ".png", o -> Plots.logYWithErrors(o, f.getValue()[1] + " (" + setting + ")",
          "number of unfoldings t", f.getValue()[2], curves, false, 900, 560));
    }
    if (jacobian) {
      List<Row> sel = rows.stream().filter(r -> r.kind() == GradientKind.DEC).toList();
      double[] x = sel.stream().mapToDouble(Row::t).toArray();
      double[] y = sel.stream().mapToDouble(Row::jacobianError).toArray();
      double[] se = sel.stream().mapToDouble(Row::jacobianErrorSe).toArray();
      out.file("jacobian.png", o -> Plots.logYWithErrors(o, "Thm. 3.2: RMS ||J_t - J^||_F (" + setting + ")",
          "number of unfoldings t", "||J_t - J^||_F", List.of(new Plots.ErrorSeries("J_t", x, y, se)), false, 900,
          560));
    }
    if (passes.size() > 1) {
      writeSweep(out, grid, passes);
    }
  }

  /** Per figure: the error at the deepest t and at t = 20 (or the middle depth) against n. */
  private static void writeSweep(RunOutputs out, DepthGrid grid, Map<Long, List<Row>> byN) throws IOException {
    List<List<Row>> passes = new ArrayList<>(byN.values());
    int deep = grid.max();
    int shallow = grid.depth(Math.min(grid.size() - 1, Math.max(0, grid.indexOf(20) >= 0 ? grid.indexOf(20)
        : grid.size() / 2)));
    int[] depths = shallow == deep ? new int[] {deep} : new int[] {shallow, deep};
    double[] ns = byN.keySet().stream().mapToDouble(Long::doubleValue).toArray();
    // Fig. 2
    List<Plots.ErrorSeries> z = new ArrayList<>();
    for (int t : depths) {
      double[] y = new double[ns.length];
      double[] se = new double[ns.length];
      for (int i = 0; i < passes.size(); i++) {
        Row r = StudyClaims.find(passes.get(i), t, GradientKind.DEC);
        y[i] = r.codeError();
        se[i] = r.codeErrorSe();
      }
      z.add(new Plots.ErrorSeries("||z_t - z^||, t=" + t, ns, y, se));
    }
    out.file("sweep-fig2.png", o -> Plots.logYWithErrors(o, "Fig. 2 against n: mean ||z_t - z^||_2", "samples n",
        "||z_t - z^||_2", z, true, 900, 560));
    for (var f : FIGURES.entrySet()) {
      List<Plots.ErrorSeries> curves = new ArrayList<>();
      for (int t : depths) {
        for (GradientKind k : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LASSO, GradientKind.AE_LS}) {
          double[] y = new double[ns.length];
          double[] se = new double[ns.length];
          for (int i = 0; i < passes.size(); i++) {
            Row r = StudyClaims.find(passes.get(i), t, k);
            y[i] = r.error(f.getKey(), FIGURE_NORM);
            se[i] = r.se(f.getKey(), FIGURE_NORM);
          }
          curves.add(new Plots.ErrorSeries("g_" + k.key() + ", t=" + t, ns, y, se));
        }
      }
      out.file("sweep-" + f.getValue()[0] + ".png", o -> Plots.logYWithErrors(o, f.getValue()[1] + " against n",
          "samples n", f.getValue()[2], curves, true, 900, 560));
    }
  }
}
