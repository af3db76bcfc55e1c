package org.pudle.kernels.cuda;

import java.util.Arrays;

import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.cuda.DeviceBuffer.Ptr;

/**
 * A pretend accelerator with a small memory, for testing the host side of the CUDA backend
 * (chunking, layouts, pools, the dictionary cache) without a GPU: each {@link Device} operation
 * is computed by plain loops with the semantics documented in {@link Device} (the CUDA kernels
 * themselves are checked against the same semantics by the g++ emulation of
 * {@code pudle_kernels.cu}). Float storage is emulated by rounding every stored value to float.
 *
 * <p>The split-K workspace is accounted like on the real device and filled with NaN after each
 * product, so a layout that let it overlap live data would show.
 */
public final class EmulatedGpu implements CudaKernels.DeviceFactory {
  private final long capacity;
  private long used;
  private long allocations;
  private long liveBuffers;
  private long gemmCalls;

  /** A device with {@code capacityBytes} of memory. */
  public EmulatedGpu(long capacityBytes) {
    this.capacity = capacityBytes;
  }

  @Override
  public Device create(Precision precision) {
    return new Stream(precision);
  }

  @Override
  public String describe() {
    return "emulated GPU, " + capacity + " bytes";
  }

  /** Bytes allocated now. */
  public synchronized long usedBytes() {
    return used;
  }

  /** Buffers allocated and not yet freed. */
  public synchronized long liveBuffers() {
    return liveBuffers;
  }

  /** Allocations so far. */
  public synchronized long allocations() {
    return allocations;
  }

  public synchronized long gemmCalls() {
    return gemmCalls;
  }

  private synchronized void reserve(long bytes) {
    if (used + bytes > capacity) {
      throw new DeviceOutOfMemoryException("emulated device: " + bytes + " bytes requested, "
          + (capacity - used) + " free", null);
    }
    used += bytes;
    allocations++;
    liveBuffers++;
  }

  private synchronized void release(long bytes) {
    used -= bytes;
    liveBuffers--;
  }

  private final class Buffer implements DeviceBuffer {
    final double[] data;
    final Precision type;
    boolean freed;

    Buffer(long elements, Precision type) {
      if (elements > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("emulated buffers hold at most 2^31 values");
      }
      reserve(Math.max(1, elements) * type.bytes());
      this.data = new double[(int) elements];
      Arrays.fill(data, Double.NaN);
      this.type = type;
    }

    @Override
    public long elements() {
      return data.length;
    }

    @Override
    public Precision precision() {
      return type;
    }

    @Override
    public void close() {
      if (!freed) {
        freed = true;
        release(Math.max(1, (long) data.length) * type.bytes());
      }
    }
  }

  private final class Stream implements Device {
    private final Precision precision;
    private boolean closed;

    Stream(Precision precision) {
      this.precision = precision;
    }

    private double round(double v) {
      return precision == Precision.FLOAT ? (float) v : v;
    }

    private double[] data(Ptr p) {
      Buffer b = (Buffer) p.buffer();
      if (b.freed) {
        throw new IllegalStateException("emulated buffer used after it was freed");
      }
      if (closed) {
        throw new IllegalStateException("emulated stream used after close");
      }
      return b.data;
    }

    private int at(Ptr p, long i) {
      long k = p.offset() + i;
      if (k < 0 || k >= p.buffer().elements()) {
        throw new IndexOutOfBoundsException("emulated device: index " + k + " outside a buffer of "
            + p.buffer().elements());
      }
      return (int) k;
    }

    @Override
    public Precision precision() {
      return precision;
    }

    @Override
    public String describe() {
      return EmulatedGpu.this.describe() + ", " + precision.label();
    }

    @Override
    public long freeBytes() {
      synchronized (EmulatedGpu.this) {
        return capacity - used;
      }
    }

    @Override
    public DeviceBuffer alloc(long elements) {
      return new Buffer(elements, precision);
    }

    @Override
    public DeviceBuffer allocDoubles(long elements) {
      return new Buffer(elements, Precision.DOUBLE);
    }

