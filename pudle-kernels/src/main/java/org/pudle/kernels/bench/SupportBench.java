package org.pudle.kernels.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.KernelStatistics;
import org.pudle.kernels.KernelStatistics.Counter;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.linalg.Blas;

/**
 * The layers on the codes' supports against the GEMM layers (docs/performance.md#layers-on-the-supports),
 * one thread, on the settings where the codes' density was measured: per setting the seconds per
 * 1000 samples of {@link UnfoldedIsta#accumulate} with every layer by GEMM ({@code
 * setSparseDensity(0)}) and with the layers the cost model puts on the supports (the default), the
 * speed-up, the mix of layers (the share of forward and backward layers on the supports and of
 * forward layers screened), the dense-equivalent GFLOP/s ({@link UnfoldedIsta#flops}) beside the
 * DGEMM rate at the kernel's shape, the scratch, and the relative difference of the two gradients.
 * Medians of {@code reps} after one warm-up, the two ways alternating.
 *
 * <pre>
 * java -cp ... org.pudle.kernels.bench.SupportBench [--settings b1,fig4c,fig6s,fig6] [--reps R] [--kind ae-ls]
 * </pre>
 */
public final class SupportBench {
  private SupportBench() {}

  /** One setting of the table: shape, the D0 distance tau = scale / log m, depth, samples per call. */
  public record Setting(String name, String label, int m, int p, int k, double tauScale, int T, int samples) {}

  /** The settings of docs/performance.md, by name. */
  public static final List<Setting> SETTINGS = List.of(
      new Setting("b1", "B.1 (m 50, p 100, k 5, 0.55/log m), T 200", 50, 100, 5, 0.55, 200, 2048),
      new Setting("fig4c", "Fig. 4c init (m 50, p 100, k 5, 2.8/log m), T 100", 50, 100, 5, 2.8, 100, 2048),
      new Setting("fig6s", "fig6-scaled (m 100, p 150, k 2, 1/log m), T 100", 100, 150, 2, 1.0, 100, 2048),
      new Setting("fig6", "Fig. 6 (m 1000, p 1500, k 20, 1/log m), T 100, a batch of 50", 1000, 1500, 20, 1.0,
          100, 50));

  /** One measured setting. */
  public record Result(Setting setting, GradientKind kind, double denseSeconds, double supportSeconds,
      double forwardSupport, double forwardScreened, double backwardSupport, double denseGflops,
      double supportGflops, double gemmGflops, double scratchMiB, double relativeDifference) {}

