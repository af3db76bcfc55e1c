package org.pudle.kernels.bench;

import static org.pudle.kernels.bench.Agreement.convPair;
import static org.pudle.kernels.bench.Agreement.maxRelative;
import static org.pudle.kernels.bench.Agreement.tolerance;

import java.util.Arrays;
import java.util.Locale;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.ParallelGradient;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.backend.CpuKernels;
import org.pudle.kernels.bench.CheckRun.Backend;
import org.pudle.kernels.bench.CheckRun.Setting;
import org.pudle.kernels.bench.CheckRun.Verdict;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvFilters;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.ConvUnfoldedIstaCpu;
import org.pudle.kernels.cuda.Precision;
import org.pudle.kernels.cuda.UnfoldedIstaCuda;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.study.DepthGrid;
import org.pudle.kernels.study.DepthStudyKernel;
import org.pudle.kernels.study.DepthStudySums;

/**
 * The timed sections of {@link CudaCheck}: the dense gradients for each provider and precision
 * ({@code gradients}, {@code b1}), the convolutional denoiser ({@code conv}), the gradient study's
 * kernel ({@code study}, with its per-depth agreement), and the CPU for scale ({@code cpu}).
 */
final class TimingSections {
  private final CheckRun run;
  private final CheckOptions o;
  private final CheckTable table;
  /** The median seconds of the last {@link #studyRun}. */
  private double lastStudySeconds;

  TimingSections(CheckRun run) {
    this.run = run;
    this.o = run.o;
    this.table = run.table;
  }

  private CheckDevice ctx() {
    return run.device();
  }

  void gradients(String section, int m, int p, int T, int samples) {
    Problem pr = Problem.of(m, p, samples, 7);
    EncoderParams enc = EncoderParams.soft(T, 0.2, 0.2);
    DictionaryOperator op = DictionaryOperator.of(pr.d(), m, p, enc.alpha());
    String shape = "m=" + m + " p=" + p + " T=" + T + " B=" + samples;
    for (Setting s : run.pairs()) {
      Backend b = run.backend(s);
      try {
        for (GradientKind kind : GradientKind.values()) {
          UnfoldedIsta k = b.kernels().unfoldedIsta(op, enc, 0);
          double[] times = new double[o.reps()];
          for (int r = -1; r < o.reps(); r++) {
            GradientSums sums = new GradientSums(m, p);
            long s0 = System.nanoTime();
            k.accumulate(kind, pr.x(), 0, samples, sums);
            if (r >= 0) {
              times[r] = (System.nanoTime() - s0) * 1e-9;
            }
          }
          double sec = median(times);
          int chunk = k instanceof UnfoldedIstaCuda u ? u.lastChunkColumns() : samples;
          double gflops = UnfoldedIsta.flops(kind, m, p, T, samples, chunk) / sec * 1e-9;
          Double peak = run.limit.get(b.precision());
          table.add(new CheckTable.Row(section, kind + " " + shape, b.gemm().toString(), b.precision().label(), sec,
              gflops, String.format(Locale.ROOT, "%.4f s/update", sec), "chunk " + chunk + " columns" + (peak == null
                  ? "" : String.format(Locale.ROOT, "; %.0f%% of cuBLAS %s %d^3", 100 * gflops / peak,
                      b.precision() == Precision.DOUBLE ? "DGEMM" : "SGEMM", o.quick() ? 128 : 4096))));
          run.say("%s %-12s %-8s %s: %.4f s per update, %.1f GFLOP/s (chunk %d)", section, b.label(), kind, shape, sec,
              gflops, chunk);
        }
      } catch (RuntimeException e) {
        run.failure(section, shape, b.gemm().toString(), b.precision().label(), e);
      } finally {
        b.kernels().close();
      }
    }
  }

  // ---- conv

