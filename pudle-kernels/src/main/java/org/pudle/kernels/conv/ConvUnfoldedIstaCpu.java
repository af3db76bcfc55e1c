package org.pudle.kernels.conv;

import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;

/**
 * The CPU backend of {@link ConvUnfoldedIsta}: every convolution is im2col plus one BLAS GEMM
 * ({@link StridedConvolution}); the hand-written loops are the unfolding, the folding, the
 * threshold and the backward masks.
 *
 * <h2>Forward</h2>
 * {@code r_t = D z_t - y} (so {@code r_0 = -y}), {@code v_t = z_t - alpha D^T r_t},
 * {@code z_{t+1} = S(v_t)}; then {@code R = D z_T - x}.
 *
 * <h2>Reverse mode</h2>
 * With {@code a_T = D^T R} (+ {@code lambda sign(z_T)} for ae-lasso), for {@code t = T-1 .. 0}:
 * {@code b_t = a_{t+1} .* 1{z_{t+1} != 0}}, {@code a_t = b_t - alpha D^T D b_t}, and the filters'
 * gradient
 * <pre>  grad = Col(R) z_T^T - alpha sum_t [ Col(r_t) b_t^T + Col(D b_t) z_t^T ]</pre>
 * where {@code Col(img) z^T} is the correlation of {@link StridedConvolution#correlate}: the
 * convolutional form of the dense {@code R Z_T^T - alpha [D (P + P^T) - X Q^T]}, from
 * {@code d/dW <b, z - alpha D^T (D z - y)> = -alpha [Col(D z - y) b^T + Col(D b) z^T]}. The
 * decoder-only gradient (dec) is the first term.
 *
 * <h2>Memory</h2>
 * The backward pass keeps {@code z_1..z_T} and {@code r_0..r_{T-1}}:
 * {@code 8 [T (channels positions + pixels) + k^2 positions + 2 channels positions + pixels]}
 * bytes, about 10 MB for a 129 x 129 crop with the paper's geometry; {@link #reconstruct} keeps two
 * codes and one image. Scratch is reused while the image shape stays the same, also after
 * {@link #retarget}.
 */
public final class ConvUnfoldedIstaCpu implements ConvUnfoldedIsta {
  private final int k;
  private final int stride;
  private final int channels;
  private double[] filters;
  private ConvEncoderParams params;
  private int layers;
  private double level;
  private long allocated;

  private ConvGeometry geometry;
  private double[] zs = new double[0];
  private double[] rs = new double[0];
  private double[] cols = new double[0];
  private double[] a = new double[0];
  private double[] b = new double[0];
  private double[] img = new double[0];

  /**
   * @param filters {@code k^2 x channels} column-major (filter c is column c, tap (u, v) at row
   *                {@code u k + v}); not copied, and must not change while this instance is used
   */
  public ConvUnfoldedIstaCpu(double[] filters, int k, int stride, int channels, ConvEncoderParams params) {
    if (k < 1 || stride < 1 || channels < 1) {
      throw new IllegalArgumentException("convolution: expected k, stride, channels >= 1, got " + k + ", " + stride
          + ", " + channels);
    }
    this.k = k;
    this.stride = stride;
    this.channels = channels;
    retarget(filters, params);
  }

  /** Checks that a filter bank has {@code k^2 channels} values. */
  static void checkFilters(double[] filters, int k, int channels) {
    if (filters.length != k * k * channels) {
      throw new IllegalArgumentException("filters: expected " + channels + " filters of " + k + " x " + k + " = "
          + k * k * channels + " values, got " + filters.length);
    }
  }

  @Override
  public void retarget(double[] newFilters, ConvEncoderParams newParams) {
    checkFilters(newFilters, k, channels);
    this.filters = newFilters;
    this.params = newParams;
    this.layers = newParams.T();
    this.level = newParams.level();
  }

  @Override
  public long scratchBytesAllocated() {
    return allocated;
  }

  @Override
  public int k() {
    return k;
  }

  @Override
  public int stride() {
    return stride;
  }

  @Override
  public int channels() {
    return channels;
  }

  @Override
  public ConvEncoderParams params() {
    return params;
  }

  private ConvGeometry prepare(int height, int width, boolean keepAll) {
    ConvGeometry g = geometry;
    if (g == null || g.height() != height || g.width() != width) {
      g = new ConvGeometry(k, stride, channels, height, width);
      geometry = g;
    }
    int cn = g.codeSize();
    int px = g.pixels();
    long zNeed = (long) (keepAll ? layers : 2) * cn;
    long rNeed = (long) (keepAll ? layers : 1) * px;
    if (zNeed > Integer.MAX_VALUE - 8 || rNeed > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("image of " + height + " x " + width + ": the " + layers
          + " stored layers do not fit in one array");
    }
    if (zs.length < zNeed) {
      zs = new double[(int) zNeed];
      allocated += 8 * zNeed;
    }
    if (rs.length < rNeed) {
      rs = new double[(int) rNeed];
      allocated += 8 * rNeed;
    }
    if (cols.length < g.taps() * g.positions()) {
      cols = new double[g.taps() * g.positions()];
      allocated += 8L * g.taps() * g.positions();
    }
    if (a.length < cn) {
      a = new double[cn];
      b = new double[cn];
      allocated += 16L * cn;
    }
    if (img.length < px) {
      img = new double[px];
      allocated += 8L * px;
    }
    return g;
  }

