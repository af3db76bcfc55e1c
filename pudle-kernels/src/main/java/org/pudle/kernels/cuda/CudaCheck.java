package org.pudle.kernels.cuda;

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
import org.pudle.kernels.ParallelGradient;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.bench.KernelBench;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvFilters;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvThreshold;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.ConvUnfoldedIstaCpu;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.linalg.Blas;

/**
 * The standalone check and benchmark of the CUDA backend (no Spark on its classpath; the GPU
 * bundle of {@code submit/gpu-bundle} runs it on a machine with neither Java nor Spark).
 *
 * <ol>
 *   <li>The CPU part, always: the BLAS in use, its DGEMM rate, and the CPU kernel's GFLOP/s
 *       (g_dec and g_ae-ls) at the benchmark shape on a few samples ({@code --cpu-samples}, at
 *       least 8 per thread), with the time per B samples that rate implies.
 *   <li>Agreement, when there is a device: on random synthetic problems, every gradient kind
 *       (dec, ae-ls, ae-lasso) and encoder variant (soft, soft with decay, hard, hard with decay)
 *       in each precision, the maximum relative difference
 *       {@code max |g_cuda - g_cpu| / max |g_cpu|} of the gradient sums, and of the loss and the
 *       l1 norm, against the CPU backend (the reference, in double): at most
 *       {@value #FP64_TOLERANCE} in FP64, and {@value #FP32_TOLERANCE} in FP32 for the soft
 *       threshold (FP32 with the hard threshold is reported only: rounding can flip an entry at
 *       the threshold, which moves it by b).
 *   <li>Benchmark, when there is a device: seconds per update and GFLOP/s of the CUDA kernel at
 *       m = 1000, p = 1500, T = 100 on a block of B = 4096 samples (the dictionary resident, the
 *       block uploaded, the gradient downloaded), the device's GEMM rate at the kernel's dominant
 *       shape, and the time to upload D and G once per update.
 *   <li>The convolutional denoiser (unless {@code --no-conv}), the paper's geometry (64 filters of
 *       9 x 9, stride 4, T = 15, alpha = 0.1) on a 129 x 129 crop: seconds and GFLOP/s per crop of
 *       g_dec and g_ae-ls on the CPU ({@link ConvUnfoldedIstaCpu}, one thread) always; with a
 *       device, the agreement of {@link ConvUnfoldedIstaCuda} with it (both gradients, with the
 *       non-negative soft and the hard threshold, and the whole-image reconstruction of a
 *       321 x 481 image; the same tolerances) and its seconds and GFLOP/s per crop (the filters
 *       resident, the two images uploaded, the gradient downloaded), counted as
 *       {@link ConvUnfoldedIsta#flops}.
 * </ol>
 * GFLOP/s count the GEMM flops of {@link UnfoldedIsta#flops}. Times are medians after a warm-up.
 * Exit status: 0 when everything that ran passed, 1 when an agreement check failed, 2 for bad
 * arguments, 3 with {@code --require-cuda} and no usable device.
 *
 * <pre>
 * java -cp pudle-kernels.jar:... org.pudle.kernels.cuda.CudaCheck [--require-cuda] [--size MxPxT]
 *     [--samples B] [--reps R] [--cpu-samples N] [--precisions double,float] [--no-bench] [--no-conv]
 * </pre>
 */
public final class CudaCheck {
  /** Relative agreement required in FP64 (the target). */
  public static final double FP64_TOLERANCE = 1e-10;
  /** Relative agreement required in FP32: single rounding through T layers. */
  public static final double FP32_TOLERANCE = 1e-2;

  private CudaCheck() {}

