package org.pudle.spark.study;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.study.DepthGrid;
import org.pudle.spark.config.Commands;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.EncoderSettings;
import org.pudle.spark.config.ExecutionParams;
import org.pudle.spark.config.StudySettings;
import org.pudle.spark.config.SyntheticParams;
import org.pudle.spark.config.TrainSettings;

/**
 * Everything {@code pudle study} needs (paper section 3, Figures 2, 3, 4a, 4b), validated in one
 * place.
 *
 * @param encoder        the unfolded encoder; its T is the deepest depth of the grid
 * @param grid           the depths read out of the one forward pass
 * @param sweep          every n to study, ascending (n itself and {@code sweep.n})
 * @param dictionary     a .npy file with the D to study, or null for D0 (init.tau)
 * @param groups         the jackknife groups of samples
 * @param lasso          the solver of z_hat and z*
 * @param dStar          how D* is computed and cached
 * @param jacobian       whether to estimate ||J_t - J_hat|| along random directions (Theorem 3.2)
 * @param progressSeconds at most one progress line per this many seconds
 * @param settings       every setting in effect as config text (the run's {@code run.properties})
 */
public record StudyParams(String name, SyntheticParams data, EncoderParams encoder, DepthGrid grid, List<Long> sweep,
    String dictionary, int groups, FistaLasso.Options lasso, DStarParams dStar, boolean jacobian,
    ExecutionParams execution, String output, double progressSeconds, Map<String, String> settings) {

  /**
   * How {@code D*} is found: Algorithm 1 (exact lasso codes, then {@code D <- normalize(D - eta
   * g_hat)}) from {@code D_tilde} on the first {@code n} samples, until the Riemannian gradient
   * {@code ||g_hat - D diag(D^T g_hat)||_F} (the part of g_hat that moves unit-norm columns) is at
   * most {@code tolerance}.
   *
   * @param file an existing D* (.npy) to use instead, or null
   */
  public record DStarParams(long n, double eta, double tolerance, int maxUpdates, String cache, String file) {}

  /** Reads and validates the keys of {@link Commands#STUDY}; rejects unknown keys. */
  public static StudyParams from(Config c) {
    c.requireKnown(Commands.STUDY);
    SyntheticParams data = SyntheticParams.from(c);
    int t = c.get(StudySettings.T);
    double lambda = c.get(EncoderSettings.LAMBDA);
    double alpha = c.get(StudySettings.ALPHA);
    // checked by the encoder itself; its depth becomes the grid's deepest
    EncoderParams enc = c.construct(() -> new EncoderParams(t, alpha, lambda, ThresholdKind.SOFT, 0, 1));
    String gridText = c.get(StudySettings.GRID);
    int dense = c.get(StudySettings.GRID_DENSE);
    int logCount = c.get(StudySettings.GRID_LOG);
    String sweepText = c.get(StudySettings.SWEEP_N);
    String dictionary = c.get(StudySettings.DICTIONARY);
    int groups = c.get(StudySettings.GROUPS);
    FistaLasso.Options lasso = new FistaLasso.Options(c.get(StudySettings.LASSO_TOLERANCE),
        c.get(StudySettings.LASSO_MAX_ITERATIONS), FistaLasso.Options.DEFAULT.checkEvery(),
        FistaLasso.Options.DEFAULT.polishBelow());
    DStarParams dStar = new DStarParams(c.get(StudySettings.DSTAR_N), c.get(StudySettings.DSTAR_ETA),
        c.get(StudySettings.DSTAR_TOLERANCE), c.get(StudySettings.DSTAR_MAX_UPDATES), c.get(StudySettings.DSTAR_CACHE),
        c.get(StudySettings.DSTAR));
    boolean jacobian = c.get(StudySettings.JACOBIAN);
    ExecutionParams exec = ExecutionParams.from(c);
    String output = c.get(TrainSettings.OUTPUT);
    double progress = c.get(StudySettings.PROGRESS_SECONDS);

    DepthGrid grid;
    if (gridText != null) {
      List<Integer> ts = new ArrayList<>();
      for (String part : gridText.split(",")) {
        try {
          ts.add(Integer.parseInt(part.trim()));
        } catch (NumberFormatException e) {
          throw c.error("grid", "expected comma-separated depths, got '" + part.trim() + "'");
        }
      }
      for (int d : ts) {
        if (d < 1 || d > t) {
          throw c.error("grid", "expected depths in 1..T = " + t + ", got " + d);
        }
      }
      grid = DepthGrid.of(ts.stream().mapToInt(Integer::intValue).toArray());
    } else {
      if (dense < 1) {
        throw c.error("grid.dense", "expected at least 1, got " + dense);
      }
      if (logCount < 0) {
        throw c.error("grid.log", "expected a count >= 0, got " + logCount);
      }
      grid = DepthGrid.standard(t, dense, logCount);
    }
    // the forward pass runs to the deepest depth on the grid
    enc = enc.withT(grid.max());
    TreeSet<Long> ns = new TreeSet<>();
    ns.add(data.n());
    if (sweepText != null) {
      for (String part : sweepText.split(",")) {
        long v;
        try {
          double dv = Double.parseDouble(part.trim());
          if (dv != Math.rint(dv) || dv > 9e18) {
            throw new NumberFormatException();
          }
          v = (long) dv;
        } catch (NumberFormatException e) {
          throw c.error("sweep.n", "expected comma-separated sample counts (1e4 or 10000), got '" + part.trim() + "'");
        }
        if (v < 1) {
          throw c.error("sweep.n", "expected positive sample counts, got " + v);
        }
        ns.add(v);
      }
    }
    if (ns.first() < groups) {
      throw c.error("groups", groups + " groups need at least as many samples, the smallest n is " + ns.first());
    }
    StringBuilder sweep = new StringBuilder();
    for (long n : ns) {
      sweep.append(sweep.length() > 0 ? "," : "").append(n);
    }
    Map<String, String> settings = Commands.STUDY.effective(c)
        .set(StudySettings.T, enc.T())
        .set(StudySettings.GRID, grid.toString())
        .remove(StudySettings.GRID_DENSE, StudySettings.GRID_LOG)
        .set(StudySettings.SWEEP_N, sweep.toString())
        .toMap();
    return new StudyParams(c.name(), data, enc, grid, List.copyOf(ns), dictionary, groups, lasso, dStar, jacobian,
        exec, output, progress, settings);
  }

  /** The flops of the unfolded passes per sample: forward plus both ae backward passes (GEMMs). */
  public double flopsPerSample() {
    double pp = (double) data.p() * data.p();
    return 2 * pp * encoder.T() + 8 * pp * grid.sum();
  }
}
