package org.pudle.spark.study;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.io.Npy;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.linalg.Norms;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.kernels.study.DepthGrid;
import org.pudle.kernels.study.DepthStudySums;
import org.pudle.kernels.study.DepthStudySums.Phase;
import org.pudle.kernels.study.DepthStudySums.Reference;
import org.pudle.kernels.study.StudyEstimates;
import org.pudle.kernels.study.StudyEstimates.Norm;
import org.pudle.kernels.study.StudyEstimates.Row;
import org.pudle.spark.SparkSessions;
import org.pudle.spark.agg.DistributedPass;
import org.pudle.spark.agg.KernelProbe;
import org.pudle.spark.agg.StudyAggregator;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.IstaStep;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.io.Matrices;
import org.pudle.spark.io.OutputDir;
import org.pudle.spark.io.Storage;
import org.pudle.spark.plot.Plots;
import org.pudle.spark.train.Progress;

/**
 * {@code pudle study}: the large-sample gradient studies of the paper's section 3 (Figures 2, 3,
 * 4a and 4b). For a dictionary D (by default D0 = normalize(D_tilde + tau_B B)) and every depth t
 * of a grid, in one distributed pass over n synthetic samples generated on the executors:
 * the mean {@code ||z_t - z_hat||_2} and, for {@code g_dec}, {@code g_ae-ls} and
 * {@code g_ae-lasso}, the distances of the mean gradient to {@code g_hat}, {@code g_star} and
 * {@code g_tilde} in Frobenius and spectral norm, each with a jackknife standard error over groups
 * of samples. {@code D*} comes from {@link DStar} (cached). A sweep runs the same study for
 * several n.
 *
 * <p>Outputs: {@code study.csv}, {@code sweep.csv} (with a sweep), {@code fig2.png},
 * {@code fig3.png}, {@code fig4a.png}, {@code fig4b.png}, {@code sweep-fig*.png},
 * {@code summary.txt}, {@code run.properties}, {@code dictionary.npy} (D), {@code dstar.npy},
 * {@code generating-dictionary.npy}.
 */
public final class StudyJob {
  /** The header of {@code study.csv} and {@code sweep.csv}. */
  public static final String CSV_HEADER;

  static {
    StringBuilder sb = new StringBuilder("t,gradient");
    for (String suffix : new String[] {"", "_se"}) {
      for (Norm norm : Norm.values()) {
        for (Reference r : Reference.values()) {
          sb.append(',').append(r.key()).append('_').append(norm.key()).append(suffix);
        }
      }
    }
    sb.append(",z_err,z_err_se,support_found,jac_err,jac_err_se,n");
    CSV_HEADER = sb.toString();
  }

  private StudyJob() {}

  /**
   * The study at one n.
   *
   * @param rows    the rows of study.csv
   * @param total   the sums over all samples
   * @param seconds the wall time of the pass
   */
  public record Pass(long n, List<Row> rows, DepthStudySums total, double seconds) {}

  /** What a run produced. */
  public record Summary(List<Pass> passes, DStar.Result dStar, double[] dictionary, String text, double seconds) {
    /** The pass at the study's n (the config's {@code n}). */
    public Pass main(long n) {
      for (Pass p : passes) {
        if (p.n() == n) {
          return p;
        }
      }
      throw new IllegalStateException("no pass at n = " + n);
    }
  }

  /** The dictionary to study: the given file, or D0. */
  static double[] studiedDictionary(StudyParams params, org.apache.hadoop.conf.Configuration conf) throws IOException {
    var data = params.data();
    if (params.dictionary() != null) {
      return DStar.readDictionary(params.dictionary(), data.m(), data.p(), conf, "dictionary");
    }
    var model = data.model();
    return model.initialDictionary(model.dictionaryTilde(), data.tauB());
  }