  public static void main(String[] args) {
    Map<String, String> o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("cuda-check: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.exit(run(o));
  }

  private static final String USAGE = "usage: cuda-check [--require-cuda] [--size MxPxT (1000x1500x100)] "
      + "[--samples B (4096)] [--reps R (5)] [--cpu-samples N (32)] [--precisions double,float] [--no-bench] "
      + "[--no-conv]";

  static Map<String, String> parse(String[] args) {
    Map<String, String> o = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--require-cuda":
        case "--no-bench":
        case "--no-conv":
          o.put(a.substring(2), "true");
          break;
        case "--size":
        case "--samples":
        case "--reps":
        case "--cpu-samples":
        case "--precisions":
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(a + " needs a value; " + USAGE);
          }
          o.put(a.substring(2), args[++i]);
          break;
        case "-h":
        case "--help":
          System.out.println(USAGE);
          System.exit(0);
          break;
        default:
          throw new IllegalArgumentException("unknown option '" + a + "'; " + USAGE);
      }
    }
    return o;
  }

  private static int intOpt(Map<String, String> o, String key, int def) {
    String v = o.get(key);
    if (v == null) {
      return def;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + ": expected a positive integer, got '" + v + "'");
    }
  }

  static int run(Map<String, String> o) {
    int m;
    int p;
    int T;
    int samples;
    int reps;
    int cpuSamples;
    List<Precision> precisions = new ArrayList<>();
    try {
      String[] size = o.getOrDefault("size", "1000x1500x100").split("x");
      if (size.length != 3) {
        throw new IllegalArgumentException("--size: expected MxPxT, got '" + o.get("size") + "'");
      }
      m = Integer.parseInt(size[0]);
      p = Integer.parseInt(size[1]);
      T = Integer.parseInt(size[2]);
      samples = intOpt(o, "samples", 4096);
      reps = intOpt(o, "reps", 5);
      cpuSamples = intOpt(o, "cpu-samples", 32);
      for (String s : o.getOrDefault("precisions", "double,float").split(",")) {
        precisions.add(Precision.parse(s));
      }
    } catch (IllegalArgumentException e) {
      System.err.println("cuda-check: " + e.getMessage());
      return 2;
    }
    int threads = Runtime.getRuntime().availableProcessors();
    say("pudle cuda-check: Java %s (%s), %d cores", System.getProperty("java.version"),
        System.getProperty("java.vm.name"), threads);
    say("CPU BLAS: %s", Blas.description());
    say("CPU DGEMM 1000x1000x1000: %.1f GFLOP/s (one thread)", KernelBench.dgemmRate(1000, 1000, 1000, 3));

    CudaContext.Availability a = CudaKernels.availability();
    say("CUDA: %s", a.available() ? a.description() : "not available: " + a.description());

    // the CPU part: the kernel at the benchmark shape on a few samples (at least 8 per thread:
    // narrower slices turn the GEMMs into matrix-vector products)
    Problem cpuProblem = Problem.of(m, p, cpuSamples, 11);
    EncoderParams enc = EncoderParams.soft(T, 0.2, 0.2);
    DictionaryOperator cpuOp = DictionaryOperator.of(cpuProblem.d, m, p, enc.alpha());
    int cpuThreads = Math.max(1, Math.min(threads, cpuSamples / 8));
    ParallelGradient.sum(cpuOp, enc, GradientKind.AE_LS, cpuProblem.x, Math.min(cpuSamples, 2), 1, 1L << 30);
    for (GradientKind kind : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LS}) {
      long t0 = System.nanoTime();
      ParallelGradient.sum(cpuOp, enc, kind, cpuProblem.x, cpuSamples, cpuThreads, 1L << 30);
      double sec = (System.nanoTime() - t0) * 1e-9;
      double gflops = UnfoldedIsta.flops(kind, m, p, T, cpuSamples, cpuSamples) / sec * 1e-9;
      say("CPU   %-8s m=%d p=%d T=%d on %d samples, %d threads: %.3f s, %.1f GFLOP/s (%.1f s per %d samples at this rate)",
          kind, m, p, T, cpuSamples, cpuThreads, sec, gflops, sec * samples / cpuSamples, samples);
    }

    boolean conv = !o.containsKey("no-conv");
    if (conv) {
      convCpuBench(reps);
    }

    if (!a.available()) {
      say("no CUDA device: only the CPU part ran (%s)", a.description());
      return o.containsKey("require-cuda") ? 3 : 0;
    }

    CudaContext ctx = CudaContext.shared();
    List<CudaKernels> backends = new ArrayList<>();
    for (Precision precision : precisions) {
      backends.add(CudaKernels.on(ctx, precision));
    }
    boolean ok;
    try {
      ok = agreement(backends, threads);
      if (conv) {
        ok &= convAgreement(backends);
      }
      if (!o.containsKey("no-bench")) {
        for (CudaKernels cuda : backends) {
          bench(ctx, cuda, cuda.precision(), m, p, T, samples, reps);
        }
      }
      if (conv) {
        for (CudaKernels cuda : backends) {
          convBench(cuda, reps);
        }
      }
    } finally {
      for (CudaKernels cuda : backends) {
        cuda.close();
      }
    }
    say(ok ? "cuda-check: all agreement checks passed" : "cuda-check: AGREEMENT FAILED");
    return ok ? 0 : 1;
  }

  /** Random synthetic samples around a perturbed dictionary, as in the experiments. */
  record Problem(double[] d, double[] x, int m, int p, int n) {
    static Problem of(int m, int p, int n, long seed) {
      SyntheticModel model = new SyntheticModel(m, p, Math.max(1, Math.min(p, m / 10 + 1)), seed,
          SignMode.PER_SAMPLE, 0);
      double[] dTilde = model.dictionaryTilde();
      double[] d = model.initialDictionary(dTilde, 0.55 / Math.log(Math.max(m, 3)));
      double[] x = new double[m * n];
      model.generate(dTilde, 0, n, x, 0, null, null);
      return new Problem(d, x, m, p, n);
    }
  }

  private static boolean agreement(List<CudaKernels> backends, int threads) {
    // small, tile-edge and large shapes: {m, p, T, samples}
    int[][] shapes = {{50, 100, 50, 300}, {130, 257, 20, 333}, {1000, 1500, 8, 96}};
    EncoderParams[] variants = {
      new EncoderParams(1, 0.2, 0.2, ThresholdKind.SOFT, 0, 1),
      new EncoderParams(1, 0.2, 0.2, ThresholdKind.SOFT, 0, 0.98),
      new EncoderParams(1, 0.2, 0.2, ThresholdKind.HARD, 0.1, 1),
      new EncoderParams(1, 0.2, 0.2, ThresholdKind.HARD, 0.1, 0.98),
    };
    String[] names = {"soft", "soft+decay", "hard", "hard+decay"};
    Map<Precision, Double> worst = new LinkedHashMap<>();
    Map<Precision, Boolean> passed = new LinkedHashMap<>();
    for (CudaKernels cuda : backends) {
      worst.put(cuda.precision(), 0.0);
      passed.put(cuda.precision(), true);
    }
    for (int[] s : shapes) {
      Problem pr = Problem.of(s[0], s[1], s[3], 1000 + s[0]);
      for (int v = 0; v < variants.length; v++) {
        EncoderParams e = variants[v].withT(s[2]);
        DictionaryOperator op = DictionaryOperator.of(pr.d, pr.m, pr.p, e.alpha());
        for (GradientKind kind : GradientKind.values()) {
          GradientSums cpu = ParallelGradient.sum(op, e, kind, pr.x, pr.n, threads, 1L << 30);
          for (CudaKernels cuda : backends) {
            Precision precision = cuda.precision();
            double tol = precision == Precision.DOUBLE ? FP64_TOLERANCE : FP32_TOLERANCE;
            GradientSums gpu = new GradientSums(pr.m, pr.p);
            cuda.unfoldedIsta(op, e, 0).accumulate(kind, pr.x, 0, pr.n, gpu);
            double g = maxRelative(gpu.gradientBuffer(), cpu.gradientBuffer());
            double loss = Math.abs(gpu.meanLoss() - cpu.meanLoss()) / Math.abs(cpu.meanLoss());
            double l1 = Math.abs(gpu.meanL1() - cpu.meanL1()) / Math.max(Math.abs(cpu.meanL1()), Double.MIN_NORMAL);
            double nnz = gpu.meanNonZeros() - cpu.meanNonZeros();
            double err = Math.max(g, Math.max(loss, l1));
            boolean pass = err <= tol && !Double.isNaN(err);
            // in FP32 a hard threshold can flip an entry that lies within rounding of b_t, which
            // moves the code by about b: those lines are reported but do not fail the check
            boolean counts = precision == Precision.DOUBLE || variants[v].threshold() == ThresholdKind.SOFT;
            passed.put(precision, passed.get(precision) && (pass || !counts));
            worst.put(precision, Math.max(worst.get(precision), Double.isNaN(err) ? Double.POSITIVE_INFINITY : err));
            say("agree %s %-8s %-10s m=%-4d p=%-4d T=%-3d n=%-4d gradient %.2e  loss %.2e  l1 %.2e  "
                + "nnz/sample %+.3f  %s", precision.label(), kind, names[v], pr.m, pr.p, e.T(), pr.n, g, loss, l1, nnz,
                pass ? "ok" : counts ? "FAIL" : "over (informational)");
          }
        }
      }
    }
    boolean ok = true;
    for (Precision precision : worst.keySet()) {
      double tol = precision == Precision.DOUBLE ? FP64_TOLERANCE : FP32_TOLERANCE;
      say("agreement %s: max relative difference %.2e (required <= %.0e): %s", precision.label(), worst.get(precision),
          tol, passed.get(precision) ? "PASS" : "FAIL");
      ok &= passed.get(precision);
    }
    return ok;
  }

  /** {@code max |a - b| / max |b|}. */
  static double maxRelative(double[] a, double[] b) {
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
      if (Double.isNaN(a[i])) {
        return Double.NaN;
      }
    }
    return diff / scale;
  }

  private static void bench(CudaContext ctx, CudaKernels cuda, Precision precision, int m, int p, int T, int samples,
      int reps) {
    Problem pr = Problem.of(m, p, samples, 7);
    EncoderParams enc = EncoderParams.soft(T, 0.2, 0.2);
    long t0 = System.nanoTime();
    DictionaryOperator op = DictionaryOperator.of(pr.d, m, p, enc.alpha());
    double gSeconds = (System.nanoTime() - t0) * 1e-9;
    say("bench %s: G = I - alpha D^T D on the host (CPU BLAS): %.3f s per update", precision.label(), gSeconds);
    gemmRate(ctx, precision, p, samples, p, reps);
    long free0 = ctx.memoryInfo()[0];
    for (GradientKind kind : GradientKind.values()) {
      UnfoldedIstaCuda k = (UnfoldedIstaCuda) cuda.unfoldedIsta(op, enc, 0);
      double[] times = new double[reps];
      for (int r = -1; r < reps; r++) {
        GradientSums sums = new GradientSums(m, p);
        long s0 = System.nanoTime();
        k.accumulate(kind, pr.x, 0, samples, sums);
        if (r >= 0) {
          times[r] = (System.nanoTime() - s0) * 1e-9;
        }
      }
      double sec = median(times);
      double flops = UnfoldedIsta.flops(kind, m, p, T, samples, k.lastChunkColumns());
      say("bench %s %-8s m=%d p=%d T=%d B=%d: %.4f s per update, %.1f GFLOP/s (chunk %d columns, device memory in use %.2f GiB)",
          precision.label(), kind, m, p, T, samples, sec, flops / sec * 1e-9, k.lastChunkColumns(),
          (free0 - ctx.memoryInfo()[0]) / 1073741824.0);
    }
    // the once-per-update upload of D and G: a fresh operator each time
    double[] up = new double[reps];
    for (int r = 0; r < reps; r++) {
      DictionaryOperator fresh = DictionaryOperator.of(pr.d, m, p, enc.alpha());
      Device dev = ctx.newDevice(precision);
      try {
        long s0 = System.nanoTime();
        CudaKernels.DeviceDictionary dd = cuda.acquireDictionary(fresh, dev);
        dev.synchronize();
        up[r] = (System.nanoTime() - s0) * 1e-9;
        cuda.releaseDictionary(dd);
      } finally {
        dev.close();
      }
    }
    say("bench %s: upload of D (%dx%d) and G (%dx%d) once per update: %.4f s", precision.label(), m, p, p, p,
        median(up));
  }

  /** The device GEMM rate at C(M x N) = A(M x K) B(K x N), the forward layer's shape. */
  private static void gemmRate(CudaContext ctx, Precision precision, int M, int N, int K, int reps) {
    try (Device dev = ctx.newDevice(precision)) {
      DeviceBuffer a = dev.alloc((long) M * K);
      DeviceBuffer b = dev.alloc((long) K * N);
      DeviceBuffer c = dev.alloc((long) M * N);
      long wsn = dev.gemmWorkspace(M, N, K);
      DeviceBuffer ws = wsn > 0 ? dev.alloc(wsn) : null;
      try {
        dev.zero(a.at(0), a.elements());
        dev.zero(b.at(0), b.elements());
        double[] times = new double[reps];
        for (int r = -1; r < reps; r++) {
          dev.synchronize();
          long s0 = System.nanoTime();
          dev.gemm(false, false, M, N, K, 1, a.at(0), M, b.at(0), K, 0, null, 0, c.at(0), M, Device.EPI_NONE, 0,
              ws == null ? null : ws.at(0));
          dev.synchronize();
          if (r >= 0) {
            times[r] = (System.nanoTime() - s0) * 1e-9;
          }
        }
        say("bench %s: device GEMM %dx%dx%d (%d split-K slices): %.1f GFLOP/s", precision.label(), M, N, K,
            CudaDevice.splitSlices(M, N, K), 2.0 * M * N * K / median(times) * 1e-9);
      } finally {
        a.close();
        b.close();
        c.close();
        if (ws != null) {
          ws.close();
        }
      }
    }
  }

  // ---- the convolutional denoiser

  /** The paper's geometry: 64 filters of 9 x 9, stride 4, on a 129 x 129 crop. */
  static final ConvGeometry CONV_CROP = new ConvGeometry(9, 4, 64, 129, 129);
  static final ConvEncoderParams[] CONV_ENCODERS = {
    new ConvEncoderParams(15, 0.1, 0.1, ConvThreshold.SOFT_NONNEG, 0),
    new ConvEncoderParams(15, 0.1, 0.1, ConvThreshold.HARD, 0.05),
  };

  /** A textured clean image in [0, 1] and its noisy version (noise 25/255). */
  static double[][] convPair(int height, int width, long seed) {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    double[] clean = new double[height * width];
    double fx = 0.3 + 0.4 * rng.nextDouble();
    double fy = 0.2 + 0.5 * rng.nextDouble();
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        clean[y * width + x] = 0.5 + 0.3 * Math.sin(fx * x) * Math.cos(fy * y) + 0.1 * rng.nextDouble();
      }
    }
    double[] noisy = clean.clone();
    for (int i = 0; i < noisy.length; i++) {
      noisy[i] += 25.0 / 255.0 * rng.nextGaussian();
    }
    return new double[][] {noisy, clean};
  }

  /**
   * The worst relative differences of g_dec and g_ae-ls (gradient, loss, l1) and of reconstruct
   * for one encoder, and the largest difference of the non-zeros of the codes (reported only).
   */
  record ConvAgreement(double gradient, double loss, double l1, double reconstruct, double nnzDifference) {
    /** The largest of the relative differences; NaN when one is. */
    double worst() {
      return Math.max(Math.max(gradient, loss), Math.max(l1, reconstruct));
    }
  }

  /**
   * The CUDA convolutional kernel of {@code cuda} against the CPU one on {@code g} (both gradients)
   * and on a {@code 321 x 481} image (reconstruct), printing one line per gradient kind.
   */
  static ConvAgreement convCompare(CudaKernels cuda, ConvGeometry g, ConvEncoderParams e, long seed, boolean print) {
    double[] w = ConvFilters.random(g.k(), g.channels(), seed);
    double[][] p = convPair(g.height(), g.width(), seed + 1);
    ConvUnfoldedIsta cpu = new ConvUnfoldedIstaCpu(w, g.k(), g.stride(), g.channels(), e);
    ConvUnfoldedIsta gpu = cuda.convUnfoldedIsta(w, g.k(), g.stride(), g.channels(), e);
    double grad = 0;
    double loss = 0;
    double l1 = 0;
    double nnz = 0;
    for (GradientKind kind : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LS}) {
      GradientSums a = new GradientSums(g.taps(), g.channels());
      GradientSums b = new GradientSums(g.taps(), g.channels());
      cpu.accumulate(kind, p[0], p[1], g.height(), g.width(), a);
      gpu.accumulate(kind, p[0], p[1], g.height(), g.width(), b);
      double gk = maxRelative(b.gradientBuffer(), a.gradientBuffer());
      double lk = Math.abs(b.meanLoss() - a.meanLoss()) / a.meanLoss();
      double l1k = Math.abs(b.meanL1() - a.meanL1()) / Math.max(a.meanL1(), Double.MIN_NORMAL);
      double nk = b.meanNonZeros() - a.meanNonZeros();
      if (print) {
        say("conv agree %s %-7s %-11s %dx%d, %d filters %dx%d stride %d, T=%d: gradient %.2e  loss %.2e  l1 %.2e  "
            + "nnz %+.0f of %.0f", cuda.precision().label(), kind, e.threshold(), g.height(), g.width(), g.channels(),
            g.k(), g.k(), g.stride(), e.T(), gk, lk, l1k, nk, a.meanNonZeros());
      }
      grad = Double.isNaN(gk) ? Double.NaN : Math.max(grad, gk);
      loss = Math.max(loss, lk);
      l1 = Math.max(l1, l1k);
      nnz = Math.max(nnz, Math.abs(nk));
    }
    int h = 321;
    int wd = 481;
    int hp = ConvGeometry.fittingSize(h, g.k(), g.stride());
    int wp = ConvGeometry.fittingSize(wd, g.k(), g.stride());
    double[][] img = convPair(hp, wp, seed + 2);
    double[] outCpu = new double[hp * wp];
    double[] outGpu = new double[hp * wp];
    cpu.reconstruct(img[0], hp, wp, outCpu);
    gpu.reconstruct(img[0], hp, wp, outGpu);
    double rec = maxRelative(outGpu, outCpu);
    if (print) {
      say("conv agree %s reconstruct %-11s %dx%d: image %.2e", cuda.precision().label(), e.threshold(), hp, wp, rec);
    }
    return new ConvAgreement(grad, loss, l1, rec, nnz);
  }

  private static boolean convAgreement(List<CudaKernels> backends) {
    boolean ok = true;
    for (CudaKernels cuda : backends) {
      Precision precision = cuda.precision();
      double tol = precision == Precision.DOUBLE ? FP64_TOLERANCE : FP32_TOLERANCE;
      double worst = 0;
      boolean passed = true;
      for (int v = 0; v < CONV_ENCODERS.length; v++) {
        ConvEncoderParams e = CONV_ENCODERS[v];
        double err;
        try {
          err = convCompare(cuda, CONV_CROP, e, 40 + v, true).worst();
        } catch (RuntimeException ex) {
          say("conv agree %s %s: FAILED with %s", precision.label(), e.threshold(), ex);
          err = Double.NaN;
        }
        // in FP32 the hard threshold can flip entries within rounding of b (as for the dense kernel)
        boolean counts = precision == Precision.DOUBLE || !e.threshold().hard();
        boolean pass = err <= tol;
        passed &= pass || !counts;
        worst = Math.max(worst, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
      }
      say("conv agreement %s: max relative difference %.2e (required <= %.0e): %s", precision.label(), worst, tol,
          passed ? "PASS" : "FAIL");
      ok &= passed;
    }
    return ok;
  }

  /** Seconds per call of {@code k.accumulate(kind)} on one crop: the median of {@code reps} after a warm-up. */
  private static double convSeconds(ConvUnfoldedIsta k, GradientKind kind, double[][] p, ConvGeometry g, int reps) {
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

  private static void convCpuBench(int reps) {
    ConvGeometry g = CONV_CROP;
    ConvEncoderParams e = CONV_ENCODERS[0];
    double[] w = ConvFilters.random(g.k(), g.channels(), 1);
    double[][] p = convPair(g.height(), g.width(), 2);
    ConvUnfoldedIsta cpu = new ConvUnfoldedIstaCpu(w, g.k(), g.stride(), g.channels(), e);
    for (GradientKind kind : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LS}) {
      double sec = convSeconds(cpu, kind, p, g, reps);
      say("CPU   conv %-7s %dx%d crop, %d filters %dx%d stride %d, T=%d, one thread: %.4f s per crop, %.1f GFLOP/s",
          kind, g.height(), g.width(), g.channels(), g.k(), g.k(), g.stride(), e.T(), sec,
          ConvUnfoldedIsta.flops(kind, g, e.T()) / sec * 1e-9);
    }
  }

  private static void convBench(CudaKernels cuda, int reps) {
    ConvGeometry g = CONV_CROP;
    ConvEncoderParams e = CONV_ENCODERS[0];
    double[] w = ConvFilters.random(g.k(), g.channels(), 1);
    double[][] p = convPair(g.height(), g.width(), 2);
    ConvUnfoldedIsta gpu = cuda.convUnfoldedIsta(w, g.k(), g.stride(), g.channels(), e);
    for (GradientKind kind : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LS}) {
      double sec = convSeconds(gpu, kind, p, g, reps);
      say("bench %s conv %-7s %dx%d crop, %d filters %dx%d stride %d, T=%d: %.4f s per crop, %.1f GFLOP/s",
          cuda.precision().label(), kind, g.height(), g.width(), g.channels(), g.k(), g.k(), g.stride(), e.T(), sec,
          ConvUnfoldedIsta.flops(kind, g, e.T()) / sec * 1e-9);
    }
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }

  private static void say(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
    System.out.flush();
  }
}
