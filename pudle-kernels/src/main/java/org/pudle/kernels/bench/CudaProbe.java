package org.pudle.kernels.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.SplittableRandom;

import org.pudle.kernels.cuda.Cublas;
import org.pudle.kernels.cuda.CudaContext;
import org.pudle.kernels.cuda.Device;
import org.pudle.kernels.cuda.DeviceBuffer;
import org.pudle.kernels.cuda.GemmProvider;
import org.pudle.kernels.cuda.Precision;
import org.pudle.kernels.linalg.Blas;

/**
 * {@code run --probe}: in seconds, whether the native libraries of the CUDA backend load and
 * work, each step on its own line with the time since the start and, on failure, the loader's
 * exact message and its causes: the NVIDIA driver ({@code libcuda.so.1}, through JCuda's driver
 * binding), the CUDA runtime ({@code libcudart.so.13}, through JavaCPP's {@code libjnicudart.so}),
 * cuBLAS ({@code libcublas.so.13}, through {@code libjnicublas.so}); with a device, the context and
 * the PTX module, a cuBLAS handle in that context, and small DGEMM / SGEMM products (plain, with
 * transposes, and with a separate Cin and a threshold epilogue) by cuBLAS and by the own kernels
 * against the CPU BLAS. Exit status 0 when every step worked, 1 otherwise.
 */
final class CudaProbe {
  private CudaProbe() {}

  static int run(PrintStream out) {
    Probe p = new Probe(out);
    p.line("pudle cuda-check --probe: Java %s, %s %s, LD_LIBRARY_PATH=%s", System.getProperty("java.version"),
        System.getProperty("os.name"), System.getProperty("os.arch"), System.getenv("LD_LIBRARY_PATH"));
    p.line("NVIDIA driver (/proc/driver/nvidia/version): %s", CudaCheck.Run.nvidiaDriver());

    CudaContext.Availability driver = CudaContext.probe();
    p.step("libcuda.so.1 (JCuda driver binding) and device", driver.available(), driver.available()
        ? driver.description() : driver.description(), null);

    Cublas.Availability cublas = Cublas.library();
    Throwable runtimeFailure = Cublas.runtimeFailure();
    p.step("libcudart.so.13 (JavaCPP libjnicudart.so)", runtimeFailure == null && Cublas.runtimeVersion() > 0,
        runtimeFailure != null ? Cublas.reasonOf(runtimeFailure) : Cublas.runtimeVersion() > 0
            ? "CUDA runtime " + CudaContext.version(Cublas.runtimeVersion()) : "cudaRuntimeGetVersion failed",
        runtimeFailure);
    if (runtimeFailure == null) {
      p.step("libcublas.so.13 (JavaCPP libjnicublas.so)", cublas.available(), cublas.description(),
          Cublas.loadFailure());
    } else {
      p.step("libcublas.so.13 (JavaCPP libjnicublas.so)", false, "not tried: the CUDA runtime did not load", null);
    }

    if (driver.available()) {
      CudaContext ctx = CudaContext.shared();
      if (cublas.available()) {
        Cublas.Availability here = ctx.cublasOnDevice();
        p.step("cuBLAS handle in the primary context", here.available(), here.description(), null);
      }
      for (GemmProvider g : new GemmProvider[] {GemmProvider.OWN, GemmProvider.CUBLAS}) {
        if (g == GemmProvider.CUBLAS && !ctx.cublasOnDevice().available()) {
          continue;
        }
        for (Precision precision : Precision.values()) {
          String what = g + " " + (precision == Precision.DOUBLE ? "DGEMM" : "SGEMM") + " 65x47x129 (NN, TN, NT, "
              + "Cin + soft threshold) against the CPU";
          try {
            double err = smoke(ctx, g, precision);
            double tol = precision == Precision.DOUBLE ? 1e-12 : 1e-4;
            p.step(what, err <= tol, String.format(Locale.ROOT, "max relative difference %.2e (<= %.0e)", err, tol),
                null);
          } catch (RuntimeException e) {
            p.step(what, false, "failed", e);
          }
        }
      }
    }
    p.line("probe: %s (%.1f s)", p.ok ? "every step worked" : "a step FAILED", p.elapsed());
    return p.ok ? 0 : 1;
  }

