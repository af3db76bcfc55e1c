package org.pudle.spark.study;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.pudle.kernels.Dictionaries;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.Optimizer;
import org.pudle.kernels.io.Npy;
import org.pudle.kernels.linalg.Norms;
import org.pudle.spark.config.SyntheticParams;
import org.pudle.spark.data.SampleBlock;
import org.pudle.spark.data.SyntheticSource;
import org.pudle.spark.io.Matrices;
import org.pudle.spark.io.OutputDir;
import org.pudle.spark.train.GradientOracle;
import org.pudle.spark.train.LassoGradientOracle;
import org.pudle.spark.train.Progress;

/**
 * {@code D*}, the minimiser of the expected lasso risk over dictionaries with unit-norm columns
 * (paper eq. (6)), estimated by Algorithm 1 run to convergence from {@code D_tilde} on a large
 * sample: exact lasso codes for the current D (FISTA to the KKT tolerance, distributed), then
 * {@code D <- normalize(D - eta g_hat)}.
 *
 * <p>Stopping criterion: a fixed point of "step, then normalize the columns" is a dictionary whose
 * {@code g_hat} is, column by column, parallel to D: the Riemannian gradient on the product of
 * unit spheres {@code r = g_hat - D diag(D^T g_hat)} vanishes. The loop stops when
 * {@code ||r||_F <= tolerance}; the relative change of D per update is reported beside it.
 *
 * <p>The result is cached as {@code .npy} in a folder, under a name that hashes every setting it
 * depends on (m, p, k, seed, sign, noise, lambda, the sample count, tolerance, step, update cap and
 * lasso tolerance), with a {@code .properties} record of those settings and of the convergence;
 * a later study with the same settings reads it back.
 */
public final class DStar {
  private DStar() {}

  /**
   * @param dictionary     D*, m x p column-major
   * @param converged      whether the tolerance was met
   * @param updates        Algorithm 1 updates run
   * @param riemannianNorm {@code ||g_hat - D diag(D^T g_hat)||_F} at D*
   * @param lastChange     the relative Frobenius change of D in the last update
   * @param seconds        the wall time of the computation (when it was computed)
   * @param cached         whether it was read from the cache (or a given file)
   * @param source         the file it was read from or written to
   */
  public record Result(double[] dictionary, boolean converged, int updates, double riemannianNorm, double lastChange,
      double seconds, boolean cached, String source) {}

  /** Every setting D* depends on, in a stable order. */
  static Map<String, String> key(SyntheticParams data, double lambda, FistaLasso.Options lasso,
      StudyParams.DStarParams p) {
    Map<String, String> k = new LinkedHashMap<>();
    k.put("m", String.valueOf(data.m()));
    k.put("p", String.valueOf(data.p()));
    k.put("k", String.valueOf(data.k()));
    k.put("seed", String.valueOf(data.seed()));
    k.put("sign", data.sign().key());
    k.put("noise", String.valueOf(data.noise()));
    k.put("lambda", String.valueOf(lambda));
    k.put("dstar.n", String.valueOf(p.n()));
    k.put("dstar.eta", String.valueOf(p.eta()));
    k.put("dstar.tolerance", String.valueOf(p.tolerance()));
    k.put("dstar.max.updates", String.valueOf(p.maxUpdates()));
    k.put("lasso.tolerance", String.valueOf(lasso.tolerance()));
    return k;
  }

