package org.pudle.kernels.cuda;

import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.cuda.DeviceBuffer.Ptr;
import org.pudle.kernels.cuda.KernelDriver.Arg;
import org.pudle.kernels.cuda.KernelDriver.Memory;

/**
 * A {@link Device} on one CUDA stream, through a {@link KernelDriver}: {@link CudaStreamDriver}
 * on a {@link CudaContext} (the JCuda driver API), or in the tests a g++ emulation of the same
 * kernels. Kernels are queued on the stream; uploads and downloads are synchronous copies, which
 * the driver orders after the stream's earlier work (the stream is a blocking one), so host arrays
 * can be reused when a call returns.
 *
 * <p>Dense products: with a {@link StreamBlas} (cuBLAS, see {@link GemmProvider}), every
 * {@link #gemm} whose C (and a separate Cin) is stored contiguously ({@code ldc == M}) runs as
 * {@code C = alpha op(A) op(B) + beta C} in the library, after a copy of Cin into C by the
 * {@code pudle_scale} kernel (times 1, exact) and before the epilogue by {@code pudle_threshold};
 * every call the backend makes is of that form. The other forms, and every product without a
 * library, run in the own GEMM kernels.
 *
 * <p>Launch shapes: own GEMMs in 256-thread blocks over 128 x 128 tiles of C, with
 * {@link #splitSlices} slices of a long inner dimension summed by {@code pudle_splitk_reduce};
 * element-wise kernels (also im2col and col2im) in grid-stride loops; statistics in a fixed grid
 * of {@value #STAT_BLOCKS} blocks, so the sums do not depend on timing.
 */
final class CudaDevice implements Device {
  static final int THREADS = 256;
  static final int TILE = 128;
  static final int STAT_BLOCKS = 120;
  static final int MAX_ELEMENTWISE_BLOCKS = 8192;
  static final int MAX_SLICES = 8;

  private final KernelDriver driver;
  private final StreamBlas blas;
  private final Precision precision;
  private final String suffix;
  private float[] floatScratch = new float[0];
  private boolean closed;

  CudaDevice(CudaContext ctx, Precision precision) {
    this(new CudaStreamDriver(ctx), precision);
  }

  CudaDevice(KernelDriver driver, Precision precision) {
    this(driver, precision, null);
  }

  /**
   * @param blas the library for the dense products (closed with this device), or null for the own
   *             GEMM kernels
   */
  CudaDevice(KernelDriver driver, Precision precision, StreamBlas blas) {
    this.driver = driver;
    this.blas = blas;
    this.precision = precision;
    this.suffix = precision.suffix();
  }

  @Override
  public Precision precision() {
    return precision;
  }

  @Override
  public String describe() {
    return driver.describe() + ", " + precision.label() + ", GEMM " + (blas == null ? "own kernels" : blas.describe());
  }

  @Override
  public long freeBytes() {
    return driver.freeBytes();
  }

  private static final class CudaBuffer implements DeviceBuffer {
    final Memory memory;
    final long elements;
    final Precision type;
    boolean freed;

