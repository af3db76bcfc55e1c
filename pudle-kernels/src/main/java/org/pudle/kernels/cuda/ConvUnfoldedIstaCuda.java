package org.pudle.kernels.cuda;

import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.cuda.CudaKernels.DeviceFilters;
import org.pudle.kernels.cuda.CudaKernels.Workspace;
import org.pudle.kernels.cuda.DeviceBuffer.Ptr;

/**
 * The CUDA backend of {@link ConvUnfoldedIsta}: the same computation as {@code ConvUnfoldedIstaCpu},
 * step for step, with every step on the device: im2col ({@code pudle_im2col}), the GEMMs of
 * {@code pudle_kernels.cu} (the analysis {@code W^T Col(r)} with the threshold fused into its
 * epilogue, the synthesis {@code W z} followed by the gathering col2im {@code pudle_col2im}, and the
 * correlations {@code Col(r) z^T} into the {@code k^2 x channels} gradient, split over the
 * positions when they are many), the backward masks and the statistics.
 *
 * <p>Per call: the filters are on the device already (uploaded once per filter bank and JVM by
 * {@link CudaKernels}, which keeps the newest two); the noisy image (and for a gradient the clean
 * one) is uploaded; the T layers, the decoder, the residual, the reverse pass and the statistics
 * (loss, l1, non-zeros) stay on the device; only the {@code k^2 x channels} gradient and three
 * numbers come back ({@link #reconstruct}: the image and two numbers).
 *
 * <p>Device memory per call, in values of the precision: {@code 3 pixels + k^2 positions +
 * k^2 channels}, plus {@code T (channels positions + pixels) + 2 channels positions} for the ae
 * gradients or {@code 2 channels positions + pixels} for g_dec and reconstruct, plus the split-K
 * workspace of the correlation: about 11 MB in FP64 for a 129 x 129 crop with 64 9 x 9 filters,
 * stride 4 and T = 15. It is one buffer of a workspace lent by {@link CudaKernels} for the
 * call and kept for the next one.
 *
 * <p>Not thread-safe (like every {@link ConvUnfoldedIsta}); it holds no device memory between calls.
 */
public final class ConvUnfoldedIstaCuda implements ConvUnfoldedIsta {
  private final CudaKernels owner;
  private final int k;
  private final int stride;
  private final int channels;
  private double[] filters;
  private ConvEncoderParams params;
  private int layers;
  private double level;
  private int epi;
  private ConvGeometry geometry;
  private double[] hostGrad = new double[0];
  private final double[] hostStats = new double[3];
  private long allocated = 24;

  ConvUnfoldedIstaCuda(CudaKernels owner, double[] filters, int k, int stride, int channels,
      ConvEncoderParams params) {
    if (k < 1 || stride < 1 || channels < 1) {
      throw new IllegalArgumentException("convolution: expected k, stride, channels >= 1, got " + k + ", " + stride
          + ", " + channels);
    }
    this.owner = owner;
    this.k = k;
    this.stride = stride;
    this.channels = channels;
    retarget(filters, params);
  }