  /** The offset of {@code z_t} ({@code t = 1..T}) in {@code zs}: every layer, or two alternating slots. */
  private int slot(int t, int cn, boolean keepAll) {
    return (keepAll ? t - 1 : (t & 1)) * cn;
  }

  private static void checkImage(String what, double[] x, int height, int width) {
    if (x.length < (long) height * width) {
      throw new IllegalArgumentException(what + ": expected " + height + " x " + width + " = " + (long) height * width
          + " pixels, got an array of " + x.length);
    }
  }

  /** Runs the T layers on {@code y}; afterwards {@code z_t} is at {@link #slot}. */
  private void forward(ConvGeometry g, double[] y, boolean keepAll) {
    int cn = g.codeSize();
    int px = g.pixels();
    double alpha = params.alpha();
    ConvThreshold threshold = params.threshold();
    for (int t = 0; t < layers; t++) {
      int rOff = keepAll ? t * px : 0;
      if (t == 0) {
        for (int i = 0; i < px; i++) {
          rs[rOff + i] = -y[i];
        }
      } else {
        StridedConvolution.synthesis(g, filters, zs, slot(t, cn, keepAll), rs, rOff, false, cols);
        for (int i = 0; i < px; i++) {
          rs[rOff + i] -= y[i];
        }
      }
      StridedConvolution.im2col(g, rs, rOff, cols);
      int out = slot(t + 1, cn, keepAll);
      if (t == 0) {
        StridedConvolution.analysisOfColumns(g, filters, cols, -alpha, 0.0, zs, out);
      } else {
        System.arraycopy(zs, slot(t, cn, keepAll), zs, out, cn);
        StridedConvolution.analysisOfColumns(g, filters, cols, -alpha, 1.0, zs, out);
      }
      threshold.apply(zs, out, zs, out, cn, level);
    }
  }

  @Override
  public double[] reconstruct(double[] noisy, int height, int width, double[] out) {
    ConvGeometry g = prepare(height, width, false);
    checkImage("noisy image", noisy, height, width);
    checkImage("output image", out, height, width);
    forward(g, noisy, false);
    int zT = slot(layers, g.codeSize(), false);
    StridedConvolution.synthesis(g, filters, zs, zT, out, 0, false, cols);
    return codeStatistics(zT, g.codeSize());
  }

  private double[] codeStatistics(int off, int len) {
    double l1 = 0;
    long nnz = 0;
    for (int i = off; i < off + len; i++) {
      double z = zs[i];
      if (z != 0) {
        l1 += Math.abs(z);
        nnz++;
      }
    }
    return new double[] {l1, nnz};
  }

  @Override
  public void accumulate(GradientKind kind, double[] noisy, double[] clean, int height, int width, GradientSums sums) {
    if (sums.m() != k * k || sums.p() != channels) {
      throw new IllegalArgumentException("sums: expected " + k * k + " x " + channels + " (taps x filters), got "
          + sums.m() + " x " + sums.p());
    }
    checkImage("noisy image", noisy, height, width);
    checkImage("clean image", clean, height, width);
    boolean keepAll = kind.throughEncoder();
    ConvGeometry g = prepare(height, width, keepAll);
    int cn = g.codeSize();
    int px = g.pixels();
    forward(g, noisy, keepAll);

    // R = D z_T - x in img
    int zT = slot(layers, cn, keepAll);
    StridedConvolution.synthesis(g, filters, zs, zT, img, 0, false, cols);
    double loss = 0;
    for (int i = 0; i < px; i++) {
      double r = img[i] - clean[i];
      img[i] = r;
      loss += r * r;
    }
    double[] stats = codeStatistics(zT, cn);
    sums.addStatistics(1, 0.5 * loss, stats[0], (long) stats[1]);

    // the decoder term Col(R) z_T^T, shared by all kinds
    double[] grad = sums.gradientBuffer();
    StridedConvolution.im2col(g, img, 0, cols);
    StridedConvolution.correlate(g, cols, zs, zT, 1.0, grad);
    if (!keepAll) {
      return;
    }

    // a_T = D^T R (+ lambda sign(z_T))
    StridedConvolution.analysisOfColumns(g, filters, cols, 1.0, 0.0, a, 0);
    if (kind == GradientKind.AE_LASSO) {
      double lambda = params.lambda();
      for (int i = 0; i < cn; i++) {
        a[i] += lambda * Math.signum(zs[zT + i]);
      }
    }
    double alpha = params.alpha();
    for (int t = layers - 1; t >= 0; t--) {
      int mask = slot(t + 1, cn, true);
      for (int i = 0; i < cn; i++) {
        b[i] = zs[mask + i] != 0 ? a[i] : 0.0;
      }
      // -alpha Col(r_t) b_t^T
      StridedConvolution.im2col(g, rs, t * px, cols);
      StridedConvolution.correlate(g, cols, b, 0, -alpha, grad);
      if (t >= 1) {
        // z_0 = 0: layer 0 adds nothing more, and a_0 is not needed
        StridedConvolution.synthesis(g, filters, b, 0, img, 0, false, cols);
        StridedConvolution.im2col(g, img, 0, cols);
        // -alpha Col(D b_t) z_t^T
        StridedConvolution.correlate(g, cols, zs, slot(t, cn, true), -alpha, grad);
        // a_t = b_t - alpha D^T D b_t
        System.arraycopy(b, 0, a, 0, cn);
        StridedConvolution.analysisOfColumns(g, filters, cols, -alpha, 1.0, a, 0);
      }
    }
  }
}
