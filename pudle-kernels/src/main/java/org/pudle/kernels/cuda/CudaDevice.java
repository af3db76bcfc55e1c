package org.pudle.kernels.cuda;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD8Async;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import org.pudle.kernels.cuda.DeviceBuffer.Ptr;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

/**
 * A {@link Device} on a CUDA stream of a {@link CudaContext}. Kernels are queued on the stream;
 * uploads and downloads are synchronous copies, which the driver orders after the stream's
 * earlier work (the stream is a blocking one), so host arrays can be reused when a call returns.
 *
 * <p>Launch shapes: GEMMs in 256-thread blocks over 128 x 128 tiles of C, with
 * {@link #splitSlices} slices of a long inner dimension summed by {@code pudle_splitk_reduce};
 * element-wise kernels in grid-stride loops; statistics in a fixed grid of
 * {@value #STAT_BLOCKS} blocks, so the sums do not depend on timing.
 */
final class CudaDevice implements Device {
  static final int THREADS = 256;
  static final int TILE = 128;
  static final int STAT_BLOCKS = 120;
  static final int MAX_ELEMENTWISE_BLOCKS = 8192;
  static final int MAX_SLICES = 8;

  private final CudaContext ctx;
  private final Precision precision;
  private final CUstream stream;
  private final String suffix;
  private float[] floatScratch = new float[0];
  private boolean closed;

  CudaDevice(CudaContext ctx, Precision precision) {
    this.ctx = ctx;
    this.precision = precision;
    this.suffix = precision.suffix();
    ctx.makeCurrent();
    stream = new CUstream();
    CudaException.check(cuStreamCreate(stream, 0), "cuStreamCreate");
  }

  @Override
  public Precision precision() {
    return precision;
  }

  @Override
  public String describe() {
    return ctx.describe() + ", " + precision.label();
  }

  @Override
  public long freeBytes() {
    return ctx.memoryInfo()[0];
  }

  private final class CudaBuffer implements DeviceBuffer {
    final CUdeviceptr ptr;
    final long elements;
    final Precision type;
    boolean freed;

    CudaBuffer(CUdeviceptr ptr, long elements, Precision type) {
      this.ptr = ptr;
      this.elements = elements;
      this.type = type;
    }

    @Override
    public long elements() {
      return elements;
    }

    @Override
    public Precision precision() {
      return type;
    }

    @Override
    public synchronized void close() {
      if (!freed) {
        freed = true;
        ctx.makeCurrent();
        CudaException.check(cuMemFree(ptr), "cuMemFree");
      }
    }
  }

  private DeviceBuffer allocate(long elements, Precision type) {
    if (elements < 0) {
      throw new IllegalArgumentException("device allocation: negative size " + elements);
    }
    ctx.makeCurrent();
    CUdeviceptr ptr = new CUdeviceptr();
    long bytes = Math.max(1, elements) * type.bytes();
    int status = cuMemAlloc(ptr, bytes);
    if (status == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
      throw new DeviceOutOfMemoryException(String.format("cuMemAlloc(%d bytes = %.1f MiB): out of device memory",
          bytes, bytes / 1048576.0), new CudaException("cuMemAlloc", status));
    }
    CudaException.check(status, "cuMemAlloc(" + bytes + " bytes)");
    return new CudaBuffer(ptr, elements, type);
  }

  @Override
  public DeviceBuffer alloc(long elements) {
    return allocate(elements, precision);
  }

  @Override
  public DeviceBuffer allocDoubles(long elements) {
    return allocate(elements, Precision.DOUBLE);
  }

  private static CudaBuffer buffer(Ptr p) {
    if (!(p.buffer() instanceof CudaBuffer b)) {
      throw new IllegalArgumentException("not a CUDA buffer: " + p.buffer());
    }
    if (b.freed) {
      throw new IllegalStateException("device buffer used after it was freed");
    }
    return b;
  }

  /** The device address of {@code p}. */
  private static CUdeviceptr addr(Ptr p) {
    CudaBuffer b = buffer(p);
    return b.ptr.withByteOffset(p.offset() * b.type.bytes());
  }

  /** A kernel argument: the device address of {@code p}, or NULL. */
  private static Pointer arg(Ptr p) {
    return Pointer.to(p == null ? new CUdeviceptr() : addr(p));
  }

