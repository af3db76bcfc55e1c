package org.pudle.kernels.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.linalg.Blas;

/**
 * The per-partition kernel benchmark: GFLOP/s of {@link UnfoldedIsta#accumulate} for each
 * gradient kind, next to the DGEMM rate the same BLAS reaches on this machine at the kernel's
 * dominant shape (p x p times p x b) and on a square 2000^3 product, in the same thread setting.
 *
 * <p>Flops counted: the GEMM flops of {@link UnfoldedIsta#flops}; element-wise work is not
 * counted. Times are medians over repetitions, after one warm-up.
 *
 * <pre>
 * java -cp ... org.pudle.kernels.bench.KernelBench [--size small|large|MxPxT] [--samples N]
 *     [--reps R] [--scratch-mb MB] [--kinds dec,ae-ls,ae-lasso]
 * </pre>
 */
public final class KernelBench {
  private KernelBench() {}

  /** One measured configuration. */
  public record Result(String kind, int m, int p, int T, int samples, int chunk, double seconds, double gflops,
      double scratchMiB) {}

  public static void main(String[] args) {
    Map<String, String> opts = parse(args);
    List<int[]> sizes = new ArrayList<>();
    for (String s : opts.getOrDefault("size", "small,large").split(",")) {
      switch (s) {
        case "small":
          sizes.add(new int[] {50, 100, 200, 4096});
          break;
        case "large":
          sizes.add(new int[] {1000, 1500, 100, 512});
          break;
        default:
          String[] d = s.split("x");
          if (d.length != 3) {
            throw new IllegalArgumentException("--size: expected small, large or MxPxT, got " + s);
          }
          sizes.add(new int[] {Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2]), 1024});
      }
    }
    int reps = Integer.parseInt(opts.getOrDefault("reps", "5"));
    long scratch = (long) (Double.parseDouble(opts.getOrDefault("scratch-mb", "256")) * (1 << 20));
    List<GradientKind> kinds = new ArrayList<>();
    for (String k : opts.getOrDefault("kinds", "dec,ae-ls,ae-lasso").split(",")) {
      kinds.add(GradientKind.parse(k));
    }
    System.out.println("BLAS: " + Blas.description());
    System.out.printf(Locale.ROOT, "cores available to the JVM: %d%n", Runtime.getRuntime().availableProcessors());
    System.out.printf(Locale.ROOT, "DGEMM 2000x2000x2000: %.1f GFLOP/s%n", dgemmRate(2000, 2000, 2000, reps));
    for (int[] s : sizes) {
      int samples = Integer.parseInt(opts.getOrDefault("samples", String.valueOf(s[3])));
      for (Result r : run(s[0], s[1], s[2], samples, kinds, reps, scratch)) {
        System.out.printf(Locale.ROOT,
            "%-8s m=%-5d p=%-5d T=%-4d samples=%-6d chunk=%-5d %9.3f s  %7.1f GFLOP/s  scratch %.0f MiB%n",
            r.kind(), r.m(), r.p(), r.T(), r.samples(), r.chunk(), r.seconds(), r.gflops(), r.scratchMiB());
      }
      int chunk = UnfoldedIstaCpu.chunkColumns(GradientKind.AE_LS, s[0], s[1], s[2], scratch);
      System.out.printf(Locale.ROOT, "DGEMM at the kernel's shape %dx%d times %dx%d: %.1f GFLOP/s%n", s[1], s[1], s[1],
          chunk, dgemmRate(s[1], Math.min(chunk, samples), s[1], reps));
    }
    System.out.printf(Locale.ROOT, "JVM heap in use: %.0f MiB of %.0f MiB max%n",
        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1048576.0,
        Runtime.getRuntime().maxMemory() / 1048576.0);
  }

  /** Measures every kind on one size. */
  public static List<Result> run(int m, int p, int T, int samples, List<GradientKind> kinds, int reps,
      long scratch) {
    SyntheticModel model = new SyntheticModel(m, p, Math.max(1, Math.min(p, m / 10 + 1)), 1, SignMode.PER_SAMPLE,
        0);
    double[] dTilde = model.dictionaryTilde();
    double[] d = model.initialDictionary(dTilde, 0.55 / Math.log(m));
    double[] x = new double[m * samples];
    model.generate(dTilde, 0, samples, x, 0, null, null);
    EncoderParams enc = EncoderParams.soft(T, 0.2, 0.2);
    DictionaryOperator op = DictionaryOperator.of(d, m, p, enc.alpha());
    UnfoldedIstaCpu kernel = new UnfoldedIstaCpu(op, enc, scratch);
    List<Result> out = new ArrayList<>();
    for (GradientKind kind : kinds) {
      double[] times = new double[reps];
      for (int r = -1; r < reps; r++) {
        GradientSums sums = new GradientSums(m, p);
        long t0 = System.nanoTime();
        kernel.accumulate(kind, x, 0, samples, sums);
        double sec = (System.nanoTime() - t0) * 1e-9;
        if (r >= 0) {
          times[r] = sec;
        }
      }
      double med = median(times);
      int chunk = kernel.chunkColumns(kind);
      double flops = UnfoldedIsta.flops(kind, m, p, T, samples, chunk);
      int b = Math.min(chunk, samples);
      double scratchBytes = kind.throughEncoder()
          ? 8.0 * ((double) (T + 3) * p * b + (double) m * b + (double) p * p)
          : 8.0 * (4.0 * p * b + (double) m * b);
      out.add(new Result(kind.key(), m, p, T, samples, chunk, med, flops / med * 1e-9, scratchBytes / 1048576.0));
    }
    return out;
  }

  /** The DGEMM rate C(m x n) += A(m x k) B(k x n), median of {@code reps}. */
  public static double dgemmRate(int m, int n, int k, int reps) {
    double[] a = new double[m * k];
    double[] b = new double[k * n];
    double[] c = new double[m * n];
    Arrays.fill(a, 0.5);
    Arrays.fill(b, 0.25);
    double[] times = new double[Math.max(1, reps)];
    for (int r = -1; r < times.length; r++) {
      long t0 = System.nanoTime();
      Blas.blas().dgemm("N", "N", m, n, k, 1.0, a, 0, m, b, 0, k, 0.0, c, 0, m);
      double sec = (System.nanoTime() - t0) * 1e-9;
      if (r >= 0) {
        times[r] = sec;
      }
    }
    return 2.0 * m * n * k / median(times) * 1e-9;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("usage: KernelBench [--size small|large|MxPxT[,...]] [--samples N] "
            + "[--reps R] [--scratch-mb MB] [--kinds dec,ae-ls,ae-lasso]; got '" + args[i] + "'");
      }
      opts.put(args[i].substring(2), args[++i]);
    }
    return opts;
  }
}