    @Override
    public void upload(double[] src, int srcOff, Ptr dst, int n) {
      dst.span(n, "upload");
      double[] d = data(dst);
      for (int i = 0; i < n; i++) {
        d[at(dst, i)] = round(src[srcOff + i]);
      }
    }

    @Override
    public void download(Ptr src, double[] dst, int dstOff, int n) {
      src.span(n, "download");
      double[] s = data(src);
      for (int i = 0; i < n; i++) {
        double v = s[at(src, i)];
        if (Double.isNaN(v)) {
          throw new IllegalStateException("emulated device: downloading a value never written (index "
              + (src.offset() + i) + ")");
        }
        dst[dstOff + i] = v;
      }
    }

    @Override
    public void zero(Ptr p, long n) {
      p.span(n, "zero");
      double[] d = data(p);
      for (long i = 0; i < n; i++) {
        d[at(p, i)] = 0;
      }
    }

    @Override
    public long gemmWorkspace(int M, int N, int K) {
      int s = CudaDevice.splitSlices(M, N, K);
      return s > 1 ? (long) s * M * N : 0;
    }

    private double epi(double v, int epi, double level) {
      if (epi == EPI_SOFT) {
        double a = Math.abs(v) - level;
        return a > 0 ? Math.copySign(a, v) : 0.0;
      }
      if (epi == EPI_HARD) {
        return Math.abs(v) >= level ? v : 0.0;
      }
      if (epi == EPI_SOFT_NONNEG) {
        return Math.max(v - level, 0.0);
      }
      if (epi == EPI_HARD_NONNEG) {
        return v >= level ? v : 0.0;
      }
      return v;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int M, int N, int K, double alpha, Ptr a, int lda, Ptr b,
        int ldb, double beta, Ptr cin, int ldcin, Ptr c, int ldc, int epi, double level, Ptr workspace) {
      synchronized (EmulatedGpu.this) {
        gemmCalls++;
      }
      double[] A = data(a);
      double[] B = data(b);
      double[] C = data(c);
      double[] out = new double[M * N];
      for (int j = 0; j < N; j++) {
        for (int i = 0; i < M; i++) {
          double s = 0;
          for (int k = 0; k < K; k++) {
            double av = transA ? A[at(a, k + (long) i * lda)] : A[at(a, i + (long) k * lda)];
            double bv = transB ? B[at(b, j + (long) k * ldb)] : B[at(b, k + (long) j * ldb)];
            s += av * bv;
          }
          double v = alpha * s;
          if (beta != 0) {
            double cv = data(cin)[at(cin, i + (long) j * ldcin)];
            if (Double.isNaN(cv)) {
              throw new IllegalStateException("emulated gemm: Cin read before it was written");
            }
            v += beta * cv;
          }
          out[i + j * M] = round(epi(v, epi, level));
        }
      }
      for (int j = 0; j < N; j++) {
        for (int i = 0; i < M; i++) {
          C[at(c, i + (long) j * ldc)] = out[i + j * M];
        }
      }
      long need = gemmWorkspace(M, N, K);
      if (need > 0 && workspace != null) {
        // scribble over the slices this product would use: nothing else may live there
        long room = workspace.buffer().elements() - workspace.offset();
        long slices = Math.max(1, Math.min(need / ((long) M * N), room / ((long) M * N)));
        if (slices > 1) {
          double[] w = data(workspace);
          for (long i = 0; i < slices * M * N; i++) {
            w[at(workspace, i)] = Double.NaN;
          }
        }
      }
    }

    @Override
    public void threshold(long n, int epi, double level, Ptr v, Ptr z) {
      double[] V = data(v);
      double[] Z = data(z);
      for (long i = 0; i < n; i++) {
        Z[at(z, i)] = round(epi(V[at(v, i)], epi, level));
      }
    }

    @Override
    public void maskAccumulate(long n, Ptr a, Ptr zmask, Ptr bt, Ptr q) {
      double[] A = data(a);
      double[] Zm = data(zmask);
      double[] Bt = data(bt);
      double[] Q = data(q);
      for (long i = 0; i < n; i++) {
        double b = Zm[at(zmask, i)] != 0 ? A[at(a, i)] : 0;
        Bt[at(bt, i)] = b;
        Q[at(q, i)] = round(Q[at(q, i)] + b);
      }
    }