  private Pointer real(double v) {
    return precision == Precision.DOUBLE ? Pointer.to(new double[] {v}) : Pointer.to(new float[] {(float) v});
  }

  private static Pointer i32(int v) {
    return Pointer.to(new int[] {v});
  }

  private static Pointer i64(long v) {
    return Pointer.to(new long[] {v});
  }

  private void launch(String kernel, long gx, int gy, int gz, Pointer... args) {
    if (gx > Integer.MAX_VALUE || gy > 65535 || gz > 65535) {
      throw new IllegalArgumentException(kernel + ": grid " + gx + " x " + gy + " x " + gz + " is too large");
    }
    CUfunction f = ctx.function(kernel);
    CudaException.check(cuLaunchKernel(f, (int) gx, gy, gz, THREADS, 1, 1, 0, stream, Pointer.to(args), null),
        "cuLaunchKernel(" + kernel + ")");
  }

  private static int elementwiseBlocks(long n) {
    return (int) Math.min(MAX_ELEMENTWISE_BLOCKS, (n + THREADS - 1) / THREADS);
  }

  private void checkType(Ptr p, Precision want, String what) {
    if (buffer(p).type != want) {
      throw new IllegalArgumentException(what + ": expected a " + want + " buffer, got " + buffer(p).type);
    }
  }

  @Override
  public void upload(double[] src, int srcOff, Ptr dst, int n) {
    dst.span(n, "upload");
    checkType(dst, precision, "upload");
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    if (precision == Precision.DOUBLE) {
      CudaException.check(cuMemcpyHtoD(addr(dst), Pointer.to(src).withByteOffset(8L * srcOff), 8L * n),
          "cuMemcpyHtoD(" + 8L * n + " bytes)");
    } else {
      float[] f = floats(n);
      for (int i = 0; i < n; i++) {
        f[i] = (float) src[srcOff + i];
      }
      CudaException.check(cuMemcpyHtoD(addr(dst), Pointer.to(f), 4L * n), "cuMemcpyHtoD(" + 4L * n + " bytes)");
    }
  }

  @Override
  public void download(Ptr src, double[] dst, int dstOff, int n) {
    src.span(n, "download");
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    if (buffer(src).type == Precision.DOUBLE) {
      CudaException.check(cuMemcpyDtoH(Pointer.to(dst).withByteOffset(8L * dstOff), addr(src), 8L * n),
          "cuMemcpyDtoH(" + 8L * n + " bytes)");
    } else {
      float[] f = floats(n);
      CudaException.check(cuMemcpyDtoH(Pointer.to(f), addr(src), 4L * n), "cuMemcpyDtoH(" + 4L * n + " bytes)");
      for (int i = 0; i < n; i++) {
        dst[dstOff + i] = f[i];
      }
    }
  }

  private float[] floats(int n) {
    if (floatScratch.length < n) {
      floatScratch = new float[n];
    }
    return floatScratch;
  }

  @Override
  public void zero(Ptr p, long n) {
    p.span(n, "zero");
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    CudaException.check(cuMemsetD8Async(addr(p), (byte) 0, n * buffer(p).type.bytes(), stream), "cuMemsetD8Async");
  }

  /**
   * The split-K slices of an M x N x K product: enough 128 x 128 tile jobs (about 1024) to fill a
   * large GPU when C alone has few tiles, at least 256 of K per slice, at most {@value #MAX_SLICES}.
   * A function of the shape only, so results do not depend on the device model.
   */
  static int splitSlices(int M, int N, int K) {
    long tiles = (long) ((M + TILE - 1) / TILE) * ((N + TILE - 1) / TILE);
    long byTiles = (1024 + tiles - 1) / Math.max(1, tiles);
    long byK = K / 256;
    return (int) Math.max(1, Math.min(MAX_SLICES, Math.min(byTiles, byK)));
  }

  @Override
  public long gemmWorkspace(int M, int N, int K) {
    int s = splitSlices(M, N, K);
    return s > 1 ? (long) s * M * N : 0;
  }