  public static void main(String[] args) {
    String names = "b1,fig4c,fig6s,fig6";
    int reps = 3;
    GradientKind kind = GradientKind.AE_LS;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--settings" -> names = args[i + 1];
        case "--reps" -> reps = Integer.parseInt(args[i + 1]);
        case "--kind" -> kind = GradientKind.parse(args[i + 1]);
        default -> throw new IllegalArgumentException(
            "usage: SupportBench [--settings b1,fig4c,fig6s,fig6] [--reps R] [--kind dec|ae-ls|ae-lasso]");
      }
    }
    run(names, reps, kind, System.out);
  }

  /** Measures the named settings and prints a table to {@code out}. */
  public static List<Result> run(String names, int reps, GradientKind kind, PrintStream out) {
    out.println("BLAS: " + Blas.description() + "; one thread; " + kind.key() + ", soft threshold, lambda = alpha = 0.2");
    out.printf(Locale.ROOT, "DGEMM 2000x2000x2000: %.1f GFLOP/s%n", KernelBench.dgemmRate(2000, 2000, 2000, reps));
    out.println("setting | s/1000 samples GEMM | s/1000 support | speed-up | layers on supports fwd/bwd (screened) "
        + "| GFLOP/s dense-equiv. GEMM / support | DGEMM at p x p x b | scratch MiB | rel. diff");
    List<Result> results = new ArrayList<>();
    for (String name : names.split(",")) {
      Setting s = SETTINGS.stream().filter(x -> x.name().equals(name.trim())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("--settings: unknown setting " + name
              + "; expected b1, fig4c, fig6s or fig6"));
      Result r = measure(s, kind, reps);
      results.add(r);
      out.printf(Locale.ROOT, "%s | %.3f | %.3f | %.1fx | %.0f%% / %.0f%% (%.0f%%) | %.1f / %.1f | %.1f | %.0f | %.1e%n",
          s.label(), r.denseSeconds(), r.supportSeconds(), r.denseSeconds() / r.supportSeconds(),
          100 * r.forwardSupport(), 100 * r.backwardSupport(), 100 * r.forwardScreened(), r.denseGflops(),
          r.supportGflops(), r.gemmGflops(), r.scratchMiB(), r.relativeDifference());
    }
    return results;
  }

  /** Measures one setting: GEMM layers and the default, alternating, medians of {@code reps}. */
  public static Result measure(Setting s, GradientKind kind, int reps) {
    SyntheticModel model = new SyntheticModel(s.m(), s.p(), s.k(), 1, SignMode.PER_SAMPLE, 0);
    double[] dTilde = model.dictionaryTilde();
    double[] d = model.initialDictionary(dTilde, s.tauScale() / Math.log(s.m()));
    double[] x = new double[s.m() * s.samples()];
    model.generate(dTilde, 0, s.samples(), x, 0, null, null);
    EncoderParams enc = EncoderParams.soft(s.T(), 0.2, 0.2);
    DictionaryOperator op = DictionaryOperator.of(d, s.m(), s.p(), enc.alpha());
    UnfoldedIstaCpu dense = new UnfoldedIstaCpu(op, enc);
    dense.setSparseDensity(0);
    UnfoldedIstaCpu support = new UnfoldedIstaCpu(op, enc);
    double[] tDense = new double[reps];
    double[] tSupport = new double[reps];
    GradientSums gDense = null;
    GradientSums gSupport = null;
    KernelStatistics.Counts mix = null;
    for (int r = -1; r < reps; r++) {
      gDense = new GradientSums(s.m(), s.p());
      long t0 = System.nanoTime();
      dense.accumulate(kind, x, 0, s.samples(), gDense);
      double a = (System.nanoTime() - t0) * 1e-9;
      gSupport = new GradientSums(s.m(), s.p());
      KernelStatistics.Counts before = KernelStatistics.snapshot();
      t0 = System.nanoTime();
      support.accumulate(kind, x, 0, s.samples(), gSupport);
      double b = (System.nanoTime() - t0) * 1e-9;
      mix = KernelStatistics.snapshot().minus(before);
      if (r >= 0) {
        tDense[r] = a;
        tSupport[r] = b;
      }
    }
    double per = 1000.0 / s.samples();
    double denseSec = KernelBench.median(tDense);
    double supportSec = KernelBench.median(tSupport);
    int chunk = Math.min(dense.chunkColumns(kind), s.samples());
    double flops = UnfoldedIsta.flops(kind, s.m(), s.p(), s.T(), s.samples(), chunk);
    double fwd = mix.get(Counter.FORWARD_DENSE) + mix.forwardSupport();
    double bwd = mix.get(Counter.BACKWARD_DENSE) + mix.get(Counter.BACKWARD_SUPPORT);
    double diff = relativeDifference(gSupport.gradientBuffer(), gDense.gradientBuffer());
    return new Result(s, kind, denseSec * per, supportSec * per, mix.forwardSupport() / fwd,
        mix.get(Counter.FORWARD_SCREENED) / fwd, bwd == 0 ? 0 : mix.get(Counter.BACKWARD_SUPPORT) / bwd,
        flops / denseSec * 1e-9, flops / supportSec * 1e-9, KernelBench.dgemmRate(s.p(), chunk, s.p(), reps),
        Math.max(dense.scratchBytesAllocated(), support.scratchBytesAllocated()) / 1048576.0, diff);
  }

  static double relativeDifference(double[] a, double[] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) * (a[i] - b[i]);
      den += b[i] * b[i];
    }
    return Math.sqrt(num / den);
  }
}
