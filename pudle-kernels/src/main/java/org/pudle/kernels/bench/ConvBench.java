package org.pudle.kernels.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvFilters;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvThreshold;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.ConvUnfoldedIstaCpu;
import org.pudle.kernels.linalg.Blas;

/**
 * The benchmark of the convolutional kernel: seconds and GFLOP/s of one training crop per gradient
 * kind and of one whole-image reconstruction, next to the DGEMM rate of the same BLAS at the
 * kernel's GEMM shapes and on a square 2000^3 product, in this thread. Flops: the GEMMs of
 * {@link ConvUnfoldedIsta#flops}; im2col, col2im and the thresholds are not counted (their share
 * is what separates the kernel's rate from the GEMM rate). Times are medians after five warm-up
 * calls (the JIT compiles the unfolding and threshold loops on the way).
 */
public final class ConvBench {
  private static final int WARMUP = 5;

  private ConvBench() {}

  /** One measured case. */
  public record Result(String what, int height, int width, double seconds, double gflops) {}

  /**
   * @param crop  training crop side (the paper: 129)
   * @param imageHeight whole-image rows (BSD: 321)
   * @param imageWidth  whole-image columns (BSD: 481)
   */
  public static List<Result> run(int k, int stride, int channels, int T, int crop, int imageHeight, int imageWidth,
      List<GradientKind> kinds, int reps, PrintStream out) {
    double[] w = ConvFilters.random(k, channels, 1);
    ConvEncoderParams enc = new ConvEncoderParams(T, 0.1, 0.12, ConvThreshold.SOFT_NONNEG, 0);
    ConvUnfoldedIstaCpu kernel = new ConvUnfoldedIstaCpu(w, k, stride, channels, enc);
    List<Result> results = new ArrayList<>();
    ConvGeometry gc = new ConvGeometry(k, stride, channels, crop, crop);
    double[][] pair = image(gc, 2);
    for (GradientKind kind : kinds) {
      double[] times = new double[reps];
      for (int r = -WARMUP; r < reps; r++) {
        GradientSums sums = new GradientSums(k * k, channels);
        long t0 = System.nanoTime();
        kernel.accumulate(kind, pair[0], pair[1], crop, crop, sums);
        double s = (System.nanoTime() - t0) * 1e-9;
        if (r >= 0) {
          times[r] = s;
        }
      }
      double med = median(times);
      results.add(new Result("crop " + kind.key(), crop, crop, med, ConvUnfoldedIsta.flops(kind, gc, T) / med * 1e-9));
    }
    ConvGeometry gi = new ConvGeometry(k, stride, channels, imageHeight, imageWidth);
    double[][] whole = image(gi, 3);
    double[] outImg = new double[gi.pixels()];
    double[] times = new double[reps];
    for (int r = -WARMUP; r < reps; r++) {
      long t0 = System.nanoTime();
      kernel.reconstruct(whole[0], imageHeight, imageWidth, outImg);
      double s = (System.nanoTime() - t0) * 1e-9;
      if (r >= 0) {
        times[r] = s;
      }
    }
    double med = median(times);
    results.add(new Result("reconstruct", imageHeight, imageWidth, med,
        ConvUnfoldedIsta.flops(null, gi, T) / med * 1e-9));
    if (out != null) {
      out.println("BLAS: " + Blas.description());
      out.printf(Locale.ROOT, "DGEMM 2000x2000x2000: %.1f GFLOP/s%n", KernelBench.dgemmRate(2000, 2000, 2000, reps));
      int kk = k * k;
      int pos = gc.positions();
      out.printf(Locale.ROOT, "DGEMM at the crop's shapes: D^T r %dx%dx%d %.1f, D z %dx%dx%d %.1f GFLOP/s%n", channels,
          pos, kk, KernelBench.dgemmRate(channels, pos, kk, Math.max(reps, 20)), kk, pos, channels,
          KernelBench.dgemmRate(kk, pos, channels, Math.max(reps, 20)));
      out.printf(Locale.ROOT, "convolutional kernel: %d filters %dx%d, stride %d, T=%d%n", channels, k, k, stride, T);
      for (Result r : results) {
        out.printf(Locale.ROOT, "  %-16s %4d x %-4d %9.4f s  %6.2f GFLOP/s%n", r.what(), r.height(), r.width(),
            r.seconds(), r.gflops());
      }
    }
    return results;
  }

  private static double[][] image(ConvGeometry g, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] clean = new double[g.pixels()];
    double[] noisy = new double[g.pixels()];
    for (int y = 0; y < g.height(); y++) {
      for (int x = 0; x < g.width(); x++) {
        int i = y * g.width() + x;
        clean[i] = 0.5 + 0.25 * Math.sin(0.07 * x + 0.05 * y) + 0.1 * Math.cos(0.31 * x * y / (1.0 + y));
        noisy[i] = clean[i] + 25 / 255.0 * rng.nextGaussian();
      }
    }
    return new double[][] {noisy, clean};
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }

  public static void main(String[] args) {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    run(9, 4, 64, 15, 129, 321, 481, List.of(GradientKind.DEC, GradientKind.AE_LS), reps, System.out);
  }
}