  @Override
  public void gemm(boolean transA, boolean transB, int M, int N, int K, double alpha, Ptr a, int lda, Ptr b, int ldb,
      double beta, Ptr cin, int ldcin, Ptr c, int ldc, int epi, double level, Ptr workspace) {
    if (transA && transB) {
      throw new IllegalArgumentException("gemm: op(A) = A^T with op(B) = B^T is not implemented");
    }
    if (M == 0 || N == 0) {
      return;
    }
    ctx.makeCurrent();
    String kernel = "pudle_gemm_" + (transA ? "tn" : transB ? "nt" : "nn") + "_" + suffix;
    int slices = splitSlices(M, N, K);
    long stride = (long) M * N;
    if (slices > 1) {
      // fewer slices when the workspace is smaller (a narrow last chunk may ask for more slices
      // than the chunk width the workspace was sized for)
      long room = workspace == null ? 0 : workspace.buffer().elements() - workspace.offset();
      slices = (int) Math.max(1, Math.min(slices, room / stride));
    }
    long gx = (M + TILE - 1) / TILE;
    int gy = (N + TILE - 1) / TILE;
    Pointer cinArg = beta != 0 ? arg(cin) : arg(null);
    if (slices == 1) {
      launch(kernel, gx, gy, 1, i32(M), i32(N), i32(K), i32(Math.max(K, 1)), real(alpha), arg(a), i32(lda), arg(b),
          i32(ldb), real(beta), cinArg, i32(ldcin), arg(c), i32(ldc), i64(0), i32(epi), real(level));
      return;
    }
    workspace.span(slices * stride, "gemm workspace");
    int kPerSlice = (K + slices - 1) / slices;
    launch(kernel, gx, gy, slices, i32(M), i32(N), i32(K), i32(kPerSlice), real(1), arg(a), i32(lda), arg(b),
        i32(ldb), real(0), arg(null), i32(0), arg(workspace), i32(M), i64(stride), i32(EPI_NONE), real(0));
    launch("pudle_splitk_reduce_" + suffix, elementwiseBlocks(stride), 1, 1, i32(M), i32(N), i32(slices),
        arg(workspace), i64(stride), real(alpha), real(beta), cinArg, i32(ldcin), arg(c), i32(ldc), i32(epi),
        real(level));
  }

  @Override
  public void threshold(long n, int epi, double level, Ptr v, Ptr z) {
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    launch("pudle_threshold_" + suffix, elementwiseBlocks(n), 1, 1, i64(n), i32(epi), real(level), arg(v), arg(z));
  }

  @Override
  public void maskAccumulate(long n, Ptr a, Ptr zmask, Ptr bt, Ptr q) {
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    launch("pudle_mask_accumulate_" + suffix, elementwiseBlocks(n), 1, 1, i64(n), arg(a), arg(zmask), arg(bt),
        arg(q));
  }

  @Override
  public void addLambdaSign(long n, double lambda, Ptr z, Ptr a) {
    if (n == 0) {
      return;
    }
    ctx.makeCurrent();
    launch("pudle_add_lambda_sign_" + suffix, elementwiseBlocks(n), 1, 1, i64(n), real(lambda), arg(z), arg(a));
  }

  @Override
  public void symmetrize(int p, Ptr pm, Ptr s) {
    ctx.makeCurrent();
    launch("pudle_symmetrize_" + suffix, elementwiseBlocks((long) p * p), 1, 1, i32(p), arg(pm), arg(s));
  }

  @Override
  public long statisticsPartials() {
    return 3L * STAT_BLOCKS;
  }

  @Override
  public void statistics(long nR, Ptr r, long nZ, Ptr z, Ptr partials, Ptr out) {
    checkType(partials, Precision.DOUBLE, "statistics partials");
    checkType(out, Precision.DOUBLE, "statistics");
    partials.span(statisticsPartials(), "statistics partials");
    out.span(3, "statistics");
    ctx.makeCurrent();
    launch("pudle_statistics_" + suffix, STAT_BLOCKS, 1, 1, i64(nR), arg(r), i64(nZ), arg(z), arg(partials));
    launch("pudle_statistics_finish", 1, 1, 1, i32(STAT_BLOCKS), arg(partials), arg(out));
  }

  @Override
  public void synchronize() {
    ctx.makeCurrent();
    CudaException.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      ctx.makeCurrent();
      CudaException.check(cuStreamDestroy(stream), "cuStreamDestroy");
    }
  }
}
