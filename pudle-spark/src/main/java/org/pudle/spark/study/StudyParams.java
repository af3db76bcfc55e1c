package org.pudle.spark.study;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.study.DepthGrid;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ExecutionParams;
import org.pudle.spark.config.KeyDoc;
import org.pudle.spark.config.SyntheticParams;

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
 */
public record StudyParams(String name, SyntheticParams data, EncoderParams encoder, DepthGrid grid, List<Long> sweep,
    String dictionary, int groups, FistaLasso.Options lasso, DStarParams dStar, boolean jacobian,
    ExecutionParams execution, String output, double progressSeconds) {

  /**
   * How {@code D*} is found: Algorithm 1 (exact lasso codes, then {@code D <- normalize(D - eta
   * g_hat)}) from {@code D_tilde} on the first {@code n} samples, until the Riemannian gradient
   * {@code ||g_hat - D diag(D^T g_hat)||_F} (the part of g_hat that moves unit-norm columns) is at
   * most {@code tolerance}.
   *
   * @param file an existing D* (.npy) to use instead, or null
   */
  public record DStarParams(long n, double eta, double tolerance, int maxUpdates, String cache, String file) {}

  public static final List<KeyDoc> OWN_KEYS = List.of(
      new KeyDoc("grid", "(1..grid.dense, then grid.log log-spaced to T)", "the depths t, comma-separated; overrides grid.dense and grid.log; the largest is the forward depth"),
      new KeyDoc("grid.dense", "20", "every depth 1..grid.dense is on the grid"),
      new KeyDoc("grid.log", "10", "depths spaced evenly in log t from grid.dense to T"),
      new KeyDoc("sweep.n", "(none)", "more sample counts to study in the same run (comma-separated, e.g. 1e3,1e4,1e5); n is always studied"),
      new KeyDoc("dictionary", "(D0)", "a .npy file (m x p) with the dictionary D to study; default D0 = normalize(D_tilde + tau_B B)"),
      new KeyDoc("groups", "10", "groups of samples (by index) for the jackknife standard errors"),
      new KeyDoc("lasso.tolerance", "1e-11", "KKT residual of the lasso codes z_hat and z*"),
      new KeyDoc("lasso.max.iterations", "20000", "FISTA iteration cap of the lasso codes"),
      new KeyDoc("dstar.n", "100000", "samples of Algorithm 1 that computes D*"),
      new KeyDoc("dstar.eta", "3", "step of Algorithm 1: D <- normalize(D - eta g_hat)"),
      new KeyDoc("dstar.tolerance", "1e-7", "Algorithm 1 stops when ||g_hat - D diag(D^T g_hat)||_F <= this"),
      new KeyDoc("dstar.max.updates", "500", "Algorithm 1 gives up (and says so) after this many updates"),
      new KeyDoc("dstar.cache", "runs/dstar-cache", "folder of cached D* files, keyed by every setting D* depends on"),
      new KeyDoc("dstar", "(computed)", "a .npy file with D* to use instead of computing it"),
      new KeyDoc("jacobian", "false", "also estimate ||J_t - J_hat||_F (Theorem 3.2) along one random direction per sample (about one more forward pass)"),
      new KeyDoc("output", "runs/<config name>", "output directory (any Hadoop path)"),
      new KeyDoc("progress.seconds", "5", "at most one console progress line per this many seconds"));

  /** Every key {@code study} understands. */
  public static List<KeyDoc> keys() {
    List<KeyDoc> all = new ArrayList<>(SyntheticParams.KEYS);
    all.add(new KeyDoc("T", "200", "the deepest unfolding depth (the forward pass)"));
    all.add(new KeyDoc("lambda", "0.2", "lasso weight lambda > 0"));
    all.add(new KeyDoc("alpha", "0.2", "ISTA step; must satisfy alpha < 2 / sigma_max(D)^2"));
    all.addAll(OWN_KEYS);
    for (KeyDoc k : ExecutionParams.KEYS) {
      all.add(k.name().equals("partitions")
          ? new KeyDoc("partitions", "0", "RDD partitions; 0 = 4 per core of Spark's default parallelism")
          : k);
    }
    return Collections.unmodifiableList(all);
  }

  public static Set<String> keyNames() {
    Set<String> s = new LinkedHashSet<>();
    for (KeyDoc k : keys()) {
      s.add(k.name());
    }
    return s;
  }

  /** Reads and validates; rejects unknown keys. */
  public static StudyParams from(Config c) {
    SyntheticParams data = SyntheticParams.from(c);
    int T = c.integer("T", 200);
    double lambda = c.real("lambda", 0.2);
    double alpha = c.real("alpha", 0.2);
    String gridText = c.string("grid", null);
    int dense = c.integer("grid.dense", 20);
    int logCount = c.integer("grid.log", 10);
    String sweepText = c.string("sweep.n", null);
    String dictionary = c.string("dictionary", null);
    int groups = c.integer("groups", 10);
    double lassoTol = c.real("lasso.tolerance", 1e-11);
    int lassoIt = c.integer("lasso.max.iterations", 20000);
    long dn = c.longValue("dstar.n", 100000);
    double eta = c.real("dstar.eta", 3);
    double dTol = c.real("dstar.tolerance", 1e-7);
    int dMax = c.integer("dstar.max.updates", 500);
    String cache = c.string("dstar.cache", "runs/dstar-cache");
    String dFile = c.string("dstar", null);
    boolean jacobian = c.bool("jacobian", false);
    ExecutionParams exec = ExecutionParams.from(c);
    String output = c.string("output", "runs/" + c.name());
    double progress = c.real("progress.seconds", 5);
    c.requireAllUsed(keyNames());

    if (T < 1) {
      throw c.error("T", "expected at least one layer, got " + T);
    }
    if (!(lambda > 0) || Double.isInfinite(lambda)) {
      throw c.error("lambda", "expected a positive value, got " + lambda);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw c.error("alpha", "expected a positive step, got " + alpha);
    }
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
      for (int t : ts) {
        if (t < 1 || t > T) {
          throw c.error("grid", "expected depths in 1..T = " + T + ", got " + t);
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
      grid = DepthGrid.standard(T, dense, logCount);
    }
    if (grid.max() != T) {
      // the forward pass runs to the deepest depth on the grid
      T = grid.max();
    }
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
    if (groups < 1) {
      throw c.error("groups", "expected at least 1 group (2 or more for standard errors), got " + groups);
    }
    if (ns.first() < groups) {
      throw c.error("groups", groups + " groups need at least as many samples, the smallest n is " + ns.first());
    }
    FistaLasso.Options lasso;
    if (!(lassoTol > 0)) {
      throw c.error("lasso.tolerance", "expected a positive KKT residual, got " + lassoTol);
    }
    if (lassoIt < 1) {
      throw c.error("lasso.max.iterations", "expected a positive count, got " + lassoIt);
    }
    lasso = new FistaLasso.Options(lassoTol, lassoIt, FistaLasso.Options.DEFAULT.checkEvery(),
        FistaLasso.Options.DEFAULT.polishBelow());
    if (dn < 1) {
      throw c.error("dstar.n", "expected a positive sample count, got " + dn);
    }
    if (!(eta > 0) || Double.isInfinite(eta)) {
      throw c.error("dstar.eta", "expected a positive step, got " + eta);
    }
    if (!(dTol > 0)) {
      throw c.error("dstar.tolerance", "expected a positive tolerance, got " + dTol);
    }
    if (dMax < 1) {
      throw c.error("dstar.max.updates", "expected a positive count, got " + dMax);
    }
    if (!(progress >= 0)) {
      throw c.error("progress.seconds", "expected a non-negative number of seconds, got " + progress);
    }
    EncoderParams enc = new EncoderParams(T, alpha, lambda, ThresholdKind.SOFT, 0, 1);
    return new StudyParams(c.name(), data, enc, grid, List.copyOf(ns), dictionary, groups, lasso,
        new DStarParams(dn, eta, dTol, dMax, cache, dFile), jacobian, exec, output, progress);
  }

  /** The flops of the unfolded passes per sample: forward plus both ae backward passes (GEMMs). */
  public double flopsPerSample() {
    double pp = (double) data.p() * data.p();
    return 2 * pp * encoder.T() + 8 * pp * grid.sum();
  }
}
