package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.LassoGradient;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.io.Npy;
import org.pudle.kernels.linalg.Norms;
import org.pudle.kernels.study.DepthStudySums.Reference;
import org.pudle.kernels.study.StudyEstimates;
import org.pudle.kernels.study.StudyEstimates.Norm;
import org.pudle.kernels.study.StudyEstimates.Row;
import org.pudle.spark.agg.StudyAggregator;
import org.pudle.spark.config.Config;
import org.pudle.spark.io.StudyCsv;
import org.pudle.spark.study.DStar;
import org.pudle.spark.study.StudyJob;
import org.pudle.spark.study.StudyParams;

/** pudle study: the distributed numbers equal a direct single-process computation. */
class StudyJobTest {
  private static final String TINY = "m = 10\np = 16\nk = 2\nseed = 3\nsign = per-sample\ninit.tau = 0.3\n"
      + "T = 12\nlambda = 0.2\nalpha = 0.2\ngrid = 1,2,5,12\ngroups = 3\n"
      + "dstar.n = 300\ndstar.eta = 3\ndstar.tolerance = 1e-9\ndstar.max.updates = 400\nblock.size = 5\n"
      + "jacobian = true\n"
      + "progress.seconds = 1000\n";

  /** One D* cache for the class: D* of the tiny setting is computed once. */
  @TempDir
  static Path shared;

  private static StudyParams params(String text, Path dir) {
    return params(text, dir, shared.resolve("cache"));
  }

  static StudyParams params(String text, Path dir, Path cache) {
    Config c = Config.fromString(text + "\noutput = " + dir.resolve("out") + "\ndstar.cache = " + cache + "\n");
    return StudyParams.from(c);
  }

  private static StudyJob.Summary run(StudyParams p) throws IOException {
    PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return StudyJob.run(SparkTestSupport.sc(), p, java.util.Map.of(), console);
  }

  /** sum_i (D z_i - x_i) z_i^T by loops. */
  private static double[] outer(double[] d, double[] x, double[] z, int m, int p, int from, int to) {
    double[] g = new double[m * p];
    for (int i = from; i < to; i++) {
      for (int a = 0; a < m; a++) {
        double r = -x[i * m + a];
        for (int j = 0; j < p; j++) {
          r += d[a + j * m] * z[i * p + j];
        }
        for (int j = 0; j < p; j++) {
          g[a + j * m] += r * z[i * p + j];
        }
      }
    }
    return g;
  }

  /**
   * The study's numbers by the trainer's kernels (T = t, one call per depth), FISTA from zero and
   * loops, for the samples [from, to): {@code [kind][depth][ref][norm]} of the differences of
   * sums (not means), so that groups can be combined.
   */
  private static double[][] directSums(StudyParams p, double[] d, double[] dStar, double[] x, double[] zTilde,
      int from, int to, GradientKind kind, int t) {
    int m = p.data().m();
    int pp = p.data().p();
    int cols = to - from;
    double[] xs = Arrays.copyOfRange(x, from * m, to * m);
    GradientSums g = new GradientSums(m, pp);
    new UnfoldedIstaCpu(DictionaryOperator.of(d, m, pp, 0.2), p.encoder().withT(t)).accumulate(kind, xs, 0, cols, g);
    GradientSums hat = new GradientSums(m, pp);
    LassoGradient.accumulate(new FistaLasso(d, m, pp, 0.2, FistaLasso.Options.DEFAULT), xs, 0, cols, hat);
    double[] zStar = new FistaLasso(dStar, m, pp, 0.2, FistaLasso.Options.DEFAULT).solve(xs, 0, cols).z();
    double[] star = outer(d, xs, zStar, m, pp, 0, cols);
    double[] tilde = outer(d, x, zTilde, m, pp, from, to);
    double[][] refs = {hat.gradientBuffer(), star, tilde};
    double[][] diffs = new double[3][];
    for (int r = 0; r < 3; r++) {
      diffs[r] = new double[m * pp];
      for (int q = 0; q < m * pp; q++) {
        diffs[r][q] = g.gradientBuffer()[q] - refs[r][q];
      }
    }
    return diffs;
  }

  private static double norm(double[] a, int m, int p, Norm norm) {
    return norm == Norm.FRO ? Norms.frobenius(a) : Norms.singularValues(a, m, p)[0];
  }