  @Override
  public void retarget(double[] newFilters, ConvEncoderParams newParams) {
    if (newFilters.length != k * k * channels) {
      throw new IllegalArgumentException("filters: expected " + channels + " filters of " + k + " x " + k + " = "
          + k * k * channels + " values, got " + newFilters.length);
    }
    this.filters = newFilters;
    this.params = newParams;
    this.layers = newParams.T();
    this.level = newParams.level();
    switch (newParams.threshold()) {
      case SOFT_NONNEG:
        epi = Device.EPI_SOFT_NONNEG;
        break;
      case SOFT:
        epi = Device.EPI_SOFT;
        break;
      case HARD:
        epi = Device.EPI_HARD;
        break;
      case HARD_NONNEG:
        epi = Device.EPI_HARD_NONNEG;
        break;
      default:
        throw new AssertionError(newParams.threshold());
    }
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

  /** The device's precision. */
  public Precision precision() {
    return owner.precision();
  }

  private ConvGeometry geometry(int height, int width) {
    ConvGeometry g = geometry;
    if (g == null || g.height() != height || g.width() != width) {
      g = new ConvGeometry(k, stride, channels, height, width);
      geometry = g;
    }
    return g;
  }

  /** Where each array of one image lies in the workspace buffer. */
  private final class Layout {
    final ConvGeometry g;
    final boolean keepAll;
    final int cn;
    final int px;
    final long y;
    final long x;
    final long zs;
    final long rs;
    final long cols;
    final long img;
    final long a;
    final long b;
    final long grad;
    final long ws;
    final long total;

    Layout(Device dev, ConvGeometry g, boolean keepAll) {
      this.g = g;
      this.keepAll = keepAll;
      cn = g.codeSize();
      px = g.pixels();
      int kk = g.taps();
      int pos = g.positions();
      long at = 0;
      y = at;
      at += px;
      x = at;
      at += px;
      zs = at;
      at += (long) (keepAll ? layers : 2) * cn;
      rs = at;
      at += (long) (keepAll ? layers : 1) * px;
      cols = at;
      at += (long) kk * pos;
      img = at;
      at += px;
      a = at;
      at += keepAll ? cn : 0;
      b = at;
      at += keepAll ? cn : 0;
      grad = at;
      at += (long) kk * channels;
      ws = at;
      at += Math.max(dev.gemmWorkspace(kk, channels, pos),
          Math.max(dev.gemmWorkspace(channels, pos, kk), dev.gemmWorkspace(kk, pos, channels)));
      total = at;
    }

    /** {@code z_t}, {@code t = 1..T}: every layer, or two alternating slots (as the CPU backend). */
    long slot(int t) {
      return zs + (long) (keepAll ? t - 1 : (t & 1)) * cn;
    }

    /** {@code r_t}, {@code t = 0..T-1}. */
    long residual(int t) {
      return rs + (long) (keepAll ? t : 0) * px;
    }
  }

  private Layout prepare(Workspace w, ConvGeometry g, boolean keepAll) {
    Device dev = w.device;
    if (w.partials == null) {
      w.partials = dev.allocDoubles(dev.statisticsPartials());
      w.stats = dev.allocDoubles(3);
      allocated += 8 * (dev.statisticsPartials() + 3);
    }
    Layout L = new Layout(dev, g, keepAll);
    if (w.main != null && w.main.elements() >= L.total) {
      return L;
    }
    w.freeMain();
    try {
      w.main = dev.alloc(L.total);
    } catch (DeviceOutOfMemoryException e) {
      if (!owner.trimIdle()) {
        throw outOfMemory(dev, L, e);
      }
      try {
        w.main = dev.alloc(L.total);
      } catch (DeviceOutOfMemoryException e2) {
        throw outOfMemory(dev, L, e2);
      }
    }
    allocated += L.total * dev.precision().bytes();
    return L;
  }

  private DeviceOutOfMemoryException outOfMemory(Device dev, Layout L, DeviceOutOfMemoryException cause) {
    return new DeviceOutOfMemoryException(String.format(
        "device memory: an image of %d x %d with %d filters of %d x %d and T = %d needs %.1f MiB of scratch, "
            + "%.1f MiB are free (%s)", L.g.height(), L.g.width(), channels, k, k, layers,
        L.total * (double) dev.precision().bytes() / 1048576.0, dev.freeBytes() / 1048576.0, dev.describe()), cause);
  }

  private static void checkImage(String what, double[] x, int height, int width) {
    if (x.length < (long) height * width) {
      throw new IllegalArgumentException(what + ": expected " + height + " x " + width + " = " + (long) height * width
          + " pixels, got an array of " + x.length);
    }
  }

  private static Ptr workspace(DeviceBuffer main, Layout L) {
    return L.total > L.ws ? main.at(L.ws) : null;
  }

  /**
   * The T layers on the noisy image at {@code L.y}: {@code r_0 = -y}, {@code r_t = D z_t - y},
   * {@code z_{t+1} = S(z_t - alpha W^T Col(r_t))} with {@code z_0 = 0}.
   */
  private void forward(Device dev, Ptr w, DeviceBuffer main, Layout L) {
    ConvGeometry g = L.g;
    int kk = g.taps();
    int pos = g.positions();
    double alpha = params.alpha();
    Ptr ws = workspace(main, L);
    Ptr y = main.at(L.y);
    Ptr cols = main.at(L.cols);
    for (int t = 0; t < layers; t++) {
      Ptr r = main.at(L.residual(t));
      if (t == 0) {
        dev.scale(L.px, -1.0, y, r);
      } else {
        dev.gemm(false, false, kk, pos, channels, 1, w, kk, main.at(L.slot(t)), channels, 0, null, 0, cols, kk,
            Device.EPI_NONE, 0, ws);
        dev.col2im(g, cols, y, r);
      }
      dev.im2col(g, r, cols);
      Ptr out = main.at(L.slot(t + 1));
      if (t == 0) {
        dev.gemm(true, false, channels, pos, kk, -alpha, w, kk, cols, kk, 0, null, 0, out, channels, epi, level, ws);
      } else {
        dev.gemm(true, false, channels, pos, kk, -alpha, w, kk, cols, kk, 1, main.at(L.slot(t)), channels, out,
            channels, epi, level, ws);
      }
    }
  }

  @Override
  public double[] reconstruct(double[] noisy, int height, int width, double[] out) {
    ConvGeometry g = geometry(height, width);
    checkImage("noisy image", noisy, height, width);
    checkImage("output image", out, height, width);
    Workspace w = owner.acquireWorkspace();
    DeviceFilters df = null;
    try {
      Device dev = w.device;
      df = owner.acquireFilters(filters, dev);
      Layout L = prepare(w, g, false);
      DeviceBuffer main = w.main;
      Ptr wf = df.w.at(0);
      dev.upload(noisy, 0, main.at(L.y), L.px);
      forward(dev, wf, main, L);
      Ptr zT = main.at(L.slot(layers));
      Ptr cols = main.at(L.cols);
      dev.gemm(false, false, g.taps(), g.positions(), channels, 1, wf, g.taps(), zT, channels, 0, null, 0, cols,
          g.taps(), Device.EPI_NONE, 0, workspace(main, L));
      dev.col2im(g, cols, null, main.at(L.img));
      dev.zero(w.stats.at(0), 3);
      dev.statistics(0, zT, L.cn, zT, w.partials.at(0), w.stats.at(0));
      dev.download(main.at(L.img), out, 0, L.px);
      dev.download(w.stats.at(0), hostStats, 0, 3);
      return new double[] {hostStats[1], hostStats[2]};
    } finally {
      if (df != null) {
        owner.releaseFilters(df);
      }
      owner.releaseWorkspace(w);
    }
  }

  @Override
  public void accumulate(GradientKind kind, double[] noisy, double[] clean, int height, int width, GradientSums sums) {
    if (sums.m() != k * k || sums.p() != channels) {
      throw new IllegalArgumentException("sums: expected " + k * k + " x " + channels + " (taps x filters), got "
          + sums.m() + " x " + sums.p());
    }
    checkImage("noisy image", noisy, height, width);
    checkImage("clean image", clean, height, width);
    ConvGeometry g = geometry(height, width);
    boolean keepAll = kind.throughEncoder();
    int kk = g.taps();
    int pos = g.positions();
    Workspace w = owner.acquireWorkspace();
    DeviceFilters df = null;
    try {
      Device dev = w.device;
      df = owner.acquireFilters(filters, dev);
      Layout L = prepare(w, g, keepAll);
      DeviceBuffer main = w.main;
      Ptr wf = df.w.at(0);
      Ptr ws = workspace(main, L);
      Ptr cols = main.at(L.cols);
      Ptr img = main.at(L.img);
      Ptr grad = main.at(L.grad);
      int cn = L.cn;
      dev.upload(noisy, 0, main.at(L.y), L.px);
      dev.upload(clean, 0, main.at(L.x), L.px);
      forward(dev, wf, main, L);

      // R = D z_T - x in img, the statistics, and the decoder term Col(R) z_T^T shared by all kinds
      Ptr zT = main.at(L.slot(layers));
      dev.gemm(false, false, kk, pos, channels, 1, wf, kk, zT, channels, 0, null, 0, cols, kk, Device.EPI_NONE, 0,
          ws);
      dev.col2im(g, cols, main.at(L.x), img);
      dev.zero(w.stats.at(0), 3);
      dev.statistics(L.px, img, cn, zT, w.partials.at(0), w.stats.at(0));
      dev.im2col(g, img, cols);
      dev.gemm(false, true, kk, channels, pos, 1, cols, kk, zT, channels, 0, null, 0, grad, kk, Device.EPI_NONE, 0,
          ws);

      if (keepAll) {
        double alpha = params.alpha();
        Ptr a = main.at(L.a);
        Ptr b = main.at(L.b);
        // a_T = D^T R (+ lambda sign(z_T))
        dev.gemm(true, false, channels, pos, kk, 1, wf, kk, cols, kk, 0, null, 0, a, channels, Device.EPI_NONE, 0,
            ws);
        if (kind == GradientKind.AE_LASSO) {
          dev.addLambdaSign(cn, params.lambda(), zT, a);
        }
        for (int t = layers - 1; t >= 0; t--) {
          dev.mask(cn, a, main.at(L.slot(t + 1)), b);
          // -alpha Col(r_t) b_t^T
          dev.im2col(g, main.at(L.residual(t)), cols);
          dev.gemm(false, true, kk, channels, pos, -alpha, cols, kk, b, channels, 1, grad, kk, grad, kk,
              Device.EPI_NONE, 0, ws);
          if (t >= 1) {
            // z_0 = 0: layer 0 adds nothing more, and a_0 is not needed
            dev.gemm(false, false, kk, pos, channels, 1, wf, kk, b, channels, 0, null, 0, cols, kk, Device.EPI_NONE,
                0, ws);
            dev.col2im(g, cols, null, img);
            dev.im2col(g, img, cols);
            // -alpha Col(D b_t) z_t^T
            dev.gemm(false, true, kk, channels, pos, -alpha, cols, kk, main.at(L.slot(t)), channels, 1, grad, kk,
                grad, kk, Device.EPI_NONE, 0, ws);
            // a_t = b_t - alpha D^T D b_t
            dev.gemm(true, false, channels, pos, kk, -alpha, wf, kk, cols, kk, 1, b, channels, a, channels,
                Device.EPI_NONE, 0, ws);
          }
        }
      }

      int gn = kk * channels;
      if (hostGrad.length < gn) {
        hostGrad = new double[gn];
        allocated += 8L * gn;
      }
      dev.download(grad, hostGrad, 0, gn);
      dev.download(w.stats.at(0), hostStats, 0, 3);
      double[] sum = sums.gradientBuffer();
      for (int i = 0; i < gn; i++) {
        sum[i] += hostGrad[i];
      }
      sums.addStatistics(1, 0.5 * hostStats[0], hostStats[1], Math.round(hostStats[2]));
    } finally {
      if (df != null) {
        owner.releaseFilters(df);
      }
      owner.releaseWorkspace(w);
    }
  }
}
