package org.pudle.kernels.bench;

import java.util.Locale;
import java.util.SplittableRandom;

import org.pudle.kernels.Dictionaries;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.linalg.Norms;

/**
 * The cost of the per-update dictionary error {@code ||D - D_tilde||_2} (the Lanczos norm of
 * {@link Norms#spectral}) at a dictionary shape, in one thread: the first call on
 * {@code D0 - D_tilde} (D0 the initial dictionary at {@code tau_B}) from no start, and the next
 * call warm from the first call's vector after D moved by a Gaussian step of Frobenius norm
 * {@code step ||D0||_F} (an update); per call the seconds, the Lanczos steps (each one product
 * with D and one with D^T) and restarts, and the largest relative difference to LAPACK's dense SVD,
 * which is timed too. Medians of {@code reps} after one warm-up, each repetition on a fresh step.
 *
 * <pre>
 * java -cp ... org.pudle.kernels.bench.SpectralBench [m [p [tauScale [step [reps]]]]]
 * </pre>
 * Defaults: Fig. 6's m = 1000, p = 1500, {@code tau_B = 1 / log m}, step 1e-3, 5 repetitions.
 */
public final class SpectralBench {
  private SpectralBench() {}

  public static void main(String[] args) {
    int m = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int p = args.length > 1 ? Integer.parseInt(args[1]) : 1500;
    double tauScale = args.length > 2 ? Double.parseDouble(args[2]) : 1.0;
    double step = args.length > 3 ? Double.parseDouble(args[3]) : 1e-3;
    int reps = args.length > 4 ? Integer.parseInt(args[4]) : 5;
    SyntheticModel model = new SyntheticModel(m, p, 1, 1, SignMode.PER_SAMPLE, 0);
    double[] dTilde = model.dictionaryTilde();
    double[] d0 = model.initialDictionary(dTilde, tauScale / Math.log(m));
    double[] first = Dictionaries.difference(d0, dTilde);
    System.out.println("BLAS: " + Blas.description());
    System.out.printf(Locale.ROOT, "||D - D_tilde||_2 at m=%d p=%d, tau_B = %.3g / log m (||D0 - D_tilde||_F / "
        + "||D_tilde||_F = %.3f), a step of %.1e relative, median of %d%n", m, p, tauScale,
        Norms.frobenius(first) / Norms.frobenius(dTilde), step, reps);
    double[][] seconds = new double[3][reps];
    double[][] steps = new double[2][reps];
    double[][] restarts = new double[2][reps];
    double[][] diff = new double[2][reps];
    for (int r = -1; r < reps; r++) {
      SplittableRandom rng = new SplittableRandom(1000L + r);
      double[] next = first.clone();
      double scale = step * Norms.frobenius(d0) / Math.sqrt(next.length);
      for (int i = 0; i < next.length; i++) {
        next[i] += scale * rng.nextGaussian();
      }
      double[] warm = new double[p];
      double[][] calls = {first, next};
      for (int c = 0; c < 2; c++) {
        long t0 = System.nanoTime();
        Norms.SpectralEstimate e = Norms.spectralEstimate(calls[c], m, p, warm, 5000);
        double sec = (System.nanoTime() - t0) * 1e-9;
        t0 = System.nanoTime();
        double exact = Norms.singularValues(calls[c], m, p)[0];
        double dense = (System.nanoTime() - t0) * 1e-9;
        if (r >= 0) {
          seconds[c][r] = sec;
          steps[c][r] = e.steps();
          restarts[c][r] = e.restarts();
          diff[c][r] = Math.abs(e.sigma() - exact) / exact;
          seconds[2][r] = c == 0 ? dense : seconds[2][r];
        }
      }
    }
    System.out.println("call | seconds | Lanczos steps | restarts | largest rel. diff to dgesdd");
    String[] names = {"first (no start)", "next (warm)"};
    for (int c = 0; c < 2; c++) {
      System.out.printf(Locale.ROOT, "%s | %.4f | %.0f | %.0f | %.1e%n", names[c], KernelBench.median(seconds[c]),
          KernelBench.median(steps[c]), KernelBench.median(restarts[c]), max(diff[c]));
    }
    System.out.printf(Locale.ROOT, "dense SVD (dgesdd, values only) | %.4f | - | - | -%n",
        KernelBench.median(seconds[2]));
  }

  private static double max(double[] v) {
    double x = 0;
    for (double d : v) {
      x = Math.max(x, d);
    }
    return x;
  }
}