    @Override
    public void addLambdaSign(long n, double lambda, Ptr z, Ptr a) {
      double[] Z = data(z);
      double[] A = data(a);
      for (long i = 0; i < n; i++) {
        A[at(a, i)] = round(A[at(a, i)] + round(lambda) * Math.signum(Z[at(z, i)]));
      }
    }

    @Override
    public void symmetrize(int p, Ptr pm, Ptr s) {
      double[] P = data(pm);
      double[] S = data(s);
      for (int j = 0; j < p; j++) {
        for (int i = 0; i < p; i++) {
          S[at(s, i + (long) j * p)] = round(P[at(pm, i + (long) j * p)] + P[at(pm, j + (long) i * p)]);
        }
      }
    }

    @Override
    public long statisticsPartials() {
      return 3 * 7;
    }

    @Override
    public void statistics(long nR, Ptr r, long nZ, Ptr z, Ptr partials, Ptr out) {
      if (partials.buffer().precision() != Precision.DOUBLE || out.buffer().precision() != Precision.DOUBLE) {
        throw new IllegalArgumentException("statistics buffers must be double");
      }
      partials.span(statisticsPartials(), "partials");
      double rr = 0;
      double l1 = 0;
      double nnz = 0;
      double[] R = data(r);
      double[] Z = data(z);
      for (long i = 0; i < nR; i++) {
        rr += R[at(r, i)] * R[at(r, i)];
      }
      for (long i = 0; i < nZ; i++) {
        double v = Z[at(z, i)];
        if (v != 0) {
          l1 += Math.abs(v);
          nnz++;
        }
      }
      double[] o = data(out);
      o[at(out, 0)] += rr;
      o[at(out, 1)] += l1;
      o[at(out, 2)] += nnz;
    }

    @Override
    public void im2col(ConvGeometry g, Ptr img, Ptr cols) {
      double[] I = data(img);
      double[] C = data(cols);
      int k = g.k();
      int s = g.stride();
      int n = 0;
      for (int i = 0; i < g.codeRows(); i++) {
        for (int j = 0; j < g.codeCols(); j++, n++) {
          for (int u = 0; u < k; u++) {
            for (int v = 0; v < k; v++) {
              C[at(cols, (long) n * k * k + u * k + v)] = I[at(img, (long) (s * i + u) * g.width() + s * j + v)];
            }
          }
        }
      }
    }

    @Override
    public void col2im(ConvGeometry g, Ptr cols, Ptr sub, Ptr img) {
      double[] C = data(cols);
      double[] I = data(img);
      int k = g.k();
      int s = g.stride();
      double[] acc = new double[g.pixels()];
      int n = 0;
      for (int i = 0; i < g.codeRows(); i++) {
        for (int j = 0; j < g.codeCols(); j++, n++) {
          for (int u = 0; u < k; u++) {
            for (int v = 0; v < k; v++) {
              int px = (s * i + u) * g.width() + s * j + v;
              acc[px] = round(acc[px] + C[at(cols, (long) n * k * k + u * k + v)]);
            }
          }
        }
      }
      for (int q = 0; q < acc.length; q++) {
        I[at(img, q)] = sub == null ? acc[q] : round(acc[q] - data(sub)[at(sub, q)]);
      }
    }

    @Override
    public void scale(long n, double alpha, Ptr x, Ptr z) {
      double[] X = data(x);
      double[] Z = data(z);
      for (long i = 0; i < n; i++) {
        Z[at(z, i)] = round(round(alpha) * X[at(x, i)]);
      }
    }

    @Override
    public void mask(long n, Ptr a, Ptr zmask, Ptr b) {
      double[] A = data(a);
      double[] Zm = data(zmask);
      double[] B = data(b);
      for (long i = 0; i < n; i++) {
        B[at(b, i)] = Zm[at(zmask, i)] != 0 ? A[at(a, i)] : 0;
      }
    }

    @Override
    public void synchronize() {}

    @Override
    public void close() {
      closed = true;
    }
  }
}
