package org.pudle.kernels.cuda;

import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.cuda.DeviceBuffer.Ptr;

/**
 * One stream of work on an accelerator: its memory and the kernels of {@code pudle_kernels.cu}.
 * Operations run in order; host arrays are read or written when the call returns. Matrices are
 * column-major with a leading dimension; offsets and lengths count values.
 *
 * <p>{@link CudaDevice} is the real one; the tests also run the host-side orchestration of
 * {@link UnfoldedIstaCuda} on an emulated device with a small memory, to exercise chunking.
 * An instance is used by one thread at a time.
 */
public interface Device extends AutoCloseable {
  /** No epilogue. */
  int EPI_NONE = 0;
  /** Soft threshold {@code sign(v) max(|v| - level, 0)}. */
  int EPI_SOFT = 1;
  /** Hard threshold {@code v 1{|v| >= level}}. */
  int EPI_HARD = 2;
  /** Non-negative soft threshold {@code max(v - level, 0)}. */
  int EPI_SOFT_NONNEG = 3;
  /** Non-negative hard threshold {@code v 1{v >= level}}. */
  int EPI_HARD_NONNEG = 4;

  /** The element type of {@link #alloc} buffers. */
  Precision precision();

  /** A one-line description: the device's name and memory. */
  String describe();

  /** Device memory free now, in bytes. */
  long freeBytes();

  /**
   * Allocates {@code elements} values of {@link #precision()}.
   *
   * @throws DeviceOutOfMemoryException when the device has not enough memory
   */
  DeviceBuffer alloc(long elements);

  /** Allocates {@code elements} doubles (statistics), whatever the precision. */
  DeviceBuffer allocDoubles(long elements);

  /** Copies {@code n} values from {@code src[srcOff..]} to the device, converted to its precision. */
  void upload(double[] src, int srcOff, Ptr dst, int n);

  /** Copies {@code n} values from the device into {@code dst[dstOff..]}, as doubles. */
  void download(Ptr src, double[] dst, int dstOff, int n);

  /** Sets {@code n} values to zero. */
  void zero(Ptr p, long n);

  /**
   * The workspace (values of the precision) that {@link #gemm} needs for this shape: the
   * split-K slices of a product with a long inner dimension; 0 when it runs in one pass.
   */
  long gemmWorkspace(int M, int N, int K);

  /**
   * {@code C = epi(alpha op(A) op(B) + beta Cin)}, op(A) M x K, op(B) K x N; {@code Cin} is not
   * read when {@code beta == 0} and may be the same matrix as {@code C}.
   *
   * @param epi       {@link #EPI_NONE}, {@link #EPI_SOFT}, {@link #EPI_HARD}, {@link #EPI_SOFT_NONNEG} or
   *                  {@link #EPI_HARD_NONNEG}
   * @param workspace scratch for split-K slices, up to the end of its buffer: {@link #gemmWorkspace}
   *                  values run the product in its preferred slices, less in fewer (null: one pass)
   */
  void gemm(boolean transA, boolean transB, int M, int N, int K, double alpha, Ptr a, int lda, Ptr b, int ldb,
      double beta, Ptr cin, int ldcin, Ptr c, int ldc, int epi, double level, Ptr workspace);

  /** {@code z = epi(v)} element-wise ({@code z} may be {@code v}). */
  void threshold(long n, int epi, double level, Ptr v, Ptr z);

  /** {@code bt = a .* 1{zmask != 0}; q += bt}: one layer of the backward pass. */
  void maskAccumulate(long n, Ptr a, Ptr zmask, Ptr bt, Ptr q);

  /** {@code a += lambda sign(z)}, {@code sign(0) = 0}. */
  void addLambdaSign(long n, double lambda, Ptr z, Ptr a);

  /** {@code s = pm + pm^T}, p x p. */
  void symmetrize(int p, Ptr pm, Ptr s);

  /** The doubles of the partials buffer {@link #statistics} needs. */
  long statisticsPartials();

  /**
   * Adds {@code sum r^2}, {@code sum |z|} and {@code #{z != 0}} to the three doubles at
   * {@code out}, in an order that does not depend on timing.
   *
   * @param partials {@link #statisticsPartials()} doubles of scratch
   */
  void statistics(long nR, Ptr r, long nZ, Ptr z, Ptr partials, Ptr out);

  /**
   * {@code cols = Col(img)}: the {@code k^2 x positions} patch matrix of a {@code height x width}
   * image, as {@link org.pudle.kernels.conv.StridedConvolution#im2col}.
   */
  void im2col(ConvGeometry g, Ptr img, Ptr cols);

  /**
   * {@code img = fold(cols) - sub} ({@code img = fold(cols)} when {@code sub} is null): the
   * transpose of {@link #im2col}; each pixel sums its patch entries in increasing patch order, like
   * {@link org.pudle.kernels.conv.StridedConvolution#col2imAdd} on a zeroed image.
   */
  void col2im(ConvGeometry g, Ptr cols, Ptr sub, Ptr img);

  /** {@code z = alpha x} element-wise ({@code z} may be {@code x}). */
  void scale(long n, double alpha, Ptr x, Ptr z);

  /** {@code b = a .* 1{zmask != 0}}: the backward mask of one layer. */
  void mask(long n, Ptr a, Ptr zmask, Ptr b);

  /** Waits until every queued operation has finished. */
  void synchronize();

  @Override
  void close();
}
