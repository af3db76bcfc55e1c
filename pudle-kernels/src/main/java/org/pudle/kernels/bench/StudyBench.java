package org.pudle.kernels.bench;

import java.util.Locale;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.study.DepthGrid;
import org.pudle.kernels.study.DepthStudyKernel;
import org.pudle.kernels.study.DepthStudySums;
import org.pudle.kernels.study.DepthStudySums.Phase;

/**
 * The per-block cost of the gradient study ({@link DepthStudyKernel}) in the paper's setting, in
 * one thread: seconds per sample of each phase with the backward passes by GEMM only and with the
 * layers on the supports, the GEMM-equivalent GFLOP/s of the unfolded passes ({@code 2 p^2 T + 8 p^2 sum(t)}
 * flops per sample), DGEMM at the kernel's shape, and what n samples would take on C cores.
 *
 * <pre>
 * java -cp ... org.pudle.kernels.bench.StudyBench [samples [reps [T]]]
 * </pre>
 */
public final class StudyBench {
  private StudyBench() {}

  public static void main(String[] args) {
    int samples = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int T = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    int m = 50;
    int p = 100;
    int k = 5;
    SyntheticModel model = new SyntheticModel(m, p, k, 1, SignMode.PER_SAMPLE, 0);
    double[] dTilde = model.dictionaryTilde();
    double[] d = model.initialDictionary(dTilde, 0.55 / Math.log(m));
    double[] x = new double[m * samples];
    int[] support = new int[k * samples];
    double[] amp = new double[k * samples];
    model.generate(dTilde, 0, samples, x, 0, support, amp);
    double[] z = new double[p * samples];
    model.denseCodes(support, amp, samples, z, 0);
    DepthGrid grid = DepthGrid.standard(T, 20, 10);
    EncoderParams enc = EncoderParams.soft(T, 0.2, 0.2);
    DictionaryOperator op = DictionaryOperator.of(d, m, p, enc.alpha());
    FistaLasso hat = new FistaLasso(d, m, p, 0.2, FistaLasso.Options.DEFAULT);
    // D_tilde stands in for D*: the cost of the z* solve is alike
    FistaLasso star = new FistaLasso(dTilde, m, p, 0.2, FistaLasso.Options.DEFAULT);
    double flops = 2.0 * p * p * T + 8.0 * p * p * grid.sum();
    System.out.println("BLAS: " + Blas.description());
    System.out.printf(Locale.ROOT, "study kernel: m=%d p=%d k=%d T=%d, %d depths (sum %d), %d samples, median of %d; "
        + "%.3g GEMM flops per sample (dense equivalent)%n", m, p, k, T, grid.size(), grid.sum(), samples, reps, flops);
    int chunk = UnfoldedIstaCpu.chunkColumns(GradientKind.AE_LS, m, p, T, UnfoldedIstaCpu.DEFAULT_SCRATCH_BYTES);
    System.out.printf(Locale.ROOT, "DGEMM at the kernel's shape %dx%d times %dx%d: %.1f GFLOP/s%n", p, p, p,
        Math.min(chunk, samples), KernelBench.dgemmRate(p, Math.min(chunk, samples), p, reps));
    for (double density : new double[] {0, UnfoldedIstaCpu.DEFAULT_SPARSE_DENSITY}) {
      DepthStudyKernel kernel = new DepthStudyKernel(new UnfoldedIstaCpu(op, enc, UnfoldedIstaCpu.DEFAULT_SCRATCH_BYTES),
          grid, hat, star);
      kernel.setSparseDensity(density);
      double[] wall = new double[reps];
      DepthStudySums last = null;
      for (int r = -1; r < reps; r++) {
        DepthStudySums sums = new DepthStudySums(m, p, grid.size());
        long t0 = System.nanoTime();
        kernel.add(x, 0, z, 0, samples, sums);
        double sec = (System.nanoTime() - t0) * 1e-9;
        if (r >= 0) {
          wall[r] = sec;
          last = sums;
        }
      }
      double med = KernelBench.median(wall);
      double unfolded = last.seconds(Phase.FORWARD) + last.seconds(Phase.BACKWARD);
      System.out.printf(Locale.ROOT, "backward %-28s %.3f ms/sample: forward %.3f, backward %.3f, lasso z^ %.3f, "
          + "lasso z* %.3f, other %.3f; unfolded passes %.1f GFLOP/s (dense equivalent); n = 1e6 on 2 cores: %.0f s%n",
          density == 0 ? "by GEMM only:" : "on the supports (cost model):", 1e3 * med / samples,
          1e3 * last.seconds(Phase.FORWARD) / samples, 1e3 * last.seconds(Phase.BACKWARD) / samples,
          1e3 * last.seconds(Phase.LASSO_HAT) / samples, 1e3 * last.seconds(Phase.LASSO_STAR) / samples,
          1e3 * last.seconds(Phase.REFERENCES) / samples, flops * samples / unfolded * 1e-9, med / samples * 1e6 / 2);
    }
  }
}