  /** Checks what needs the dictionary (its file, the ISTA step) before Spark starts. */
  public static void validate(Config c, StudyParams params) throws IOException {
    org.apache.hadoop.conf.Configuration conf = Storage.driverConfiguration();
    if (params.dictionary() != null) {
      Storage.checkReadable(params.dictionary(), conf, "config key 'dictionary'");
    }
    Storage.checkWritable(params.output(), conf, "config key 'output'");
    double[] d;
    try {
      d = studiedDictionary(params, conf);
    } catch (IOException e) {
      // a malformed dictionary file is the config's: the reader names it
      if (params.dictionary() != null && String.valueOf(e.getMessage()).contains(params.dictionary())) {
        throw c.error("dictionary", e.getMessage());
      }
      throw e;
    }
    double sigma = Norms.singularValues(d, params.data().m(), params.data().p())[0];
    IstaStep.check(c, params.encoder().alpha(), sigma, params.dictionary() == null ? "D0" : params.dictionary());
  }

  /** Runs in its own (or spark-submit's) SparkSession. */
  public static Summary run(StudyParams params, Map<String, String> given, PrintStream console) throws IOException {
    try (SparkSessions.Handle spark = SparkSessions.open("pudle study " + params.name())) {
      return run(spark.context(), params, given, console);
    }
  }

  /** Runs on an existing context (tests share one). */
  public static Summary run(JavaSparkContext sc, StudyParams params, Map<String, String> given, PrintStream console)
      throws IOException {
    long start = System.nanoTime();
    var data = params.data();
    int m = data.m();
    int p = data.p();
    var model = data.model();
    double[] dTilde = model.dictionaryTilde();
    double[] d = studiedDictionary(params, sc.hadoopConfiguration());
    int partitions = params.execution().partitions() > 0 ? params.execution().partitions()
        : 4 * sc.defaultParallelism();
    // the backend of the unfolded passes is resolved on the executors before anything is written:
    // kernels=cuda without a device is a configuration error
    String backend = params.execution().kernelsSpec();
    List<String> kernels = backend.startsWith("cpu") ? List.of() : KernelProbe.resolve(sc, backend, partitions);
    OutputDir out = OutputDir.open(params.output(), sc.hadoopConfiguration());
    DepthGrid grid = params.grid();
    console.printf(Locale.ROOT, "[study] %s: m=%d p=%d k=%d seed=%d, T=%d lambda=%s alpha=%s, D = %s%n",
        params.name(), m, p, data.k(), data.seed(), params.encoder().T(), params.encoder().lambda(),
        params.encoder().alpha(), params.dictionary() == null ? "D0 (tau_B " + data.tauBText() + ")"
            : params.dictionary());
    console.printf(Locale.ROOT, "[study] %d depths (%s), sum %d: %.3g GEMM flops per sample for the unfolded passes "
        + "(forward %.3g + ae backward %.3g); n = %s; %d partitions, %d jackknife groups; %s; output %s%n",
        grid.size(), grid, grid.sum(), params.flopsPerSample(), 2.0 * p * p * params.encoder().T(),
        8.0 * p * p * grid.sum(), params.sweep(), partitions, params.groups(), Blas.description(), out);

    if (!kernels.isEmpty()) {
      console.printf(Locale.ROOT, "[study] kernels: %s%n", String.join("; ", kernels));
    }
    DStar.Result dStar = DStar.obtain(sc, params, console);
    List<Pass> passes = new ArrayList<>();
    for (long n : params.sweep()) {
      passes.add(pass(sc, params, d, dStar.dictionary(), n, partitions, console));
    }
    double seconds = (System.nanoTime() - start) * 1e-9;
    String text = summaryText(params, passes, dStar, d, dTilde, seconds, out);
    Summary summary = new Summary(passes, dStar, d, text, seconds);
    writeOutputs(out, params, given, summary, dTilde);
    console.print(text);
    return summary;
  }