    CudaBuffer(Memory memory, long elements, Precision type) {
      this.memory = memory;
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
        memory.free();
      }
    }
  }

  private DeviceBuffer allocate(long elements, Precision type) {
    if (elements < 0) {
      throw new IllegalArgumentException("device allocation: negative size " + elements);
    }
    long bytes = Math.max(1, elements) * type.bytes();
    return new CudaBuffer(driver.alloc(bytes), elements, type);
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

  /** The byte offset of {@code p} in its buffer. */
  private static long byteOffset(Ptr p) {
    return p.offset() * buffer(p).type.bytes();
  }

  /** A kernel argument: the device address of {@code p}, or NULL. */
  private static Arg arg(Ptr p) {
    return p == null ? Arg.ptr(null, 0) : Arg.ptr(buffer(p).memory, byteOffset(p));
  }

  private Arg real(double v) {
    return precision == Precision.DOUBLE ? Arg.f64(v) : Arg.f32((float) v);
  }

  private static Arg i32(int v) {
    return Arg.i32(v);
  }

  private static Arg i64(long v) {
    return Arg.i64(v);
  }

  private void launch(String kernel, long gx, int gy, int gz, Arg... args) {
    if (gx > Integer.MAX_VALUE || gy > 65535 || gz > 65535) {
      throw new IllegalArgumentException(kernel + ": grid " + gx + " x " + gy + " x " + gz + " is too large");
    }
    driver.launch(kernel, (int) gx, gy, gz, THREADS, args);
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
    if (precision == Precision.DOUBLE) {
      driver.copyToDevice(buffer(dst).memory, byteOffset(dst), src, srcOff, n);
    } else {
      float[] f = floats(n);
      for (int i = 0; i < n; i++) {
        f[i] = (float) src[srcOff + i];
      }
      driver.copyToDevice(buffer(dst).memory, byteOffset(dst), f, n);
    }
  }

  @Override
  public void download(Ptr src, double[] dst, int dstOff, int n) {
    src.span(n, "download");
    if (n == 0) {
      return;
    }
    if (buffer(src).type == Precision.DOUBLE) {
      driver.copyToHost(buffer(src).memory, byteOffset(src), dst, dstOff, n);
    } else {
      float[] f = floats(n);
      driver.copyToHost(buffer(src).memory, byteOffset(src), f, n);
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
    driver.zero(buffer(p).memory, byteOffset(p), n * buffer(p).type.bytes());
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
    if (blas != null) {
      return 0;
    }
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
    if (blas != null && contiguous(M, beta, cin, ldcin, c, ldc, epi)) {
      if (beta != 0 && !cin.equals(c)) {
        scale((long) M * N, 1, cin, c);
      }
      blas.gemm(precision, transA, transB, M, N, K, alpha, buffer(a).memory, byteOffset(a), lda, buffer(b).memory,
          byteOffset(b), ldb, beta, buffer(c).memory, byteOffset(c), ldc);
      if (epi != EPI_NONE) {
        threshold((long) M * N, epi, level, c, c);
      }
      return;
    }
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
    Arg cinArg = beta != 0 ? arg(cin) : arg(null);
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

  /**
   * Whether the library can take the product: the epilogue and a separate Cin then run as
   * element-wise kernels over C, which needs C (and Cin) stored without gaps.
   */
  private static boolean contiguous(int M, double beta, Ptr cin, int ldcin, Ptr c, int ldc, int epi) {
    boolean cinInPlace = beta == 0 || cin.equals(c) && ldcin == ldc;
    boolean cinCopied = ldc == M && ldcin == M;
    return (epi == EPI_NONE || ldc == M) && (cinInPlace || cinCopied);
  }

  @Override
  public void threshold(long n, int epi, double level, Ptr v, Ptr z) {
    if (n == 0) {
      return;
    }
    launch("pudle_threshold_" + suffix, elementwiseBlocks(n), 1, 1, i64(n), i32(epi), real(level), arg(v), arg(z));
  }

  @Override
  public void maskAccumulate(long n, Ptr a, Ptr zmask, Ptr bt, Ptr q) {
    if (n == 0) {
      return;
    }
    launch("pudle_mask_accumulate_" + suffix, elementwiseBlocks(n), 1, 1, i64(n), arg(a), arg(zmask), arg(bt),
        arg(q));
  }

  @Override
  public void addLambdaSign(long n, double lambda, Ptr z, Ptr a) {
    if (n == 0) {
      return;
    }
    launch("pudle_add_lambda_sign_" + suffix, elementwiseBlocks(n), 1, 1, i64(n), real(lambda), arg(z), arg(a));
  }

  @Override
  public void symmetrize(int p, Ptr pm, Ptr s) {
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
    launch("pudle_statistics_" + suffix, STAT_BLOCKS, 1, 1, i64(nR), arg(r), i64(nZ), arg(z), arg(partials));
    launch("pudle_statistics_finish", 1, 1, 1, i32(STAT_BLOCKS), arg(partials), arg(out));
  }

  @Override
  public void im2col(ConvGeometry g, Ptr img, Ptr cols) {
    long n = (long) g.taps() * g.positions();
    img.span(g.pixels(), "im2col image");
    cols.span(n, "im2col patches");
    launch("pudle_im2col_" + suffix, elementwiseBlocks(n), 1, 1, i32(g.k()), i32(g.stride()), i32(g.width()),
        i32(g.codeRows()), i32(g.codeCols()), arg(img), arg(cols));
  }

  @Override
  public void col2im(ConvGeometry g, Ptr cols, Ptr sub, Ptr img) {
    cols.span((long) g.taps() * g.positions(), "col2im patches");
    if (sub != null) {
      sub.span(g.pixels(), "col2im subtrahend");
    }
    img.span(g.pixels(), "col2im image");
    launch("pudle_col2im_" + suffix, elementwiseBlocks(g.pixels()), 1, 1, i32(g.k()), i32(g.stride()),
        i32(g.height()), i32(g.width()), i32(g.codeRows()), i32(g.codeCols()), arg(cols), arg(sub), arg(img));
  }

  @Override
  public void scale(long n, double alpha, Ptr x, Ptr z) {
    if (n == 0) {
      return;
    }
    x.span(n, "scale");
    z.span(n, "scale");
    launch("pudle_scale_" + suffix, elementwiseBlocks(n), 1, 1, i64(n), real(alpha), arg(x), arg(z));
  }

  @Override
  public void mask(long n, Ptr a, Ptr zmask, Ptr b) {
    if (n == 0) {
      return;
    }
    a.span(n, "mask");
    zmask.span(n, "mask");
    b.span(n, "mask");
    launch("pudle_mask_" + suffix, elementwiseBlocks(n), 1, 1, i64(n), arg(a), arg(zmask), arg(b));
  }

  @Override
  public void synchronize() {
    driver.synchronize();
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      try {
        if (blas != null) {
          blas.close();
        }
      } finally {
        driver.close();
      }
    }
  }
}
