package org.pudle.kernels.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.ParallelGradient;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.kernels.backend.CpuKernels;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvFilters;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvThreshold;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.ConvUnfoldedIstaCpu;
import org.pudle.kernels.cuda.Cublas;
import org.pudle.kernels.cuda.CudaContext;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.Device;
import org.pudle.kernels.cuda.DeviceBuffer;
import org.pudle.kernels.cuda.GemmChoice;
import org.pudle.kernels.cuda.GemmProvider;
import org.pudle.kernels.cuda.Precision;
import org.pudle.kernels.cuda.UnfoldedIstaCuda;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.study.DepthGrid;
import org.pudle.kernels.study.DepthStudyKernel;
import org.pudle.kernels.study.DepthStudySums;

/**
 * The one-call check and benchmark of the CUDA backend (no Spark on its classpath; the GPU bundle
 * of {@code submit/gpu-bundle} runs it on a machine with neither Java nor Spark). It prints
 * progress lines as it goes and, at the end, one table, which it also writes as
 * {@code check.csv} and {@code check.txt} into {@code --out} (default {@code check-results}):
 * <ol>
 *   <li>device: the GPU, the NVIDIA driver, the CUDA versions (driver API, runtime), cuBLAS, and
 *       the GEMM provider {@code cuda.gemm=auto} chooses and why;
 *   <li>gemm: DGEMM and SGEMM rates at 4096^3 and at the dense kernel's dominant shape
 *       1500 x 4096 x 1500, for each GEMM provider (cuBLAS: the device's limit);
 *   <li>agreement: for each GEMM provider and precision, the maximum relative difference
 *       {@code max |g_cuda - g_cpu| / max |g_cpu|} of the gradient sums (and of the loss and the l1
 *       norm) against the CPU backend in double, over every gradient kind and encoder variant on
 *       three shapes, and of the convolutional denoiser's gradients and reconstruction: at most
 *       {@value #FP64_TOLERANCE} in FP64, {@value #FP32_TOLERANCE} in FP32 (FP32 with the hard
 *       threshold is reported only: rounding can flip an entry at the threshold);
 *   <li>gradients: seconds per update and GFLOP/s ({@link UnfoldedIsta#flops}) of g_dec, g_ae-ls
 *       and g_ae-lasso at m = 1000, p = 1500, T = 100, B = 4096 ({@code --size}, {@code --samples})
 *       and at the setting of the paper's appendix B.1 (m = 50, p = 100, T = 200, B = 65536), for
 *       each provider and precision (D resident, the block uploaded, the gradient downloaded);
 *   <li>conv: the convolutional denoiser (64 filters of 9 x 9, stride 4, T = 15) on a 129 x 129
 *       crop: ms per crop of g_dec and g_ae-ls, on the CPU (one thread) and for each provider;
 *   <li>study: the gradient study's kernel ({@link DepthStudyKernel}) at the paper's setting
 *       (m = 50, p = 100, k = 5, T = 200, the standard depth grid): ms per sample; it runs on the
 *       CPU backend only (one thread), which the row says;
 *   <li>cpu: the CPU BLAS, its DGEMM rate and the CPU kernel at the benchmark shape, for scale;
 *   <li>result: PASS or FAIL for each agreement.
 * </ol>
 * Every section catches its own failure and reports it as a row. A time guard
 * ({@code --time-limit}, default {@value #DEFAULT_TIME_LIMIT} s) skips the sections that would
 * start after it and, when a section is still running at the limit, writes the table and exits.
 *
 * <p>{@code --probe} only says, in seconds, whether libcuda, libcudart and libcublas load and
 * work ({@link CudaProbe}).
 *
 * <p>Exit status: 0 when everything ran and every agreement passed; 1 when an agreement failed
 * or a section failed or ran out of time; 2 for bad arguments; 3 with {@code --require-cuda} and
 * no usable device (after a line that says why, starting with {@code no CUDA driver} when the
 * driver library is missing).
 */
public final class CudaCheck {
  /** Relative agreement required in FP64 (the target). */
  public static final double FP64_TOLERANCE = 1e-10;
  /** Relative agreement required in FP32: single rounding through T layers. */
  public static final double FP32_TOLERANCE = 1e-2;
  static final int DEFAULT_TIME_LIMIT = 300;

  private CudaCheck() {}

  static final String USAGE = "usage: run [--probe] [--require-cuda] [--out DIR (check-results)] "
      + "[--gemm both|auto|own|cublas (both)] [--precisions double,float] [--size MxPxT (1000x1500x100)] "
      + "[--samples B (4096)] [--b1-samples B (65536)] [--reps R (5)] [--cpu-samples N (32)] "
      + "[--study-samples N (256)] [--time-limit SECONDS (" + DEFAULT_TIME_LIMIT + ")] [--no-bench] [--no-conv] "
      + "[--no-study] [--no-cpu] [--quick]";