  /** One distributed pass over n samples: one treeAggregate. */
  static Pass pass(JavaSparkContext sc, StudyParams params, double[] d, double[] dStar, long n, int partitions,
      PrintStream console) {
    long t0 = System.nanoTime();
    var data = params.data();
    int m = data.m();
    int p = data.p();
    SyntheticSource source = new SyntheticSource(data.model(), n);
    int parts = (int) Math.min(partitions, n);
    JavaRDD<SampleBlock> blocks = source.blocks(sc, parts, params.execution().blockSize());
    blocks.setName("pudle study samples (" + source.describe() + ")");
    Broadcast<double[]> star = sc.broadcast(dStar.clone());
    StudyAggregator agg;
    Progress progress = new Progress(console, "study n=" + n, parts, params.progressSeconds());
    try (TaskProgress listener = new TaskProgress(sc.sc(), progress, parts, n)) {
      agg = DistributedPass.aggregate(sc, blocks, d,
          bc -> new StudyAggregator(bc, star, m, p, params.encoder(), params.grid(), params.lasso(),
              params.execution().scratchBytes(), KernelSpec.parse(params.execution().kernelsSpec()), n,
              params.groups(), params.jacobian(), data.seed()),
          StudyAggregator::add, StudyAggregator::merge, params.execution().aggregateDepth());
    } finally {
      star.destroy();
    }
    DepthStudySums total = agg.total();
    if (total.count() != n) {
      throw new IllegalStateException("study: the pass saw " + total.count() + " samples, expected " + n);
    }
    List<Row> rows = StudyEstimates.rows(params.grid(), total, agg.groups());
    double seconds = (System.nanoTime() - t0) * 1e-9;
    console.printf(Locale.ROOT, "[study] n=%d done in %s: task-seconds forward %.1f, lasso z_hat %.1f, lasso z* %.1f, "
        + "backward %.1f, references %.1f; lasso max KKT %.1e, %d codes above tolerance%n", n,
        Progress.duration(seconds), total.seconds(Phase.FORWARD), total.seconds(Phase.LASSO_HAT),
        total.seconds(Phase.LASSO_STAR), total.seconds(Phase.BACKWARD), total.seconds(Phase.REFERENCES),
        total.maxKkt(), total.unconverged());
    return new Pass(n, rows, total, seconds);
  }

  // ---- outputs

  static String csvRow(Row r) {
    StringBuilder sb = new StringBuilder();
    sb.append(r.t()).append(',').append(r.kind().key());
    for (int s = 0; s < 2; s++) {
      for (Norm norm : Norm.values()) {
        for (Reference ref : Reference.values()) {
          sb.append(',').append(num(s == 0 ? r.error(ref, norm) : r.se(ref, norm)));
        }
      }
    }
    sb.append(',').append(num(r.codeError())).append(',').append(num(r.codeErrorSe())).append(',')
        .append(num(r.supportFound())).append(',').append(num(r.jacobianError())).append(',')
        .append(num(r.jacobianErrorSe())).append(',').append(r.n());
    return sb.toString();
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : Matrices.formatExact(v);
  }

  private static String csv(List<Row> rows) {
    StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
    for (Row r : rows) {
      sb.append(csvRow(r)).append('\n');
    }
    return sb.toString();
  }

  /** The paper's labels. */
  static String label(GradientKind k) {
    return "g_" + k.key() + " (t)";
  }

  /** The norm of the figures: the paper's ||.||_2 of a gradient is that of the flattened matrix (Frobenius). */
  static final Norm FIGURE_NORM = Norm.FRO;

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

  private static void writeOutputs(OutputDir out, StudyParams params, Map<String, String> given, Summary s,
      double[] dTilde) throws IOException {
    int m = params.data().m();
    int p = params.data().p();
    Pass main = s.main(params.data().n());
    String setting = String.format(Locale.ROOT, "m=%d p=%d k=%d n=%d lambda=%s alpha=%s", m, p, params.data().k(),
        main.n(), params.encoder().lambda(), params.encoder().alpha());
    out.writeText("study.csv", csv(main.rows()));
    if (s.passes().size() > 1) {
      List<Row> all = new ArrayList<>();
      for (Pass ps : s.passes()) {
        all.addAll(ps.rows());
      }
      out.writeText("sweep.csv", csv(all));
    }
    writePlots(out, setting, main.rows(), s.passes(), params.jacobian(), params.grid());
    out.write("dictionary.npy", o -> Npy.writeColumnMajor(o, s.dictionary(), m, p));
    out.write("dstar.npy", o -> Npy.writeColumnMajor(o, s.dStar().dictionary(), m, p));
    out.write("generating-dictionary.npy", o -> Npy.writeColumnMajor(o, dTilde, m, p));
    out.writeText("run.properties", runProperties(params, given));
    out.writeText("summary.txt", s.text());
  }