  /** The cache file's base name: the shape and seed for people, a hash of the whole key for uniqueness. */
  static String fileStem(Map<String, String> key) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] h = md.digest(key.toString().getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder();
      for (int i = 0; i < 6; i++) {
        hex.append(String.format(Locale.ROOT, "%02x", h[i]));
      }
      return "dstar-m" + key.get("m") + "-p" + key.get("p") + "-k" + key.get("k") + "-seed" + key.get("seed") + "-"
          + hex;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** D* from the given file, the cache, or a new computation (then cached). */
  public static Result obtain(JavaSparkContext sc, StudyParams params, PrintStream console) throws IOException {
    SyntheticParams data = params.data();
    int m = data.m();
    int p = data.p();
    Configuration conf = sc.hadoopConfiguration();
    StudyParams.DStarParams dp = params.dStar();
    if (dp.file() != null) {
      double[] d = readDictionary(dp.file(), m, p, conf, "dstar");
      return new Result(d, true, 0, Double.NaN, Double.NaN, 0, true, dp.file());
    }
    Map<String, String> key = key(data, params.encoder().lambda(), params.lasso(), dp);
    String stem = fileStem(key);
    OutputDir cache = OutputDir.open(dp.cache(), conf);
    Path npy = cache.path(stem + ".npy");
    Path props = cache.path(stem + ".properties");
    FileSystem fs = cache.fileSystem();
    if (fs.exists(npy) && fs.exists(props)) {
      Properties rec = new Properties();
      try (InputStream in = fs.open(props)) {
        rec.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
      }
      boolean same = true;
      for (var e : key.entrySet()) {
        same &= e.getValue().equals(rec.getProperty(e.getKey()));
      }
      if (same) {
        double[] d = readDictionary(npy.toString(), m, p, conf, "D* cache");
        Result r = new Result(d, Boolean.parseBoolean(rec.getProperty("converged")),
            Integer.parseInt(rec.getProperty("updates")), Double.parseDouble(rec.getProperty("riemannian_norm")),
            Double.parseDouble(rec.getProperty("last_change")), Double.parseDouble(rec.getProperty("seconds")), true,
            npy.toString());
        console.printf(Locale.ROOT, "[study] D* from the cache %s (%d updates, ||r||_F %.3e, computed in %s)%n", npy,
            r.updates(), r.riemannianNorm(), Progress.duration(r.seconds()));
        return r;
      }
    }
    Result r = compute(sc, params, console);
    Result stored = new Result(r.dictionary(), r.converged(), r.updates(), r.riemannianNorm(), r.lastChange(),
        r.seconds(), false, npy.toString());
    cache.write(stem + ".npy", o -> Npy.writeColumnMajor(o, r.dictionary(), m, p));
    StringBuilder sb = new StringBuilder("# D* by Algorithm 1 from D_tilde (pudle study); the settings it depends on:\n");
    for (var e : key.entrySet()) {
      sb.append(e.getKey()).append(" = ").append(e.getValue()).append('\n');
    }
    sb.append("# how it ended\n");
    sb.append("converged = ").append(r.converged()).append('\n');
    sb.append("updates = ").append(r.updates()).append('\n');
    sb.append("riemannian_norm = ").append(Matrices.formatExact(r.riemannianNorm())).append('\n');
    sb.append("last_change = ").append(Matrices.formatExact(r.lastChange())).append('\n');
    sb.append("seconds = ").append(Matrices.formatExact(r.seconds())).append('\n');
    cache.writeText(stem + ".properties", sb.toString());
    return stored;
  }

  /** {@code ||g - D diag(D^T g)||_F}: the part of g that is not along the columns of D. */
  public static double riemannianNorm(double[] d, double[] g, int m, int p) {
    double s = 0;
    for (int j = 0; j < p; j++) {
      int o = j * m;
      double dn = 0;
      double dg = 0;
      for (int i = o; i < o + m; i++) {
        dn += d[i] * d[i];
        dg += d[i] * g[i];
      }
      double c = dg / dn;
      for (int i = o; i < o + m; i++) {
        double r = g[i] - c * d[i];
        s += r * r;
      }
    }
    return Math.sqrt(s);
  }

  /** Algorithm 1 from D_tilde on the first {@code dstar.n} samples, to the tolerance. */
  static Result compute(JavaSparkContext sc, StudyParams params, PrintStream console) {
    long start = System.nanoTime();
    SyntheticParams data = params.data();
    int m = data.m();
    int p = data.p();
    StudyParams.DStarParams dp = params.dStar();
    SyntheticSource source = new SyntheticSource(data.model(), dp.n());
    int partitions = params.execution().partitions() > 0 ? params.execution().partitions() : sc.defaultParallelism();
    JavaRDD<SampleBlock> blocks = source.blocks(sc, partitions, params.execution().blockSize())
        .persist(StorageLevel.MEMORY_AND_DISK());
    blocks.setName("pudle D* samples (" + source.describe() + ")");
    console.printf(Locale.ROOT, "[study] D*: Algorithm 1 from D_tilde on %d samples, eta %s, until ||r||_F <= %s "
        + "(at most %d updates)%n", dp.n(), dp.eta(), dp.tolerance(), dp.maxUpdates());
    try {
      EncoderParams enc = params.encoder();
      LassoGradientOracle oracle = new LassoGradientOracle(sc, blocks, m, p, enc.lambda(), params.lasso(),
          params.execution().aggregateDepth(), dp.n(), 0, data.seed());
      double[] d = source.generatingDictionary().orElseThrow();
      Optimizer gd = Optimizer.gradientDescent(dp.eta());
      Progress progress = new Progress(console, "D*", dp.maxUpdates(), params.progressSeconds());
      double rNorm = Double.NaN;
      double change = Double.NaN;
      int u = 0;
      boolean converged = false;
      for (; u <= dp.maxUpdates(); u++) {
        GradientOracle.Result res = oracle.gradient(d, u);
        GradientSums sums = res.sums();
        double[] g = sums.meanGradient();
        rNorm = riemannianNorm(d, g, m, p);
        if (!Double.isFinite(rNorm)) {
          throw new ArithmeticException("D*: the lasso gradient is not finite at update " + u + "; lower dstar.eta");
        }
        double objective = sums.meanLoss() + enc.lambda() * sums.meanL1();
        if (rNorm <= dp.tolerance() || u == dp.maxUpdates()) {
          converged = rNorm <= dp.tolerance();
          console.printf(Locale.ROOT, "[D*] at update %d: lasso risk %.10e  ||r||_F %.3e  %s%n", u, objective, rNorm,
              converged ? "converged" : "NOT converged");
          break;
        }
        double[] before = d.clone();
        gd.step(d, g);
        Dictionaries.normalizeColumns(d, m, p);
        change = Dictionaries.relativeFrobeniusError(d, before);
        progress.step(u + 1, (System.nanoTime() - start) * 1e-9, String.format(Locale.ROOT,
            "lasso risk %.10e  ||r||_F %.3e  change %.3e  max KKT %.1e", objective, rNorm, change,
            oracle.lastMaxKkt()));
      }
      double seconds = (System.nanoTime() - start) * 1e-9;
      if (!converged) {
        console.printf(Locale.ROOT, "[study] WARNING: D* did not reach ||r||_F <= %s in %d updates (%.3e); raise "
            + "dstar.max.updates or dstar.eta%n", dp.tolerance(), dp.maxUpdates(), rNorm);
      } else {
        console.printf(Locale.ROOT, "[study] D* converged after %d updates in %s: ||r||_F %.3e, last change %.3e%n", u,
            Progress.duration(seconds), rNorm, change);
      }
      return new Result(d, converged, u, rNorm, change, seconds, false, null);
    } finally {
      blocks.unpersist(false);
    }
  }

  /** Reads an m x p dictionary from .npy, naming the source in every error. */
  static double[] readDictionary(String path, int m, int p, Configuration conf, String what) throws IOException {
    Npy.Matrix mat = Matrices.readNpy(path, conf);
    if (mat.header().shape().length != 2 || mat.rows() != m || mat.cols() != p) {
      throw new IOException(what + " " + path + ": expected an m x p = " + m + " x " + p + " matrix, got shape "
          + java.util.Arrays.toString(mat.header().shape()));
    }
    double[] d = mat.columnMajor();
    for (int i = 0; i < d.length; i++) {
      if (!Double.isFinite(d[i])) {
        throw new IOException(what + " " + path + ": value " + d[i] + " at row " + i % m + ", column " + i / m
            + " is not finite");
      }
    }
    return d;
  }

  /** The relative distance of two dictionaries, for the summary. */
  static double relativeSpectral(double[] a, double[] b, int m, int p) {
    return Norms.singularValues(Dictionaries.difference(a, b), m, p)[0] / Norms.singularValues(b, m, p)[0];
  }
}