  void conv() {
    ConvGeometry g = o.convGeometry();
    ConvEncoderParams e = o.convEncoder(0);
    double[] w = ConvFilters.random(g.k(), g.channels(), 1);
    double[][] pair = convPair(g.height(), g.width(), 2);
    String shape = g.height() + "x" + g.width() + " crop, " + g.channels() + " filters " + g.k() + "x" + g.k()
        + " stride " + g.stride() + ", T=" + e.T();
    ConvUnfoldedIsta cpu = new ConvUnfoldedIstaCpu(w, g.k(), g.stride(), g.channels(), e);
    for (GradientKind kind : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LS}) {
      double sec = convSeconds(cpu, kind, pair, g, o.reps());
      double gflops = ConvUnfoldedIsta.flops(kind, g, e.T()) / sec * 1e-9;
      table.add(new CheckTable.Row("conv", kind + " " + shape, "cpu", "FP64", sec, gflops,
          String.format(Locale.ROOT, "%.3f ms/crop", sec * 1e3), "CPU backend, one thread"));
      run.say("conv CPU %-8s %s: %.3f ms per crop, %.1f GFLOP/s", kind, shape, sec * 1e3, gflops);
    }
    if (ctx() == null) {
      return;
    }
    for (Setting s : run.pairs()) {
      Backend b = run.backend(s);
      try {
        ConvUnfoldedIsta gpu = b.kernels().convUnfoldedIsta(w, g.k(), g.stride(), g.channels(), e);
        for (GradientKind kind : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LS}) {
          double sec = convSeconds(gpu, kind, pair, g, o.reps());
          double gflops = ConvUnfoldedIsta.flops(kind, g, e.T()) / sec * 1e-9;
          table.add(new CheckTable.Row("conv", kind + " " + shape, b.gemm().toString(), b.precision().label(), sec,
              gflops, String.format(Locale.ROOT, "%.3f ms/crop", sec * 1e3), "filters resident, images uploaded"));
          run.say("conv %-12s %-8s %s: %.3f ms per crop, %.1f GFLOP/s", b.label(), kind, shape, sec * 1e3, gflops);
        }
      } catch (RuntimeException ex) {
        run.failure("conv", shape, b.gemm().toString(), b.precision().label(), ex);
      } finally {
        b.kernels().close();
      }
    }
  }

  // ---- study

  void study() {
    int m = 50;
    int p = 100;
    int k = 5;
    int T = o.quick() ? 20 : 200;
    int samples = o.studySamples();
    SyntheticModel model = new SyntheticModel(m, p, k, 1, SignMode.PER_SAMPLE, 0);
    double[] dTilde = model.dictionaryTilde();
    double[] d = model.initialDictionary(dTilde, 0.55 / Math.log(m));
    double[] x = new double[m * samples];
    int[] support = new int[k * samples];
    double[] amp = new double[k * samples];
    model.generate(dTilde, 0, samples, x, 0, support, amp);
    double[] z = new double[p * samples];
    model.denseCodes(support, amp, samples, z, 0);
    DepthGrid grid = o.quick() ? DepthGrid.standard(T, 5, 3) : DepthGrid.standard(T, 20, 10);
    EncoderParams enc = EncoderParams.soft(T, 0.2, 0.2);
    DictionaryOperator op = DictionaryOperator.of(d, m, p, enc.alpha());
    FistaLasso hat = new FistaLasso(d, m, p, 0.2, FistaLasso.Options.DEFAULT);
    // D_tilde stands in for D*: the cost of the z* solve is alike
    FistaLasso star = new FistaLasso(dTilde, m, p, 0.2, FistaLasso.Options.DEFAULT);
    double flops = 2.0 * p * p * T + 8.0 * p * p * grid.sum();
    String shape = "m=50 p=100 k=5 T=" + T + ", " + grid.size() + " depths, " + samples + " samples";
    // the CPU backend, one thread, is the reference of the device's per-depth gradients
    DepthStudySums cpu = studyRun(CpuKernels.INSTANCE.unfoldedIsta(op, enc, UnfoldedIsta.DEFAULT_SCRATCH_BYTES),
        grid, hat, star, x, z, samples, m, p);
    double cpuSec = lastStudySeconds / samples;
    table.add(new CheckTable.Row("study", "study kernel " + shape, "cpu", "FP64", cpuSec, flops / cpuSec * 1e-9,
        String.format(Locale.ROOT, "%.3f ms/sample", cpuSec * 1e3), "CPU backend, one thread"));
    run.say("study kernel %s on the CPU, one thread: %.3f ms per sample", shape, cpuSec * 1e3);
    if (ctx() == null) {
      return;
    }
    for (Setting pair : run.pairs()) {
      Backend b = run.backend(pair);
      try {
        DepthStudySums dev = studyRun(b.kernels().unfoldedIsta(op, enc, UnfoldedIsta.DEFAULT_SCRATCH_BYTES), grid,
            hat, star, x, z, samples, m, p);
        double sec = lastStudySeconds / samples;
        double worst = 0;
        for (int i = 0; i < grid.size(); i++) {
          for (GradientKind kind : GradientKind.values()) {
            worst = Math.max(worst, maxRelative(dev.atDepth(kind, i).gradientBuffer(),
                cpu.atDepth(kind, i).gradientBuffer()));
          }
        }
        double tol = tolerance(b.precision());
        boolean pass = worst <= tol;
        table.add(new CheckTable.Row("study", "study kernel " + shape, b.gemm().toString(), b.precision().label(),
            sec, flops / sec * 1e-9, String.format(Locale.ROOT, "%.3f ms/sample", sec * 1e3), String.format(
                Locale.ROOT, "per-depth gradients vs CPU: %.2e (%s <= %.0e); lasso references on the host", worst,
                pass ? "PASS" : "FAIL", tol)));
        run.say("study kernel %-12s %s: %.3f ms per sample, per-depth gradients vs CPU %.2e", b.label(), shape,
            sec * 1e3, worst);
        if (b.precision() == Precision.DOUBLE) { // FP32 through 200 layers is stated, not judged
          run.verdict(new Verdict("study " + b.label(), worst, tol, pass));
        }
      } catch (RuntimeException ex) {
        run.failure("study", shape, b.gemm().toString(), b.precision().label(), ex);
      } finally {
        b.kernels().close();
      }
    }
  }

  /** Runs the study kernel on {@code ista} once to warm up and twice timed; the last sums. */
  private DepthStudySums studyRun(UnfoldedIsta ista, DepthGrid grid, FistaLasso hat, FistaLasso star, double[] x,
      double[] z, int samples, int m, int p) {
    DepthStudyKernel kernel = new DepthStudyKernel(ista, grid, hat, star);
    double[] wall = new double[2];
    DepthStudySums sums = null;
    for (int r = -1; r < wall.length; r++) {
      sums = new DepthStudySums(m, p, grid.size());
      long t0 = System.nanoTime();
      kernel.add(x, 0, z, 0, samples, sums);
      if (r >= 0) {
        wall[r] = (System.nanoTime() - t0) * 1e-9;
      }
    }
    lastStudySeconds = median(wall);
    return sums;
  }

  // ---- CPU, for scale

  void cpu() {
    table.fact("cpu", "BLAS", "", "", Blas.description(), "");
    double dgemm = KernelBench.dgemmRate(1000, 1000, 1000, 3);
    table.add(new CheckTable.Row("cpu", "DGEMM 1000x1000x1000, one thread", "cpu", "FP64", 2e9 / (dgemm * 1e9), dgemm,
        String.format(Locale.ROOT, "%.1f GFLOP/s", dgemm), ""));
    run.say("CPU DGEMM 1000^3, one thread: %.1f GFLOP/s", dgemm);
    int threads = Runtime.getRuntime().availableProcessors();
    int n = o.cpuSamples();
    Problem pr = Problem.of(o.m(), o.p(), n, 11);
    EncoderParams enc = EncoderParams.soft(o.T(), 0.2, 0.2);
    DictionaryOperator op = DictionaryOperator.of(pr.d(), o.m(), o.p(), enc.alpha());
    int cpuThreads = Math.max(1, Math.min(threads, n / 8));
    ParallelGradient.sum(op, enc, GradientKind.AE_LS, pr.x(), Math.min(n, 2), 1, 1L << 30);
    for (GradientKind kind : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LS}) {
      long t0 = System.nanoTime();
      ParallelGradient.sum(op, enc, kind, pr.x(), n, cpuThreads, 1L << 30);
      double sec = (System.nanoTime() - t0) * 1e-9;
      double gflops = UnfoldedIsta.flops(kind, o.m(), o.p(), o.T(), n, n) / sec * 1e-9;
      double perB = sec * o.samples() / n;
      table.add(new CheckTable.Row("cpu", kind + " m=" + o.m() + " p=" + o.p() + " T=" + o.T() + " on " + n
          + " samples", "cpu", "FP64", sec, gflops, String.format(Locale.ROOT, "%.1f s per %d samples", perB,
              o.samples()), cpuThreads + " threads"));
      run.say("CPU %-8s on %d samples, %d threads: %.3f s, %.1f GFLOP/s", kind, n, cpuThreads, sec, gflops);
    }
  }

  /** Seconds per call of {@code k.accumulate(kind)} on one crop: the median of {@code reps} after a warm-up. */
  static double convSeconds(ConvUnfoldedIsta k, GradientKind kind, double[][] p, ConvGeometry g, int reps) {
    double[] times = new double[reps];
    for (int r = -1; r < reps; r++) {
      GradientSums sums = new GradientSums(g.taps(), g.channels());
      long s0 = System.nanoTime();
      k.accumulate(kind, p[0], p[1], g.height(), g.width(), sums);
      if (r >= 0) {
        times[r] = (System.nanoTime() - s0) * 1e-9;
      }
    }
    return median(times);
  }

  /** The median of {@code v} (not modified). */
  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }
}
