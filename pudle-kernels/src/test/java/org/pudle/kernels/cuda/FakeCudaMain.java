package org.pudle.kernels.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;

import java.util.Locale;
import java.util.SplittableRandom;

import org.pudle.kernels.linalg.Blas;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * The child JVM of {@link CublasFakeLibraryTest}, run against the fake CUDA libraries: prints
 * {@code key=value} lines about what loaded, the GEMM choices, and (when cuBLAS loads) products
 * through {@link Cublas.Handle} on memory and a stream made by JCuda, against the CPU BLAS.
 */
public final class FakeCudaMain {
  private FakeCudaMain() {}

  public static void main(String[] args) {
    Cublas.Availability a = Cublas.library();
    say("cublas.available", a.available());
    say("cublas.description", a.description());
    say("driver", CudaContext.probe().description());
    say("auto", GemmChoice.resolve(GemmProvider.AUTO, a));
    try {
      say("forced", GemmChoice.resolve(GemmProvider.CUBLAS, a));
    } catch (IllegalArgumentException e) {
      say("forced.error", e.getMessage());
    }
    if (!a.available()) {
      return;
    }
    CUstream stream = new CUstream();
    check(cuStreamCreate(stream, 0), "cuStreamCreate");
    CUdeviceptr workspace = new CUdeviceptr();
    check(cuMemAlloc(workspace, CublasStreamBlas.WORKSPACE_BYTES), "cuMemAlloc(workspace)");
    try (Cublas.Handle h = new Cublas.Handle(NativeAddress.of(stream))) {
      h.setWorkspace(NativeAddress.of(workspace), CublasStreamBlas.WORKSPACE_BYTES);
      say("math", h.mathMode());
      say("atomics", h.atomicsMode());
      for (boolean dbl : new boolean[] {true, false}) {
        for (int form = 0; form < 4; form++) {
          say((dbl ? "dgemm." : "sgemm.") + form, String.format(Locale.ROOT, "%.3e", product(h, dbl, form)));
        }
      }
    } finally {
      cuStreamDestroy(stream);
      cuMemFree(workspace);
    }
  }

  /**
   * The largest relative difference of one product on "device" memory (JCuda allocations,
   * operands at an offset in a larger allocation, leading dimensions larger than the rows) to
   * the CPU BLAS. Forms: 0 NN with beta 0 on a NaN-filled C, 1 TN, 2 NT, 3 NN with beta 0.5.
   */
  private static double product(Cublas.Handle h, boolean dbl, int form) {
    int m = 6;
    int n = 5;
    int k = 7;
    boolean ta = form == 1;
    boolean tb = form == 2;
    int lda = (ta ? k : m) + 2;
    int ldb = (tb ? n : k) + 1;
    int ldc = m + 3;
    double beta = form == 3 ? 0.5 : 0;
    SplittableRandom rng = new SplittableRandom(form);
    double[] a = random(rng, lda * (ta ? m : k), dbl);
    double[] b = random(rng, ldb * (tb ? k : n), dbl);
    double[] c = random(rng, ldc * n, dbl);
    double[] cIn = c.clone();
    if (beta == 0) {
      for (int j = 0; j < n; j++) {
        java.util.Arrays.fill(cIn, j * ldc, j * ldc + m, Double.NaN);
      }
    }
    int offset = 3;
    int bytes = dbl ? 8 : 4;
    CUdeviceptr da = upload(a, dbl, offset);
    CUdeviceptr db = upload(b, dbl, offset);
    CUdeviceptr dc = upload(cIn, dbl, offset);
    long off = (long) offset * bytes;
    if (dbl) {
      h.dgemm(ta, tb, m, n, k, 1.25, NativeAddress.of(da) + off, lda, NativeAddress.of(db) + off, ldb, beta,
          NativeAddress.of(dc) + off, ldc);
    } else {
      h.sgemm(ta, tb, m, n, k, 1.25, NativeAddress.of(da) + off, lda, NativeAddress.of(db) + off, ldb, beta,
          NativeAddress.of(dc) + off, ldc);
    }
    double[] got = download(dc, c.length, dbl, offset);
    for (CUdeviceptr p : new CUdeviceptr[] {da, db, dc}) {
      cuMemFree(p);
    }
    double[] want = c.clone();
    Blas.blas().dgemm(ta ? "T" : "N", tb ? "T" : "N", m, n, k, 1.25, a, 0, lda, b, 0, ldb, beta, want, 0, ldc);
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < want.length; i++) {
      double w = i % ldc < m ? want[i] : c[i];
      diff = Math.max(diff, Double.isNaN(got[i]) ? Double.POSITIVE_INFINITY : Math.abs(got[i] - w));
      scale = Math.max(scale, Math.abs(w));
    }
    return diff / scale;
  }

  private static double[] random(SplittableRandom rng, int n, boolean dbl) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      double x = rng.nextDouble() - 0.5;
      v[i] = dbl ? x : (float) x;
    }
    return v;
  }

  private static CUdeviceptr upload(double[] v, boolean dbl, int offset) {
    CUdeviceptr p = new CUdeviceptr();
    int bytes = dbl ? 8 : 4;
    check(cuMemAlloc(p, (long) (v.length + offset) * bytes), "cuMemAlloc");
    if (dbl) {
      check(cuMemcpyHtoD(p.withByteOffset((long) offset * bytes), Pointer.to(v), 8L * v.length), "cuMemcpyHtoD");
    } else {
      float[] f = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        f[i] = (float) v[i];
      }
      check(cuMemcpyHtoD(p.withByteOffset((long) offset * bytes), Pointer.to(f), 4L * f.length), "cuMemcpyHtoD");
    }
    return p;
  }

  private static double[] download(CUdeviceptr p, int n, boolean dbl, int offset) {
    double[] out = new double[n];
    int bytes = dbl ? 8 : 4;
    if (dbl) {
      check(cuMemcpyDtoH(Pointer.to(out), p.withByteOffset((long) offset * bytes), 8L * n), "cuMemcpyDtoH");
    } else {
      float[] f = new float[n];
      check(cuMemcpyDtoH(Pointer.to(f), p.withByteOffset((long) offset * bytes), 4L * n), "cuMemcpyDtoH");
      for (int i = 0; i < n; i++) {
        out[i] = f[i];
      }
    }
    return out;
  }

  private static void check(int status, String call) {
    if (status != 0) {
      throw new IllegalStateException(call + " failed: " + status);
    }
  }

  private static void say(String key, Object value) {
    System.out.println(key + "=" + value);
    System.out.flush();
  }
}