  /** The parsed arguments. */
  record Options(boolean probe, boolean requireCuda, Path out, String gemm, List<Precision> precisions, int m, int p,
      int T, int samples, int b1Samples, int reps, int cpuSamples, int studySamples, double timeLimit, boolean bench,
      boolean conv, boolean study, boolean cpu, boolean quick) {

    static Options parse(String[] args) {
      Map<String, String> o = new LinkedHashMap<>();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--probe":
          case "--require-cuda":
          case "--no-bench":
          case "--no-conv":
          case "--no-study":
          case "--no-cpu":
          case "--quick":
          case "--help":
          case "-h":
            o.put(a.replaceFirst("^-+", ""), "true");
            break;
          case "--out":
          case "--gemm":
          case "--precisions":
          case "--size":
          case "--samples":
          case "--b1-samples":
          case "--reps":
          case "--cpu-samples":
          case "--study-samples":
          case "--time-limit":
            if (i + 1 >= args.length) {
              throw new IllegalArgumentException(a + " needs a value; " + USAGE);
            }
            o.put(a.substring(2), args[++i]);
            break;
          default:
            throw new IllegalArgumentException("unknown option '" + a + "'; " + USAGE);
        }
      }
      if (o.containsKey("help") || o.containsKey("h")) {
        return null;
      }
      String[] size = o.getOrDefault("size", "1000x1500x100").split("x");
      if (size.length != 3) {
        throw new IllegalArgumentException("--size: expected MxPxT, got '" + o.get("size") + "'");
      }
      int m = positive("size", size[0]);
      int p = positive("size", size[1]);
      int T = positive("size", size[2]);
      String gemm = o.getOrDefault("gemm", "both").trim().toLowerCase(Locale.ROOT);
      if (!gemm.equals("both")) {
        GemmProvider.parse(gemm, "--gemm");
      }
      List<Precision> precisions = new ArrayList<>();
      for (String s : o.getOrDefault("precisions", "double,float").split(",")) {
        precisions.add(Precision.parse(s));
      }
      double limit;
      try {
        limit = Double.parseDouble(o.getOrDefault("time-limit", String.valueOf(DEFAULT_TIME_LIMIT)));
      } catch (NumberFormatException e) {
        limit = Double.NaN;
      }
      if (!(limit > 0)) {
        throw new IllegalArgumentException("--time-limit: expected positive seconds, got '" + o.get("time-limit")
            + "'");
      }
      return new Options(o.containsKey("probe"), o.containsKey("require-cuda"),
          Path.of(o.getOrDefault("out", "check-results")), gemm, precisions, m, p, T,
          positive("samples", o.getOrDefault("samples", "4096")),
          positive("b1-samples", o.getOrDefault("b1-samples", "65536")),
          positive("reps", o.getOrDefault("reps", "5")), positive("cpu-samples", o.getOrDefault("cpu-samples", "32")),
          positive("study-samples", o.getOrDefault("study-samples", "256")), limit, !o.containsKey("no-bench"),
          !o.containsKey("no-conv"), !o.containsKey("no-study"), !o.containsKey("no-cpu"), o.containsKey("quick"));
    }

    private static int positive(String key, String v) {
      try {
        int n = Integer.parseInt(v.trim());
        if (n >= 1) {
          return n;
        }
      } catch (NumberFormatException e) {
        // below
      }
      throw new IllegalArgumentException("--" + key + ": expected a positive integer, got '" + v + "'");
    }
  }

  public static void main(String[] args) {
    System.exit(run(System.out, args));
  }

  /** Runs the check (or the probe) with {@code args}, printing to {@code out}; returns the exit status. */
  public static int run(PrintStream out, String... args) {
    return run(out, null, args);
  }

  /**
   * Runs the check on {@code device} (null: the CUDA driver's device, probed) with {@code args};
   * returns the exit status. The tests run every section on an emulated device this way.
   */
  public static int run(PrintStream out, CheckDevice device, String... args) {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("cuda-check: " + e.getMessage());
      return 2;
    }
    if (o == null) {
      out.println(USAGE);
      return 0;
    }
    return o.probe() ? CudaProbe.run(out) : new CudaCheck.Run(o, out, device).run();
  }

  /** One GEMM provider and precision under test. */
  record Setting(GemmProvider gemm, Precision precision) {}

  /** One GEMM provider and precision under test, and its kernels. */
  record Backend(GemmProvider gemm, Precision precision, CudaKernels kernels) {
    String label() {
      return gemm + "/" + precision.label();
    }
  }

  /** An agreement verdict, for the last line. */
  record Verdict(String what, double worst, double tolerance, boolean pass) {}

  /** One run of the check. */
  static final class Run {
    private final Options o;
    private final PrintStream out;
    private final CheckTable table = new CheckTable();
    private final List<Verdict> verdicts = new ArrayList<>();
    private final long start = System.nanoTime();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cuda-check");
      t.setDaemon(true);
      return t;
    });
    private boolean sectionFailed;
    private CheckDevice ctx;
    private final List<GemmProvider> providers = new ArrayList<>();
    /** The cuBLAS rate at 4096^3 per precision (GFLOP/s), once measured: the device's limit. */
    private final Map<Precision, Double> limit = new java.util.concurrent.ConcurrentHashMap<>();

    Run(Options o, PrintStream out) {
      this(o, out, null);
    }

    /** @param device the device to check, or null for the CUDA driver's (probed) */
    Run(Options o, PrintStream out, CheckDevice device) {
      this.o = o;
      this.out = out;
      this.ctx = device;
    }

    private void say(String format, Object... args) {
      out.println(String.format(Locale.ROOT, "[%6.1f s] ", elapsed()) + String.format(Locale.ROOT, format, args));
      out.flush();
    }

    private double elapsed() {
      return (System.nanoTime() - start) * 1e-9;
    }

    interface Body {
      void run() throws Exception;
    }

    /**
     * Runs {@code body} on the worker thread within the time left; a failure becomes a row. At the
     * limit, writes the table and exits the JVM (a stuck device call cannot be interrupted).
     */
    void section(String name, Body body) {
      double left = o.timeLimit() - elapsed();
      if (left <= 0) {
        table.fact(name, "skipped", "", "", "SKIPPED",
            String.format(Locale.ROOT, "the time limit of %.0f s was reached", o.timeLimit()));
        sectionFailed = true;
        say("%s: skipped, the time limit of %.0f s was reached", name, o.timeLimit());
        return;
      }
      say("== %s", name);
      Future<?> f = worker.submit(() -> {
        body.run();
        return null;
      });
      try {
        f.get((long) Math.ceil(left * 1000), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        table.fact(name, "timed out", "", "", "TIMEOUT", String.format(Locale.ROOT,
            "still running at the time limit of %.0f s; the table ends here", o.timeLimit()));
        say("%s: still running at the time limit of %.0f s: writing the table", name, o.timeLimit());
        sectionFailed = true;
        throw new OutOfTime();
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        failure(name, name, "", "", c);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      write();
    }

    /**
     * A section still running at the time limit: the table is written and the run ends (the
     * section's thread, a daemon, is left behind: a device call cannot be interrupted; main exits).
     */
    private static final class OutOfTime extends RuntimeException {
      private static final long serialVersionUID = 1L;

      OutOfTime() {
        super(null, null, false, false);
      }
    }

    /** A failed part: a row with the exception's first line, and its stack on the console. */
    private void failure(String section, String item, String gemm, String precision, Throwable t) {
      sectionFailed = true;
      String msg = t.getClass().getSimpleName() + ": " + String.valueOf(t.getMessage()).split("\n", 2)[0];
      table.fact(section, item, gemm, precision, "FAILED", msg);
      say("%s %s %s %s: FAILED with %s", section, item, gemm, precision, msg);
      t.printStackTrace(out);
      out.flush();
    }

    private void write() {
      try {
        table.write(o.out());
      } catch (IOException e) {
        say("cannot write the table into %s: %s", o.out(), e.getMessage());
      }
    }

    int run() {
      try {
        return sections();
      } catch (OutOfTime e) {
        return finish();
      } finally {
        worker.shutdownNow();
      }
    }

    private int sections() {
      try {
        Files.createDirectories(o.out());
      } catch (IOException e) {
        out.println("cuda-check: --out " + o.out() + ": cannot create the folder: " + e.getMessage());
        return 2;
      }
      say("pudle cuda-check: Java %s (%s), %d cores, output %s, time limit %.0f s", System.getProperty("java.version"),
          System.getProperty("java.vm.name"), Runtime.getRuntime().availableProcessors(), o.out().toAbsolutePath(),
          o.timeLimit());
      CudaContext.Availability a = ctx != null ? new CudaContext.Availability(true, ctx.name()) : CudaContext.probe();
      if (!a.available()) {
        table.fact("device", "CUDA", "", "", "none", a.description());
        say("no usable CUDA device: %s", a.description());
        if (o.requireCuda()) {
          table.fact("result", "cuda-check", "", "", "NO DEVICE", "--require-cuda: exit 3");
          write();
          out.println();
          table.print(out);
          String why = a.description().startsWith("no CUDA driver") ? "" : "no CUDA driver or device: ";
          out.println("cuda-check: " + why + a.description());
          out.flush();
          return 3;
        }
      } else {
        if (ctx == null) {
          ctx = CheckDevice.of(CudaContext.shared());
        }
        section("device", this::device);
      }
      if (ctx != null) {
        section("gemm", this::gemmRates);
        section("agreement", this::agreement);
        if (o.bench()) {
          section("gradients", () -> gradients("gradients", o.m(), o.p(), o.T(), o.samples()));
          section("b1", () -> gradients("b1", 50, 100, 200, o.b1Samples()));
        }
      }
      if (o.conv()) {
        section("conv", this::conv);
      }
      if (o.study()) {
        section("study", this::study);
      }
      if (o.cpu()) {
        section("cpu", this::cpu);
      }
      return finish();
    }

    /** The result rows, the table, the files and the last line; returns the exit status. */
    private int finish() {
      boolean ok = !sectionFailed;
      StringBuilder line = new StringBuilder();
      synchronized (verdicts) {
        for (Verdict v : verdicts) {
          table.fact("result", "agreement " + v.what(), "", "", v.pass() ? "PASS" : "FAIL",
              String.format(Locale.ROOT, "%.2e (required <= %.0e)", v.worst(), v.tolerance()));
          line.append(line.length() == 0 ? "" : ", ").append(v.what()).append(' ').append(v.pass() ? "PASS" : "FAIL");
          ok &= v.pass();
        }
      }
      if (ctx != null && verdicts.isEmpty()) {
        ok = false;
      }
      table.fact("result", "cuda-check", "", "", ok ? "PASS" : "FAIL", sectionFailed
          ? "a section failed, was skipped or ran out of time (rows above)" : "");
      write();
      out.println();
      out.println("==== pudle cuda-check: " + o.out().toAbsolutePath().resolve("check.csv") + " ====");
      table.print(out);
      out.println("cuda-check " + (ok ? "PASS" : "FAIL") + ": agreement "
          + (line.length() == 0 ? "not checked (no device)" : line) + (sectionFailed ? "; a section failed" : "")
          + String.format(Locale.ROOT, " (%.0f s)", elapsed()));
      out.flush();
      return ok ? 0 : 1;
    }

    // ---- device

    private void device() {
      table.fact("device", "GPU", "", "", ctx.name(), String.format(Locale.ROOT,
          "%.1f GiB, %d SMs, compute capability %s", ctx.totalBytes() / 1073741824.0, ctx.multiprocessors(),
          ctx.computeCapability()));
      table.fact("device", "NVIDIA driver", "", "", nvidiaDriver(), "/proc/driver/nvidia/version");
      table.fact("device", "CUDA driver API", "", "", CudaContext.version(ctx.driverVersion()), "cuDriverGetVersion");
      Cublas.Availability lib = Cublas.library();
      table.fact("device", "CUDA runtime", "", "", Cublas.runtimeVersion() > 0
          ? CudaContext.version(Cublas.runtimeVersion()) : "not loaded", "cudaRuntimeGetVersion (libcudart.so.13)");
      Cublas.Availability here = ctx.cublas();
      table.fact("device", "cuBLAS", "", "", here.available() ? (Cublas.version() != null ? Cublas.version() : "usable")
          : "not usable",
          here.description());
      say("cuBLAS: %s", here.available() || !lib.available() ? here.description() : lib.description());
      GemmChoice auto = ctx.gemm(GemmProvider.AUTO);
      table.fact("device", "GEMM provider (cuda.gemm=auto)", auto.provider().toString(), "", auto.cublas()
          ? "cuBLAS" : "own kernels", auto.reason());
      say("GEMM provider: %s", auto.reason());
      switch (o.gemm()) {
        case "both":
          providers.add(GemmProvider.OWN);
          if (here.available()) {
            providers.add(GemmProvider.CUBLAS);
          }
          break;
        case "auto":
          providers.add(auto.provider());
          break;
        default:
          GemmProvider forced = GemmProvider.parse(o.gemm(), "--gemm");
          ctx.gemm(forced); // throws, saying why, when cuBLAS is asked for and not usable
          providers.add(forced);
      }
      table.fact("device", "GEMM providers checked", "", "", providers.toString(), "--gemm " + o.gemm());
    }

    static String nvidiaDriver() {
      try {
        String v = Files.readString(Path.of("/proc/driver/nvidia/version"), StandardCharsets.US_ASCII);
        java.util.regex.Matcher mt = java.util.regex.Pattern.compile("Kernel Module\\s+([0-9][0-9.]*)").matcher(v);
        return mt.find() ? mt.group(1) : v.split("\n", 2)[0].trim();
      } catch (IOException | RuntimeException e) {
        return "unknown";
      }
    }

    private List<Backend> backends() {
      List<Backend> list = new ArrayList<>();
      for (Setting s : pairs()) {
        list.add(backend(s));
      }
      return list;
    }

    private static void close(List<Backend> backends) {
      for (Backend b : backends) {
        b.kernels().close();
      }
    }

    // ---- GEMM rates

    private void gemmRates() {
      int cube = o.quick() ? 128 : 4096;
      int[][] shapes = {{cube, cube, cube}, {o.p(), o.samples(), o.p()}};
      for (GemmProvider g : providers) {
        for (Precision precision : o.precisions()) {
          for (int[] s : shapes) {
            try {
              double sec = gemmSeconds(g, precision, s[0], s[1], s[2], Math.max(o.reps(), 10));
              double gflops = 2.0 * s[0] * s[1] * s[2] / sec * 1e-9;
              String what = (precision == Precision.DOUBLE ? "DGEMM " : "SGEMM ") + s[0] + "x" + s[1] + "x" + s[2];
              table.add(new CheckTable.Row("gemm", what, g.toString(), precision.label(), sec, gflops,
                  String.format(Locale.ROOT, "%.1f TFLOP/s", gflops * 1e-3), g == GemmProvider.CUBLAS
                      ? (precision == Precision.DOUBLE ? "cuBLAS default math (FP64 tensor cores on sm_90)"
                          : "cuBLAS, FP32 (no TF32)")
                      : "pudle_gemm kernels"));
              say("gemm %s %s %s: %.3e s, %.1f GFLOP/s", g, precision.label(), what, sec, gflops);
              if (g == GemmProvider.CUBLAS && s == shapes[0]) {
                limit.put(precision, gflops);
              }
            } catch (RuntimeException e) {
              failure("gemm", s[0] + "x" + s[1] + "x" + s[2], g.toString(), precision.label(), e);
            }
          }
        }
      }
    }

    /** Median seconds of {@code C(M x N) = A(M x K) B(K x N)} on random data, after a warm-up. */
    private double gemmSeconds(GemmProvider g, Precision precision, int M, int N, int K, int reps) {
      try (Device dev = ctx.newDevice(precision, g)) {
        DeviceBuffer a = dev.alloc((long) M * K);
        DeviceBuffer b = dev.alloc((long) K * N);
        DeviceBuffer c = dev.alloc((long) M * N);
        long wsn = dev.gemmWorkspace(M, N, K);
        DeviceBuffer ws = wsn > 0 ? dev.alloc(wsn) : null;
        try {
          fillRandom(dev, a, 1);
          fillRandom(dev, b, 2);
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
          return median(times);
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

    private static void fillRandom(Device dev, DeviceBuffer buf, long seed) {
      SplittableRandom rng = new SplittableRandom(seed);
      double[] chunk = new double[1 << 20];
      for (long at = 0; at < buf.elements(); at += chunk.length) {
        int n = (int) Math.min(chunk.length, buf.elements() - at);
        for (int i = 0; i < n; i++) {
          chunk[i] = rng.nextDouble() - 0.5;
        }
        dev.upload(chunk, 0, buf.at(at), n);
      }
    }

    // ---- agreement

    private void agreement() {
      List<Backend> backends = backends();
      try {
        Map<String, double[]> worst = new LinkedHashMap<>();
        Map<String, Boolean> passed = new LinkedHashMap<>();
        for (Backend b : backends) {
          worst.put(b.label(), new double[1]);
          passed.put(b.label(), true);
        }
        denseAgreement(backends, worst, passed);
        for (Backend b : backends) {
          double tol = tolerance(b.precision());
          double w = worst.get(b.label())[0];
          boolean pass = passed.get(b.label());
          table.fact("agreement", "dense: every kind and variant on " + (o.quick() ? "1 shape" : "3 shapes"),
              b.gemm().toString(), b.precision().label(),
              String.format(Locale.ROOT, "%.2e %s", w, pass ? "PASS" : "FAIL"),
              String.format(Locale.ROOT, "max relative difference to the CPU backend, required <= %.0e%s", tol,
                  b.precision() == Precision.FLOAT ? " (hard threshold reported only)" : ""));
          say("agreement %s: max relative difference %.2e (required <= %.0e): %s", b.label(), w, tol,
              pass ? "PASS" : "FAIL");
          synchronized (verdicts) {
            verdicts.add(new Verdict(b.label(), w, tol, pass));
          }
        }
        if (o.conv()) {
          for (Backend b : backends) {
            convAgreement(b);
          }
        }
      } finally {
        close(backends);
      }
    }

    private void denseAgreement(List<Backend> backends, Map<String, double[]> worst, Map<String, Boolean> passed) {
      // small, tile-edge and large shapes: {m, p, T, samples}
      int[][] shapes = o.quick() ? new int[][] {{20, 24, 4, 40}}
          : new int[][] {{50, 100, 50, 300}, {130, 257, 20, 333}, {1000, 1500, 8, 96}};
      EncoderParams[] variants = {
        new EncoderParams(1, 0.2, 0.2, ThresholdKind.SOFT, 0, 1),
        new EncoderParams(1, 0.2, 0.2, ThresholdKind.SOFT, 0, 0.98),
        new EncoderParams(1, 0.2, 0.2, ThresholdKind.HARD, 0.1, 1),
        new EncoderParams(1, 0.2, 0.2, ThresholdKind.HARD, 0.1, 0.98),
      };
      String[] names = {"soft", "soft+decay", "hard", "hard+decay"};
      int threads = Runtime.getRuntime().availableProcessors();
      for (int[] s : shapes) {
        Problem pr = Problem.of(s[0], s[1], s[3], 1000 + s[0]);
        for (int v = 0; v < variants.length; v++) {
          EncoderParams e = variants[v].withT(s[2]);
          DictionaryOperator op = DictionaryOperator.of(pr.d(), pr.m(), pr.p(), e.alpha());
          for (GradientKind kind : GradientKind.values()) {
            GradientSums cpu = ParallelGradient.sum(op, e, kind, pr.x(), pr.n(), threads, 1L << 30);
            for (Backend b : backends) {
              String label = b.label();
              double tol = tolerance(b.precision());
              boolean counts = b.precision() == Precision.DOUBLE || variants[v].threshold() == ThresholdKind.SOFT;
              double err;
              String detail;
              try {
                GradientSums gpu = new GradientSums(pr.m(), pr.p());
                b.kernels().unfoldedIsta(op, e, 0).accumulate(kind, pr.x(), 0, pr.n(), gpu);
                double g = maxRelative(gpu.gradientBuffer(), cpu.gradientBuffer());
                double loss = Math.abs(gpu.meanLoss() - cpu.meanLoss()) / Math.abs(cpu.meanLoss());
                double l1 = Math.abs(gpu.meanL1() - cpu.meanL1()) / Math.max(Math.abs(cpu.meanL1()), Double.MIN_NORMAL);
                err = Double.isNaN(g) ? Double.NaN : Math.max(g, Math.max(loss, l1));
                detail = String.format(Locale.ROOT, "gradient %.2e  loss %.2e  l1 %.2e  nnz/sample %+.3f", g, loss, l1,
                    gpu.meanNonZeros() - cpu.meanNonZeros());
              } catch (RuntimeException ex) {
                err = Double.NaN;
                detail = "FAILED with " + ex;
                ex.printStackTrace(out);
              }
              boolean pass = err <= tol;
              passed.put(label, passed.get(label) && (pass || !counts));
              worst.get(label)[0] = Math.max(worst.get(label)[0], Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
              say("agree %-12s %-8s %-10s m=%-4d p=%-4d T=%-3d n=%-4d %s  %s", label, kind, names[v], pr.m(), pr.p(),
                  e.T(), pr.n(), detail, pass ? "ok" : counts ? "FAIL" : "over (informational)");
            }
          }
        }
      }
    }

    private void convAgreement(Backend b) {
      double tol = tolerance(b.precision());
      double worst = 0;
      boolean passed = true;
      for (int v = 0; v < CONV_ENCODERS.length; v++) {
        ConvEncoderParams e = convEncoder(v);
        double err;
        try {
          err = convCompare(b.kernels(), convGeometry(), e, 40 + v, o.quick() ? 45 : 321, o.quick() ? 61 : 481,
              line -> say("conv agree %s %s", b.label(), line)).worst();
        } catch (RuntimeException ex) {
          say("conv agree %s %s: FAILED with %s", b.label(), e.threshold(), ex);
          ex.printStackTrace(out);
          err = Double.NaN;
        }
        boolean counts = b.precision() == Precision.DOUBLE || !e.threshold().hard();
        passed &= err <= tol || !counts;
        worst = Math.max(worst, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
      }
      table.fact("agreement", "conv: both gradients and reconstruct", b.gemm().toString(), b.precision().label(),
          String.format(Locale.ROOT, "%.2e %s", worst, passed ? "PASS" : "FAIL"),
          String.format(Locale.ROOT, "%dx%d crop and a %s image, required <= %.0e", convGeometry().height(),
              convGeometry().width(), o.quick() ? "45x61" : "321x481", tol));
      synchronized (verdicts) {
        verdicts.add(new Verdict("conv " + b.label(), worst, tol, passed));
      }
    }

    // ---- gradients

    private void gradients(String section, int m, int p, int T, int samples) {
      Problem pr = Problem.of(m, p, samples, 7);
      EncoderParams enc = EncoderParams.soft(T, 0.2, 0.2);
      DictionaryOperator op = DictionaryOperator.of(pr.d(), m, p, enc.alpha());
      String shape = "m=" + m + " p=" + p + " T=" + T + " B=" + samples;
      for (Setting s : pairs()) {
        Backend b = backend(s);
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
            Double peak = limit.get(b.precision());
            table.add(new CheckTable.Row(section, kind + " " + shape, b.gemm().toString(), b.precision().label(), sec,
                gflops, String.format(Locale.ROOT, "%.4f s/update", sec), "chunk " + chunk + " columns" + (peak == null
                    ? "" : String.format(Locale.ROOT, "; %.0f%% of cuBLAS %s %d^3", 100 * gflops / peak,
                        b.precision() == Precision.DOUBLE ? "DGEMM" : "SGEMM", o.quick() ? 128 : 4096))));
            say("%s %-12s %-8s %s: %.4f s per update, %.1f GFLOP/s (chunk %d)", section, b.label(), kind, shape, sec,
                gflops, chunk);
          }
        } catch (RuntimeException e) {
          failure(section, shape, b.gemm().toString(), b.precision().label(), e);
        } finally {
          b.kernels().close();
        }
      }
    }

    /** The (provider, precision) pairs under test, in order. */
    private List<Setting> pairs() {
      List<Setting> list = new ArrayList<>();
      for (GemmProvider g : providers) {
        for (Precision precision : o.precisions()) {
          list.add(new Setting(g, precision));
        }
      }
      return list;
    }

    /** A backend of its own (closed after use, freeing its device memory). */
    private Backend backend(Setting pair) {
      GemmProvider g = pair.gemm();
      Precision precision = pair.precision();
      double fraction = Double.parseDouble(System.getProperty("pudle.cuda.memory.fraction", "0.9"));
      return new Backend(g, precision, new CudaKernels(ctx.devices(g), precision, fraction));
    }

    // ---- conv

    private void conv() {
      ConvGeometry g = convGeometry();
      ConvEncoderParams e = convEncoder(0);
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
        say("conv CPU %-8s %s: %.3f ms per crop, %.1f GFLOP/s", kind, shape, sec * 1e3, gflops);
      }
      if (ctx == null) {
        return;
      }
      for (Setting s : pairs()) {
        Backend b = backend(s);
        try {
          ConvUnfoldedIsta gpu = b.kernels().convUnfoldedIsta(w, g.k(), g.stride(), g.channels(), e);
          for (GradientKind kind : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LS}) {
            double sec = convSeconds(gpu, kind, pair, g, o.reps());
            double gflops = ConvUnfoldedIsta.flops(kind, g, e.T()) / sec * 1e-9;
            table.add(new CheckTable.Row("conv", kind + " " + shape, b.gemm().toString(), b.precision().label(), sec,
                gflops, String.format(Locale.ROOT, "%.3f ms/crop", sec * 1e3), "filters resident, images uploaded"));
            say("conv %-12s %-8s %s: %.3f ms per crop, %.1f GFLOP/s", b.label(), kind, shape, sec * 1e3, gflops);
          }
        } catch (RuntimeException ex) {
          failure("conv", shape, b.gemm().toString(), b.precision().label(), ex);
        } finally {
          b.kernels().close();
        }
      }
    }

    /** The paper's crop, or with {@code --quick} a 25 x 25 crop with 8 filters. */
    private ConvGeometry convGeometry() {
      return o.quick() ? new ConvGeometry(9, 4, 8, 25, 25) : CONV_CROP;
    }

    /** Encoder {@code v} of {@link #CONV_ENCODERS}, with T = 3 under {@code --quick}. */
    private ConvEncoderParams convEncoder(int v) {
      ConvEncoderParams e = CONV_ENCODERS[v];
      return o.quick() ? new ConvEncoderParams(3, e.alpha(), e.lambda(), e.threshold(), e.htB()) : e;
    }

    // ---- study

    private void study() {
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
      say("study kernel %s on the CPU, one thread: %.3f ms per sample", shape, cpuSec * 1e3);
      if (ctx == null) {
        return;
      }
      for (Setting pair : pairs()) {
        Backend b = backend(pair);
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
          say("study kernel %-12s %s: %.3f ms per sample, per-depth gradients vs CPU %.2e", b.label(), shape,
              sec * 1e3, worst);
          if (b.precision() == Precision.DOUBLE) { // FP32 through 200 layers is stated, not judged
            synchronized (verdicts) {
              verdicts.add(new Verdict("study " + b.label(), worst, tol, pass));
            }
          }
        } catch (RuntimeException ex) {
          failure("study", shape, b.gemm().toString(), b.precision().label(), ex);
        } finally {
          b.kernels().close();
        }
      }
    }

    private double lastStudySeconds;

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

    private void cpu() {
      table.fact("cpu", "BLAS", "", "", Blas.description(), "");
      double dgemm = KernelBench.dgemmRate(1000, 1000, 1000, 3);
      table.add(new CheckTable.Row("cpu", "DGEMM 1000x1000x1000, one thread", "cpu", "FP64", 2e9 / (dgemm * 1e9), dgemm,
          String.format(Locale.ROOT, "%.1f GFLOP/s", dgemm), ""));
      say("CPU DGEMM 1000^3, one thread: %.1f GFLOP/s", dgemm);
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
        say("CPU %-8s on %d samples, %d threads: %.3f s, %.1f GFLOP/s", kind, n, cpuThreads, sec, gflops);
      }
    }
  }

  static double tolerance(Precision precision) {
    return precision == Precision.DOUBLE ? FP64_TOLERANCE : FP32_TOLERANCE;
  }

  /** Random synthetic samples around a perturbed dictionary, as in the experiments. */
  public record Problem(double[] d, double[] x, int m, int p, int n) {
    public static Problem of(int m, int p, int n, long seed) {
      SyntheticModel model = new SyntheticModel(m, p, Math.max(1, Math.min(p, m / 10 + 1)), seed,
          SignMode.PER_SAMPLE, 0);
      double[] dTilde = model.dictionaryTilde();
      double[] d = model.initialDictionary(dTilde, 0.55 / Math.log(Math.max(m, 3)));
      double[] x = new double[m * n];
      model.generate(dTilde, 0, n, x, 0, null, null);
      return new Problem(d, x, m, p, n);
    }
  }

  /** {@code max |a - b| / max |b|}; NaN when {@code a} has a NaN. */
  public static double maxRelative(double[] a, double[] b) {
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      if (Double.isNaN(a[i])) {
        return Double.NaN;
      }
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    return diff / scale;
  }

  // ---- the convolutional denoiser

  /** The paper's geometry: 64 filters of 9 x 9, stride 4, on a 129 x 129 crop. */
  public static final ConvGeometry CONV_CROP = new ConvGeometry(9, 4, 64, 129, 129);
  static final ConvEncoderParams[] CONV_ENCODERS = {
    new ConvEncoderParams(15, 0.1, 0.1, ConvThreshold.SOFT_NONNEG, 0),
    new ConvEncoderParams(15, 0.1, 0.1, ConvThreshold.HARD, 0.05),
  };

  /** A textured clean image in [0, 1] and its noisy version (noise 25/255). */
  static double[][] convPair(int height, int width, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
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
  public record ConvAgreement(double gradient, double loss, double l1, double reconstruct, double nnzDifference) {
    /** The largest of the relative differences; NaN when one is. */
    public double worst() {
      double[] all = {gradient, loss, l1, reconstruct};
      double w = 0;
      for (double v : all) {
        if (Double.isNaN(v)) {
          return Double.NaN;
        }
        w = Math.max(w, v);
      }
      return w;
    }
  }

  /**
   * The CUDA convolutional kernel of {@code cuda} against the CPU one on {@code g} (both gradients)
   * and on a {@code 321 x 481} image (reconstruct); {@code lines} (may be null) gets one line per
   * gradient kind.
   */
  public static ConvAgreement convCompare(CudaKernels cuda, ConvGeometry g, ConvEncoderParams e, long seed,
      java.util.function.Consumer<String> lines) {
    return convCompare(cuda, g, e, seed, 321, 481, lines);
  }

  /**
   * As {@link #convCompare(CudaKernels, ConvGeometry, ConvEncoderParams, long, java.util.function.Consumer)},
   * reconstructing an {@code h x wd} image.
   */
  public static ConvAgreement convCompare(CudaKernels cuda, ConvGeometry g, ConvEncoderParams e, long seed, int h,
      int wd,
      java.util.function.Consumer<String> lines) {
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
      if (lines != null) {
        lines.accept(String.format(Locale.ROOT, "%-7s %-11s %dx%d, %d filters %dx%d stride %d, T=%d: gradient %.2e  "
            + "loss %.2e  l1 %.2e  nnz %+.0f of %.0f", kind, e.threshold(), g.height(), g.width(), g.channels(), g.k(),
            g.k(), g.stride(), e.T(), gk, lk, l1k, nk, a.meanNonZeros()));
      }
      grad = Double.isNaN(gk) || Double.isNaN(grad) ? Double.NaN : Math.max(grad, gk);
      loss = Math.max(loss, lk);
      l1 = Math.max(l1, l1k);
      nnz = Math.max(nnz, Math.abs(nk));
    }
    int hp = ConvGeometry.fittingSize(h, g.k(), g.stride());
    int wp = ConvGeometry.fittingSize(wd, g.k(), g.stride());
    double[][] img = convPair(hp, wp, seed + 2);
    double[] outCpu = new double[hp * wp];
    double[] outGpu = new double[hp * wp];
    cpu.reconstruct(img[0], hp, wp, outCpu);
    gpu.reconstruct(img[0], hp, wp, outGpu);
    double rec = maxRelative(outGpu, outCpu);
    if (lines != null) {
      lines.accept(String.format(Locale.ROOT, "reconstruct %-11s %dx%d: image %.2e", e.threshold(), hp, wp, rec));
    }
    return new ConvAgreement(grad, loss, l1, rec, nnz);
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

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }
}
