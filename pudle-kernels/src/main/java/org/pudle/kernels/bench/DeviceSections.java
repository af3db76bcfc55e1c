package org.pudle.kernels.bench;

import static org.pudle.kernels.bench.Agreement.CONV_ENCODERS;
import static org.pudle.kernels.bench.Agreement.convCompare;
import static org.pudle.kernels.bench.Agreement.maxRelative;
import static org.pudle.kernels.bench.Agreement.tolerance;
import static org.pudle.kernels.bench.TimingSections.median;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.ParallelGradient;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.bench.CheckRun.Backend;
import org.pudle.kernels.bench.CheckRun.Setting;
import org.pudle.kernels.bench.CheckRun.Verdict;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.cuda.Cublas;
import org.pudle.kernels.cuda.CudaContext;
import org.pudle.kernels.cuda.Device;
import org.pudle.kernels.cuda.DeviceBuffer;
import org.pudle.kernels.cuda.GemmChoice;
import org.pudle.kernels.cuda.GemmProvider;
import org.pudle.kernels.cuda.Precision;

/**
 * The sections of {@link CudaCheck} that need a device: its facts and the GEMM providers under
 * test ({@code device}), the DGEMM and SGEMM rates ({@code gemm}), and the agreement of every
 * provider and precision with the CPU backend, dense and convolutional ({@code agreement}).
 */
final class DeviceSections {
  private final CheckRun run;
  private final CheckOptions o;
  private final CheckTable table;

  DeviceSections(CheckRun run) {
    this.run = run;
    this.o = run.o;
    this.table = run.table;
  }

  private CheckDevice ctx() {
    return run.device();
  }

  void device() {
    table.fact("device", "GPU", "", "", ctx().name(), String.format(Locale.ROOT,
        "%.1f GiB, %d SMs, compute capability %s", ctx().totalBytes() / 1073741824.0, ctx().multiprocessors(),
        ctx().computeCapability()));
    table.fact("device", "NVIDIA driver", "", "", nvidiaDriver(), "/proc/driver/nvidia/version");
    table.fact("device", "CUDA driver API", "", "", CudaContext.version(ctx().driverVersion()), "cuDriverGetVersion");
    Cublas.Availability lib = Cublas.library();
    table.fact("device", "CUDA runtime", "", "", Cublas.runtimeVersion() > 0
        ? CudaContext.version(Cublas.runtimeVersion()) : "not loaded", "cudaRuntimeGetVersion (libcudart.so.13)");
    Cublas.Availability here = ctx().cublas();
    table.fact("device", "cuBLAS", "", "", here.available() ? (Cublas.version() != null ? Cublas.version() : "usable")
        : "not usable",
        here.description());
    run.say("cuBLAS: %s", here.available() || !lib.available() ? here.description() : lib.description());
    GemmChoice auto = ctx().gemm(GemmProvider.AUTO);
    table.fact("device", "GEMM provider (cuda.gemm=auto)", auto.provider().toString(), "", auto.cublas()
        ? "cuBLAS" : "own kernels", auto.reason());
    run.say("GEMM provider: %s", auto.reason());
    switch (o.gemm()) {
      case "both":
        run.providers.add(GemmProvider.OWN);
        if (here.available()) {
          run.providers.add(GemmProvider.CUBLAS);
        }
        break;
      case "auto":
        run.providers.add(auto.provider());
        break;
      default:
        GemmProvider forced = GemmProvider.parse(o.gemm(), "--gemm");
        ctx().gemm(forced); // throws, saying why, when cuBLAS is asked for and not usable
        run.providers.add(forced);
    }
    table.fact("device", "GEMM providers checked", "", "", run.providers.toString(), "--gemm " + o.gemm());
  }

  /** The NVIDIA kernel module's version, from {@code /proc/driver/nvidia/version}; "unknown" without it. */
  static String nvidiaDriver() {
    try {
      String v = Files.readString(Path.of("/proc/driver/nvidia/version"), StandardCharsets.US_ASCII);
      Matcher mt = Pattern.compile("Kernel Module\\s+([0-9][0-9.]*)").matcher(v);
      return mt.find() ? mt.group(1) : v.split("\n", 2)[0].trim();
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private List<Backend> backends() {
    List<Backend> list = new ArrayList<>();
    for (Setting s : run.pairs()) {
      list.add(run.backend(s));
    }
    return list;
  }

  private static void close(List<Backend> backends) {
    for (Backend b : backends) {
      b.kernels().close();
    }
  }

  // ---- GEMM rates

  void gemmRates() {
    int cube = o.quick() ? 128 : 4096;
    int[][] shapes = {{cube, cube, cube}, {o.p(), o.samples(), o.p()}};
    for (GemmProvider g : run.providers) {
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
            run.say("gemm %s %s %s: %.3e s, %.1f GFLOP/s", g, precision.label(), what, sec, gflops);
            if (g == GemmProvider.CUBLAS && s == shapes[0]) {
              run.limit.put(precision, gflops);
            }
          } catch (RuntimeException e) {
            run.failure("gemm", s[0] + "x" + s[1] + "x" + s[2], g.toString(), precision.label(), e);
          }
        }
      }
    }
  }

  /** Median seconds of {@code C(M x N) = A(M x K) B(K x N)} on random data, after a warm-up. */
  private double gemmSeconds(GemmProvider g, Precision precision, int M, int N, int K, int reps) {
    try (Device dev = ctx().newDevice(precision, g)) {
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

  void agreement() {
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
        run.say("agreement %s: max relative difference %.2e (required <= %.0e): %s", b.label(), w, tol,
            pass ? "PASS" : "FAIL");
        run.verdict(new Verdict(b.label(), w, tol, pass));
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
              ex.printStackTrace(run.out);
            }
            boolean pass = err <= tol;
            passed.put(label, passed.get(label) && (pass || !counts));
            worst.get(label)[0] = Math.max(worst.get(label)[0], Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
            run.say("agree %-12s %-8s %-10s m=%-4d p=%-4d T=%-3d n=%-4d %s  %s", label, kind, names[v], pr.m(), pr.p(),
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
      ConvEncoderParams e = o.convEncoder(v);
      double err;
      try {
        err = convCompare(b.kernels(), o.convGeometry(), e, 40 + v, o.quick() ? 45 : 321, o.quick() ? 61 : 481,
            line -> run.say("conv agree %s %s", b.label(), line)).worst();
      } catch (RuntimeException ex) {
        run.say("conv agree %s %s: FAILED with %s", b.label(), e.threshold(), ex);
        ex.printStackTrace(run.out);
        err = Double.NaN;
      }
      boolean counts = b.precision() == Precision.DOUBLE || !e.threshold().hard();
      passed &= err <= tol || !counts;
      worst = Math.max(worst, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
    }
    table.fact("agreement", "conv: both gradients and reconstruct", b.gemm().toString(), b.precision().label(),
        String.format(Locale.ROOT, "%.2e %s", worst, passed ? "PASS" : "FAIL"),
        String.format(Locale.ROOT, "%dx%d crop and a %s image, required <= %.0e", o.convGeometry().height(),
            o.convGeometry().width(), o.quick() ? "45x61" : "321x481", tol));
    run.verdict(new Verdict("conv " + b.label(), worst, tol, passed));
  }
}