  /** The PNGs: fig2, fig3, fig4a, fig4b, jacobian (when measured) and, with several n, sweep-fig*. */
  static void writePlots(OutputDir out, String setting, List<Row> rows, List<Pass> passes, boolean jacobian,
      DepthGrid grid) throws IOException {
    out.write("fig2.png", o -> Plots.logYWithErrors(o, "Fig. 2: mean ||z_t - z^||_2 (" + setting + ")",
        "number of unfoldings t", "||z_t - z^||_2", List.of(curve(rows, GradientKind.DEC, null, "z_t")), false,
        900, 560));
    for (var f : FIGURES.entrySet()) {
      List<Plots.ErrorSeries> curves = new ArrayList<>();
      for (GradientKind k : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LASSO, GradientKind.AE_LS}) {
        curves.add(curve(rows, k, f.getKey(), label(k)));
      }
      out.write(f.getValue()[0] + ".png", o -> Plots.logYWithErrors(o, f.getValue()[1] + " (" + setting + ")",
          "number of unfoldings t", f.getValue()[2], curves, false, 900, 560));
    }
    if (jacobian) {
      List<Row> sel = rows.stream().filter(r -> r.kind() == GradientKind.DEC).toList();
      double[] x = sel.stream().mapToDouble(Row::t).toArray();
      double[] y = sel.stream().mapToDouble(Row::jacobianError).toArray();
      double[] se = sel.stream().mapToDouble(Row::jacobianErrorSe).toArray();
      out.write("jacobian.png", o -> Plots.logYWithErrors(o, "Thm. 3.2: RMS ||J_t - J^||_F (" + setting + ")",
          "number of unfoldings t", "||J_t - J^||_F", List.of(new Plots.ErrorSeries("J_t", x, y, se)), false, 900,
          560));
    }
    if (passes.size() > 1) {
      writeSweepPlots(out, grid, passes);
    }
  }

  /**
   * Draws the PNGs again from the CSV files of a finished study in {@code dir} ({@code study.csv},
   * {@code sweep.csv} when present, {@code run.properties} for the titles): restyled figures
   * without recomputing anything. Returns a line saying what was drawn.
   */
  public static String replot(String dir, org.apache.hadoop.conf.Configuration conf) throws IOException {
    OutputDir out = OutputDir.open(dir, conf);
    org.apache.hadoop.fs.FileSystem fs = out.fileSystem();
    if (!fs.exists(out.path("study.csv"))) {
      throw new IOException(dir + ": no study.csv (not the output folder of pudle study?)");
    }
    java.util.Properties props = new java.util.Properties();
    if (fs.exists(out.path("run.properties"))) {
      try (java.io.InputStream in = fs.open(out.path("run.properties"))) {
        props.load(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    List<Row> rows = readCsv(fs, out.path("study.csv"));
    List<Pass> passes = new ArrayList<>();
    if (fs.exists(out.path("sweep.csv"))) {
      Map<Long, List<Row>> byN = new java.util.TreeMap<>();
      for (Row r : readCsv(fs, out.path("sweep.csv"))) {
        byN.computeIfAbsent(r.n(), k -> new ArrayList<>()).add(r);
      }
      byN.forEach((n, rs) -> passes.add(new Pass(n, rs, null, Double.NaN)));
    }
    DepthGrid grid = DepthGrid.of(rows.stream().mapToInt(Row::t).toArray());
    boolean jacobian = rows.stream().anyMatch(r -> !Double.isNaN(r.jacobianError()));
    String setting = String.format(Locale.ROOT, "m=%s p=%s k=%s n=%d lambda=%s alpha=%s", props.getProperty("m", "?"),
        props.getProperty("p", "?"), props.getProperty("k", "?"), rows.get(0).n(), props.getProperty("lambda", "?"),
        props.getProperty("alpha", "?"));
    writePlots(out, setting, rows, passes, jacobian, grid);
    return String.format(Locale.ROOT, "[study] redrew the figures of %s from its CSV files (%d rows%s)", out,
        rows.size(), passes.size() > 1 ? ", " + passes.size() + " sample counts" : "");
  }

  /** Reads the rows of a study.csv or sweep.csv, by header name. */
  public static List<Row> readCsv(org.apache.hadoop.fs.FileSystem fs, org.apache.hadoop.fs.Path path) throws IOException {
    List<String> lines;
    try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(fs.open(path),
        java.nio.charset.StandardCharsets.UTF_8))) {
      lines = r.lines().toList();
    }
    if (lines.isEmpty()) {
      throw new IOException(path + ": empty");
    }
    List<String> header = java.util.Arrays.asList(lines.get(0).split(","));
    List<Row> rows = new ArrayList<>();
    for (int li = 1; li < lines.size(); li++) {
      if (lines.get(li).isBlank()) {
        continue;
      }
      String[] f = lines.get(li).split(",", -1);
      if (f.length != header.size()) {
        throw new IOException(path + ", line " + (li + 1) + ": expected " + header.size() + " fields, got " + f.length);
      }
      java.util.function.Function<String, Double> col = name -> {
        int i = header.indexOf(name);
        return i < 0 || f[i].isEmpty() ? Double.NaN : Double.parseDouble(f[i]);
      };
      try {
        double[][] err = new double[Reference.values().length][2];
        double[][] se = new double[Reference.values().length][2];
        for (Reference ref : Reference.values()) {
          for (Norm norm : Norm.values()) {
            err[ref.ordinal()][norm.ordinal()] = col.apply(ref.key() + "_" + norm.key());
            se[ref.ordinal()][norm.ordinal()] = col.apply(ref.key() + "_" + norm.key() + "_se");
          }
        }
        rows.add(new Row((int) Math.round(col.apply("t")), GradientKind.parse(f[header.indexOf("gradient")]), err, se,
            col.apply("z_err"), col.apply("z_err_se"), col.apply("support_found"), col.apply("jac_err"),
            col.apply("jac_err_se"), Math.round(col.apply("n"))));
      } catch (IllegalArgumentException e) {
        throw new IOException(path + ", line " + (li + 1) + ": " + e.getMessage(), e);
      }
    }
    return rows;
  }

  /** Per figure: the error at the deepest t and at t = 20 (or the middle depth) against n. */
  private static void writeSweepPlots(OutputDir out, DepthGrid grid, List<Pass> passes) throws IOException {
    int deep = grid.max();
    int shallow = grid.depth(Math.min(grid.size() - 1, Math.max(0, grid.indexOf(20) >= 0 ? grid.indexOf(20)
        : grid.size() / 2)));
    int[] depths = shallow == deep ? new int[] {deep} : new int[] {shallow, deep};
    double[] ns = passes.stream().mapToDouble(Pass::n).toArray();
    // Fig. 2
    List<Plots.ErrorSeries> z = new ArrayList<>();
    for (int t : depths) {
      double[] y = new double[ns.length];
      double[] se = new double[ns.length];
      for (int i = 0; i < passes.size(); i++) {
        Row r = find(passes.get(i).rows(), t, GradientKind.DEC);
        y[i] = r.codeError();
        se[i] = r.codeErrorSe();
      }
      z.add(new Plots.ErrorSeries("||z_t - z^||, t=" + t, ns, y, se));
    }
    out.write("sweep-fig2.png", o -> Plots.logYWithErrors(o, "Fig. 2 against n: mean ||z_t - z^||_2", "samples n",
        "||z_t - z^||_2", z, true, 900, 560));
    for (var f : FIGURES.entrySet()) {
      List<Plots.ErrorSeries> curves = new ArrayList<>();
      for (int t : depths) {
        for (GradientKind k : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LASSO, GradientKind.AE_LS}) {
          double[] y = new double[ns.length];
          double[] se = new double[ns.length];
          for (int i = 0; i < passes.size(); i++) {
            Row r = find(passes.get(i).rows(), t, k);
            y[i] = r.error(f.getKey(), FIGURE_NORM);
            se[i] = r.se(f.getKey(), FIGURE_NORM);
          }
          curves.add(new Plots.ErrorSeries("g_" + k.key() + ", t=" + t, ns, y, se));
        }
      }
      out.write("sweep-" + f.getValue()[0] + ".png", o -> Plots.logYWithErrors(o, f.getValue()[1] + " against n",
          "samples n", f.getValue()[2], curves, true, 900, 560));
    }
  }

  static Row find(List<Row> rows, int t, GradientKind kind) {
    for (Row r : rows) {
      if (r.t() == t && r.kind() == kind) {
        return r;
      }
    }
    return null;
  }

  // ---- the text summary

  /** The fraction of samples with supp(z_t) = supp(z_hat) from which a curve counts as settled. */
  static final double SUPPORT_FOUND = 0.95;

  /**
   * The fitted linear rate of a curve: the least-squares slope of log(error) against t over the
   * depths where at least 95% of the samples have found the support of z_hat, as a factor per
   * layer {@code rho = exp(slope)}; {@code {rho, first t, last t, points}}, or NaNs with fewer than
   * two such depths. (The mean error is held up by the slowest samples, so the fitted rate of a mean
   * is slower than that of a typical sample.)
   */
  static double[] rate(List<Row> rows, GradientKind kind, Reference ref, Norm norm) {
    return rate(rows, kind, ref, norm, false);
  }

  static double[] rate(List<Row> rows, GradientKind kind, Reference ref, Norm norm, boolean jacobian) {
    List<double[]> pts = new ArrayList<>();
    for (Row r : rows) {
      if (r.kind() != kind || r.supportFound() < SUPPORT_FOUND) {
        continue;
      }
      double y = jacobian ? r.jacobianError() : ref == null ? r.codeError() : r.error(ref, norm);
      if (y > 0 && Double.isFinite(y)) {
        pts.add(new double[] {r.t(), Math.log(y)});
      }
    }
    if (pts.size() < 2) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN, pts.size()};
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
    return new double[] {Math.exp(sxy / sxx), pts.get(0)[0], pts.get(pts.size() - 1)[0], pts.size()};
  }

  static String summaryText(StudyParams params, List<Pass> passes, DStar.Result dStar, double[] d, double[] dTilde,
      double seconds, OutputDir out) {
    int m = params.data().m();
    int p = params.data().p();
    StringBuilder sb = new StringBuilder();
    Pass main = passes.stream().filter(ps -> ps.n() == params.data().n()).findFirst().orElseThrow();
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
    double[] zr = rate(rows, GradientKind.DEC, null, Norm.FRO);
    sb.append(String.format(Locale.ROOT, "  ||z_t - z^||          rho = %.5f  (t = %.0f..%.0f, %d depths)%n", zr[0],
        zr[1], zr[2], (int) zr[3]));
    for (GradientKind k : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LASSO, GradientKind.AE_LS}) {
      double[] rf = rate(rows, k, Reference.HAT, Norm.FRO);
      double[] rs = rate(rows, k, Reference.HAT, Norm.SPEC);
      sb.append(String.format(Locale.ROOT, "  ||g_%-8s - g^||   rho = %.5f (F), %.5f (2)  (t = %.0f..%.0f, %d depths)%n",
          k.key(), rf[0], rs[0], rf[1], rf[2], (int) rf[3]));
    }
    if (params.jacobian()) {
      double[] jr = rate(rows, GradientKind.DEC, null, Norm.FRO, true);
      sb.append(String.format(Locale.ROOT, "  RMS ||J_t - J^||_F    rho = %.5f  (t = %.0f..%.0f, %d depths; Theorem 3.2: "
          + "O(t rho^(t-1)))%n", jr[0], jr[1], jr[2], (int) jr[3]));
      double ref = Math.sqrt(main.total().jacobianReferenceSum() / main.n());
      StringBuilder js = new StringBuilder();
      for (int t : new int[] {grid.depth(0), 20, 100, grid.max()}) {
        Row r = find(rows, t, GradientKind.DEC);
        if (r != null && js.indexOf("t = " + t + ":") < 0) {
          js.append(String.format(Locale.ROOT, "%st = %d: %.4e +- %.1e", js.length() > 0 ? "; " : "", t,
              r.jacobianError(), r.jacobianErrorSe()));
        }
      }
      sb.append(String.format(Locale.ROOT, "[study] Jacobian (one random rank-one direction E per sample, "
          + "E[vec E vec E^T] = I): RMS ||J^ E|| = %.4e; RMS ||(J_t - J^) E||: %s%n", ref, js));
    }
    sb.append("[study] ratio of the g_dec to the g_ae-lasso error to g^:\n");
    for (int t : new int[] {50, 100, 200}) {
      Row dec = find(rows, t, GradientKind.DEC);
      Row lasso = find(rows, t, GradientKind.AE_LASSO);
      if (dec == null) {
        sb.append(String.format(Locale.ROOT, "  t = %3d: not on the grid%n", t));
        continue;
      }
      sb.append(String.format(Locale.ROOT, "  t = %3d: F %.4e / %.4e = %.3g;  2 %.4e / %.4e = %.3g%n", t,
          dec.error(Reference.HAT, Norm.FRO), lasso.error(Reference.HAT, Norm.FRO),
          dec.error(Reference.HAT, Norm.FRO) / lasso.error(Reference.HAT, Norm.FRO),
          dec.error(Reference.HAT, Norm.SPEC), lasso.error(Reference.HAT, Norm.SPEC),
          dec.error(Reference.HAT, Norm.SPEC) / lasso.error(Reference.HAT, Norm.SPEC)));
    }
    int last = grid.max();
    for (Reference ref : new Reference[] {Reference.TILDE, Reference.STAR}) {
      for (Norm norm : Norm.values()) {
        GradientKind best = null;
        double bestErr = Double.POSITIVE_INFINITY;
        StringBuilder all = new StringBuilder();
        for (GradientKind k : GradientKind.values()) {
          Row r = find(rows, last, k);
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
    sb.append(claims(rows, grid, Norm.FRO));
    sb.append(claims(rows, grid, Norm.SPEC));
    sb.append("[study] time:\n");
    sb.append(String.format(Locale.ROOT, "  D*: %s%s%n", Progress.duration(dStar.seconds()), dStar.cached()
        ? " (when it was computed; read from the cache now)" : ""));
    for (Pass ps : passes) {
      DepthStudySums t = ps.total();
      double unfolded = t.seconds(Phase.FORWARD) + t.seconds(Phase.BACKWARD);
      double flops = params.flopsPerSample() * ps.n();
      sb.append(String.format(Locale.ROOT, "  n = %d: %s wall; task-seconds: unfolded passes %.1f (forward %.1f, "
          + "backward %.1f; %.1f GFLOP/s), lasso z^ %.1f, lasso z* %.1f, references and code errors %.1f; "
          + "lasso max KKT %.1e, %d codes above tolerance%n", ps.n(), Progress.duration(ps.seconds()), unfolded,
          t.seconds(Phase.FORWARD), t.seconds(Phase.BACKWARD), flops / unfolded * 1e-9, t.seconds(Phase.LASSO_HAT),
          t.seconds(Phase.LASSO_STAR), t.seconds(Phase.REFERENCES), t.maxKkt(), t.unconverged()));
    }
    sb.append(String.format(Locale.ROOT, "  total: %s%n", Progress.duration(seconds)));
    sb.append("[study] outputs in ").append(out).append(": study.csv, fig2.png, fig3.png, fig4a.png, fig4b.png")
        .append(passes.size() > 1 ? ", sweep.csv, sweep-fig*.png" : "")
        .append(", summary.txt, run.properties, dictionary.npy, dstar.npy\n");
    return sb.toString();
  }

  /** The paper's claims (the acceptance list), checked on the errors in {@code norm}. */
  static String claims(List<Row> rows, DepthGrid grid, Norm norm) {
    StringBuilder sb = new StringBuilder("[study] the paper's claims on these numbers, " + (norm == Norm.FRO
        ? "Frobenius" : "spectral") + " norm:\n");
    boolean below = true;
    int firstBelow = -1;
    for (int i = 0; i < grid.size(); i++) {
      int t = grid.depth(i);
      double dec = find(rows, t, GradientKind.DEC).error(Reference.HAT, norm);
      double lasso = find(rows, t, GradientKind.AE_LASSO).error(Reference.HAT, norm);
      if (t >= 20 && !(lasso < dec)) {
        below = false;
      }
      if (lasso < dec && firstBelow < 0) {
        firstBelow = t;
      } else if (!(lasso < dec)) {
        firstBelow = -1;
      }
    }
    sb.append(String.format(Locale.ROOT, "  g_ae-lasso error to g^ below g_dec's for every t >= 20: %s%n",
        below ? "yes" : "NO"));
    sb.append(String.format(Locale.ROOT, "  g_ae-lasso below g_dec from t = %s on (paper: they cross between 5 and "
        + "10)%n", firstBelow < 0 ? "never" : String.valueOf(firstBelow)));
    Row dec100 = find(rows, 100, GradientKind.DEC);
    if (dec100 != null) {
      double ratio = dec100.error(Reference.HAT, norm)
          / find(rows, 100, GradientKind.AE_LASSO).error(Reference.HAT, norm);
      sb.append(String.format(Locale.ROOT, "  more than 3x apart at t = 100: %s (%.3gx)%n", ratio > 3 ? "yes" : "NO",
          ratio));
    }
    if (grid.size() >= 3) {
      int t1 = grid.depth(grid.size() - 3);
      int t2 = grid.max();
      Row a = find(rows, t1, GradientKind.AE_LS);
      Row b = find(rows, t2, GradientKind.AE_LS);
      double change = Math.abs(b.error(Reference.HAT, norm) / a.error(Reference.HAT, norm) - 1);
      double decDrop = find(rows, t2, GradientKind.DEC).error(Reference.HAT, norm)
          / find(rows, t1, GradientKind.DEC).error(Reference.HAT, norm);
      sb.append(String.format(Locale.ROOT, "  g_ae-ls error to g^ flattens at a floor: %s (%.4e at t = %d, %.4e at "
          + "t = %d: %.2g%% change, while g_dec's changes by a factor %.3g)%n", change < 0.05 ? "yes" : "NO",
          a.error(Reference.HAT, norm), t1, b.error(Reference.HAT, norm), t2, 100 * change, decDrop));
    }
    int last = grid.max();
    double ls = find(rows, last, GradientKind.AE_LS).error(Reference.TILDE, norm);
    boolean closest = ls < find(rows, last, GradientKind.DEC).error(Reference.TILDE, norm)
        && ls < find(rows, last, GradientKind.AE_LASSO).error(Reference.TILDE, norm);
    sb.append(String.format(Locale.ROOT, "  g_ae-ls closest of the three to g~ at t = %d: %s%n", last,
        closest ? "yes" : "NO"));
    return sb.toString();
  }

  /** Every setting in effect: the given values, then the resolved parameters. */
  static String runProperties(StudyParams p, Map<String, String> given) {
    StringBuilder sb = new StringBuilder("# pudle study: the settings in effect; usable as a config\n");
    sb.append("# init.tau resolves to ").append(p.data().tauB()).append('\n');
    return Config.settingsText(sb.toString(), p.settings(), given);
  }
}