  private static final class Probe {
    final PrintStream out;
    final long start = System.nanoTime();
    boolean ok = true;

    Probe(PrintStream out) {
      this.out = out;
    }

    double elapsed() {
      return (System.nanoTime() - start) * 1e-9;
    }

    void line(String format, Object... args) {
      out.println(String.format(Locale.ROOT, "[%5.2f s] ", elapsed()) + String.format(Locale.ROOT, format, args));
      out.flush();
    }

    void step(String what, boolean good, String detail, Throwable failure) {
      ok &= good;
      line("%-4s %s: %s", good ? "OK" : "FAIL", what, detail);
      for (Throwable c = failure; c != null; c = c.getCause()) {
        out.println("         " + c.getClass().getName() + ": " + c.getMessage());
      }
      out.flush();
    }
  }

  /**
   * The largest relative difference to the CPU BLAS of four products on the device: C = A B,
   * C = A^T B, C = A B^T, and C = soft(A B - Cin) with a separate Cin (the forward layer's form).
   */
  static double smoke(CudaContext ctx, GemmProvider g, Precision precision) {
    int M = 65;
    int N = 47;
    int K = 129;
    SplittableRandom rng = new SplittableRandom(3);
    double[] a = new double[M * K];
    double[] b = new double[K * N];
    double[] cin = new double[M * N];
    for (double[] v : new double[][] {a, b, cin}) {
      for (int i = 0; i < v.length; i++) {
        double x = rng.nextDouble() - 0.5;
        v[i] = precision == Precision.FLOAT ? (float) x : x;
      }
    }
    double worst = 0;
    try (Device dev = ctx.newDevice(precision, g)) {
      DeviceBuffer da = dev.alloc(a.length);
      DeviceBuffer db = dev.alloc(b.length);
      DeviceBuffer dcin = dev.alloc(cin.length);
      DeviceBuffer dc = dev.alloc((long) M * N);
      long wsn = Math.max(dev.gemmWorkspace(M, N, K), 1);
      DeviceBuffer ws = dev.alloc(wsn);
      try {
        dev.upload(a, 0, da.at(0), a.length);
        dev.upload(b, 0, db.at(0), b.length);
        dev.upload(cin, 0, dcin.at(0), cin.length);
        double[] got = new double[M * N];
        for (int form = 0; form < 4; form++) {
          double[] want = new double[M * N];
          boolean ta = form == 1;
          boolean tb = form == 2;
          // the same data read as A^T (K x M stored) or B^T (N x K stored)
          int lda = ta ? K : M;
          int ldb = tb ? N : K;
          double beta = form == 3 ? -1 : 0;
          if (beta != 0) {
            System.arraycopy(cin, 0, want, 0, want.length);
          }
          Blas.blas().dgemm(ta ? "T" : "N", tb ? "T" : "N", M, N, K, 1.0, a, 0, lda, b, 0, ldb, beta, want, 0, M);
          int epi = form == 3 ? Device.EPI_SOFT : Device.EPI_NONE;
          double level = 0.5;
          if (epi == Device.EPI_SOFT) {
            for (int i = 0; i < want.length; i++) {
              double v = want[i];
              want[i] = Math.signum(v) * Math.max(Math.abs(v) - level, 0);
            }
          }
          dev.gemm(ta, tb, M, N, K, 1.0, da.at(0), lda, db.at(0), ldb, beta, beta != 0 ? dcin.at(0) : null, M,
              dc.at(0), M, epi, level, ws.at(0));
          dev.download(dc.at(0), got, 0, got.length);
          worst = Math.max(worst, CudaCheck.maxRelative(got, want));
        }
      } finally {
        da.close();
        db.close();
        dcin.close();
        dc.close();
        ws.close();
      }
    }
    return worst;
  }
}