  @Test
  void studyEqualsDirectSingleProcessComputationForAnyPartitioning(@TempDir Path dir) throws IOException {
    int n = 41;
    StudyParams p1 = params(TINY + "n = " + n + "\npartitions = 1\n", dir.resolve("p1"));
    StudyJob.Summary s1 = run(p1);
    StudyParams p4 = params(TINY + "n = " + n + "\npartitions = 4\n", dir);
    StudyJob.Summary s4 = run(p4);
    assertTrue(s4.dStar().cached(), "the second run reads D* from the cache");
    assertTrue(s1.dStar().converged());
    assertArrayEquals(s1.dStar().dictionary(), s4.dStar().dictionary(), 0.0);

    int m = 10;
    int pp = 16;
    SyntheticModel model = p1.data().model();
    double[] dTilde = model.dictionaryTilde();
    double[] d = model.initialDictionary(dTilde, 0.3);
    double[] x = new double[m * n];
    int[] support = new int[2 * n];
    double[] amp = new double[2 * n];
    model.generate(dTilde, 0, n, x, 0, support, amp);
    double[] zTilde = new double[pp * n];
    model.denseCodes(support, amp, n, zTilde, 0);
    double[] dStar = s1.dStar().dictionary();
    int groups = 3;
    List<Row> rows1 = s1.main(n).rows();
    List<Row> rows4 = s4.main(n).rows();
    assertEquals(3 * 4, rows1.size());
    for (int i = 0; i < rows1.size(); i++) {
      Row a = rows1.get(i);
      Row b = rows4.get(i);
      assertEquals(a.jacobianError(), b.jacobianError(), 1e-12 * a.jacobianError(), "partitions, Jacobian");
      assertEquals(a.jacobianErrorSe(), b.jacobianErrorSe(), 1e-9 * a.jacobianErrorSe(), "partitions, Jacobian se");
      assertTrue(a.jacobianError() > 0 && a.jacobianErrorSe() > 0);
      for (Reference r : Reference.values()) {
        for (Norm nm : Norm.values()) {
          assertEquals(a.error(r, nm), b.error(r, nm), 1e-12 * a.error(r, nm), "partitions: " + a);
          assertEquals(a.se(r, nm), b.se(r, nm), 1e-9 * a.se(r, nm), "partitions, se: " + a);
        }
      }
    }
    for (Row row : rows1) {
      double[][] total = directSums(p1, d, dStar, x, zTilde, 0, n, row.kind(), row.t());
      double[][][] perGroup = new double[groups][][];
      int[] sizes = new int[groups];
      for (int g = 0; g < groups; g++) {
        int from = (int) Math.ceil((double) g * n / groups);
        int to = (int) Math.ceil((double) (g + 1) * n / groups);
        assertEquals(g, StudyAggregator.groupOf(from, n, groups));
        perGroup[g] = directSums(p1, d, dStar, x, zTilde, from, to, row.kind(), row.t());
        sizes[g] = to - from;
      }
      for (Reference r : Reference.values()) {
        for (Norm nm : Norm.values()) {
          double[] mean = total[r.ordinal()].clone();
          for (int q = 0; q < mean.length; q++) {
            mean[q] /= n;
          }
          double expected = norm(mean, m, pp, nm);
          // z_hat and z* come from other starts: equal to the KKT tolerance's scale
          assertEquals(expected, row.error(r, nm), 1e-8 * expected, row.t() + " " + row.kind() + " " + r + " " + nm);
          double[] leave = new double[groups];
          for (int g = 0; g < groups; g++) {
            double[] l = new double[mean.length];
            for (int q = 0; q < l.length; q++) {
              l[q] = (total[r.ordinal()][q] - perGroup[g][r.ordinal()][q]) / (n - sizes[g]);
            }
            leave[g] = norm(l, m, pp, nm);
          }
          double se = StudyEstimates.jackknife(leave);
          assertEquals(se, row.se(r, nm), 1e-6 * se + 1e-14, "se " + row.t() + " " + row.kind() + " " + r + " " + nm);
          assertTrue(se > 0);
        }
      }
    }
    // the outputs
    Path out = dir.resolve("out");
    List<String> csv = Files.readAllLines(out.resolve("study.csv"));
    assertEquals(StudyCsv.HEADER, csv.get(0));
    assertEquals(13, csv.size());
    String[] header = csv.get(0).split(",");
    String[] last = csv.get(12).split(",", -1);
    assertEquals("12", last[0]);
    assertEquals("ae-lasso", last[1]);
    assertEquals(rows4.get(11).error(Reference.STAR, Norm.OPERATOR),
        Double.parseDouble(last[Arrays.asList(header).indexOf("gstar_spec")]), 0.0);
    assertEquals(String.valueOf(n), last[header.length - 1]);
    for (String png : List.of("fig2.png", "fig3.png", "fig4a.png", "fig4b.png", "jacobian.png")) {
      byte[] b = Files.readAllBytes(out.resolve(png));
      assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', png);
    }
    assertTrue(Files.readString(out.resolve("summary.txt")).contains("closest to g~"));
    // the figures again from the CSV: the rows read back are the rows written
    List<Row> back = StudyCsv.read(org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration())
        .getRaw(), new org.apache.hadoop.fs.Path(out.resolve("study.csv").toString()));
    assertEquals(rows4.size(), back.size());
    for (int i = 0; i < back.size(); i++) {
      assertEquals(rows4.get(i).t(), back.get(i).t());
      assertEquals(rows4.get(i).kind(), back.get(i).kind());
      assertEquals(rows4.get(i).error(Reference.TILDE, Norm.FRO), back.get(i).error(Reference.TILDE, Norm.FRO), 0.0);
      assertEquals(rows4.get(i).jacobianErrorSe(), back.get(i).jacobianErrorSe(), 0.0);
    }
    Files.delete(out.resolve("fig3.png"));
    assertEquals(0, org.pudle.spark.cli.PudleMain.execute(new java.io.PrintWriter(new java.io.StringWriter()),
        new java.io.PrintWriter(new java.io.StringWriter()), "study", "--replot", out.toString()));
    assertTrue(Files.size(out.resolve("fig3.png")) > 1000);
    try (InputStream in = Files.newInputStream(out.resolve("dstar.npy"))) {
      assertArrayEquals(dStar, Npy.read(in, "dstar.npy").columnMajor(), 0.0);
    }
    try (var files = Files.list(out)) {
      assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".inprogress")));
    }
  }

  /** D* is a fixed point of Algorithm 1: g_hat at D* is parallel to its columns, checked directly. */
  @Test
  void dStarIsACriticalPointOfTheLassoRiskOnUnitColumns(@TempDir Path dir) throws IOException {
    StudyParams p = params(TINY + "n = 10\n", dir);
    DStar.Result r = DStar.obtain(SparkTestSupport.sc(), p,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertTrue(r.converged());
    int m = 10;
    int pp = 16;
    SyntheticModel model = p.data().model();
    double[] x = new double[m * 300];
    model.generate(model.dictionaryTilde(), 0, 300, x, 0, null, null);
    GradientSums g = new GradientSums(m, pp);
    LassoGradient.accumulate(new FistaLasso(r.dictionary(), m, pp, 0.2, FistaLasso.Options.DEFAULT), x, 0, 300, g);
    double[] mean = g.meanGradient();
    assertTrue(DStar.riemannianNorm(r.dictionary(), mean, m, pp) <= 1.5e-9, "||r|| = "
        + DStar.riemannianNorm(r.dictionary(), mean, m, pp));
    assertTrue(Norms.frobenius(mean) > 1e-3, "g_hat itself is not zero, only its tangent part");
    for (int j = 0; j < pp; j++) {
      assertEquals(1.0, Norms.frobenius(r.dictionary(), j * m, m), 1e-14, "unit column " + j);
    }
    double[] dTilde = model.dictionaryTilde();
    assertFalse(Arrays.equals(dTilde, r.dictionary()), "D* moved away from D_tilde (the lasso's bias)");
    DStar.Result again = DStar.obtain(SparkTestSupport.sc(), p,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertTrue(again.cached());
    assertArrayEquals(r.dictionary(), again.dictionary(), 0.0);
    // another setting it depends on: another cache entry (two updates are enough to tell)
    StudyParams other = params(TINY.replace("dstar.max.updates = 400", "dstar.max.updates = 2")
        .replace("lambda = 0.2\n", "lambda = 0.25\n") + "n = 10\n", dir);
    DStar.Result r2 = DStar.obtain(SparkTestSupport.sc(), other,
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertFalse(r2.cached());
    assertFalse(r2.converged(), "two updates do not reach 1e-9");
    try (var files = Files.list(shared.resolve("cache"))) {
      assertEquals(4, files.filter(f -> !f.getFileName().toString().startsWith(".")).count(), "two .npy + .properties");
    }
  }

  @Test
  void standardErrorsShrinkAsNGrows(@TempDir Path dir) throws IOException {
    // 20 groups: a jackknife standard error has about 19 degrees of freedom, +-16%
    StudyParams p = params(TINY.replace("groups = 3", "groups = 20") + "n = 3200\nsweep.n = 200\n", dir);
    StudyJob.Summary s = run(p);
    assertEquals(List.of(200L, 3200L), p.sweep());
    List<Row> small = s.passes().get(0).rows();
    List<Row> large = s.passes().get(1).rows();
    // 16x the samples: the standard errors should fall about 4x
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < small.size(); i++) {
      for (Reference r : Reference.values()) {
        ratios.add(small.get(i).se(r, Norm.FRO) / large.get(i).se(r, Norm.FRO));
      }
      ratios.add(small.get(i).codeErrorSe() / large.get(i).codeErrorSe());
    }
    ratios.sort(null);
    double median = ratios.get(ratios.size() / 2);
    assertTrue(median > 2.5 && median < 6.5, "median se ratio " + median + " of " + ratios);
    assertTrue(Files.exists(dir.resolve("out").resolve("sweep.csv")));
    assertEquals(1 + 2 * 12, Files.readAllLines(dir.resolve("out").resolve("sweep.csv")).size());
    assertTrue(Files.exists(dir.resolve("out").resolve("sweep-fig3.png")));
  }
}
