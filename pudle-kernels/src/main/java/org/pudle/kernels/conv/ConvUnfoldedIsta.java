package org.pudle.kernels.conv;

import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;

/**
 * The unfolded convolutional ISTA network of the supervised denoiser (paper section 4, appendix
 * B.3) on one image at a time: the encoder {@link ConvEncoderParams} on a noisy image {@code y},
 * the decoder {@code x_hat = D z_T(y)}, and the exact gradients with respect to the filters of the
 * supervised loss {@code 1/2 ||x - D z_T(y)||^2} against the clean image {@code x}.
 *
 * <p>The filters are a {@code k^2 x channels} column-major matrix (see {@link ConvGeometry}), so
 * the gradient sums are a {@code k^2 x channels} {@link GradientSums} and the optimizer and column
 * normalization of the dense trainer apply unchanged (unit columns are unit-Frobenius filters).
 *
 * <p>Implementations are backends ({@code ConvUnfoldedIstaCpu}, {@code ConvUnfoldedIstaCuda}),
 * handed out by a backend's {@code Kernels} factory. An instance owns scratch space sized for the
 * last image shape and is not thread-safe: use one per task or thread. The filters must not change
 * while it is in use; {@link #retarget} points it at another filter bank and keeps the scratch,
 * which is how a pool reuses instances across updates.
 */
public interface ConvUnfoldedIsta {

  /** The filter size k. */
  int k();

  /** The stride. */
  int stride();

  /** The number of filters. */
  int channels();

  /** The encoder. */
  ConvEncoderParams params();

  /**
   * Points this instance at another filter bank of the same geometry and another encoder, keeping
   * its scratch (and, on a device, its buffers).
   *
   * @param filters {@code k^2 x channels}, shared read-only
   * @throws IllegalArgumentException for a filter bank of another size
   */
  void retarget(double[] filters, ConvEncoderParams params);

  /**
   * The bytes of scratch this instance has allocated so far (host arrays and device buffers); it
   * grows only when a larger image shape or a deeper encoder needs more room.
   */
  long scratchBytesAllocated();

  /**
   * Adds the gradient of {@code kind} for one training pair to {@code sums}: its
   * {@code k^2 x channels} buffer gets {@code grad_W} of {@code 1/2 ||x - D z_T(y)||^2} (ae-ls),
   * of that plus {@code lambda ||z_T||_1} (ae-lasso), or the decoder-only {@code Col(R) z_T^T}
   * (dec, {@code R = D z_T - x}); its statistics get one sample, the loss
   * {@code 1/2 ||x - D z_T||^2}, {@code ||z_T||_1} and the non-zeros of {@code z_T}.
   *
   * @param noisy  the encoder's input y, {@code height x width} row-major; not modified
   * @param clean  the target x, same shape; not modified
   * @param height with {@code width}, a size that the filters fit ({@link ConvGeometry})
   * @param sums   modified
   */
  void accumulate(GradientKind kind, double[] noisy, double[] clean, int height, int width, GradientSums sums);

  /**
   * Writes {@code x_hat = D z_T(y)} into {@code out} and returns {@code {||z_T||_1, nnz(z_T)}}.
   *
   * @param noisy not modified
   * @param out   {@code height x width}; overwritten
   */
  double[] reconstruct(double[] noisy, int height, int width, double[] out);

  /**
   * The GEMM flops of {@link #accumulate} (or, with {@code kind == null}, of
   * {@link #reconstruct}) on one image, in units of one convolution
   * {@code 2 k^2 channels positions} ({@link ConvGeometry#convolutionFlops()}):
   * <ul>
   *   <li>reconstruct: {@code 2T} (one convolution in the first layer, two in each later one, one
   *       for the decoder);
   *   <li>dec: {@code 2T + 1} (the correlation {@code Col(R) z_T^T});
   *   <li>ae-ls, ae-lasso: {@code 6T - 1}: those of dec, {@code D^T R}, {@code Col(r_t) b_t^T}
   *       per layer, and per layer after the first {@code D b_t}, {@code Col(D b_t) z_t^T} and
   *       {@code D^T D b_t}.
   * </ul>
   * im2col, col2im and the thresholds are not counted.
   */
  static double flops(GradientKind kind, ConvGeometry g, int T) {
    double units;
    if (kind == null) {
      units = 2.0 * T;
    } else if (!kind.throughEncoder()) {
      units = 2.0 * T + 1;
    } else {
      units = 6.0 * T - 1;
    }
    return units * g.convolutionFlops();
  }
}
