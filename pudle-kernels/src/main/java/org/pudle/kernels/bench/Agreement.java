package org.pudle.kernels.bench;

import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvFilters;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvThreshold;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.ConvUnfoldedIstaCpu;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.Precision;

/**
 * How {@link CudaCheck} (and the CUDA tests) compare a device's results with the CPU backend's:
 * the tolerances, the maximum relative difference, and the convolutional denoiser's comparison on
 * its crop and a textured image.
 */
public final class Agreement {
  /** Relative agreement required in FP64 (the target). */
  public static final double FP64_TOLERANCE = 1e-10;
  /** Relative agreement required in FP32: single rounding through T layers. */
  public static final double FP32_TOLERANCE = 1e-2;

  private Agreement() {}

  /** The relative agreement required in {@code precision}. */
  static double tolerance(Precision precision) {
    return precision == Precision.DOUBLE ? FP64_TOLERANCE : FP32_TOLERANCE;
  }

  /** {@code max |a - b| / max |b|}; NaN when {@code a} has a NaN. */
  public static double maxRelative(double[] a, double[] b) {
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      if (Double.isNaN(a[i])) {
        return Double.NaN;
      }
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    return diff / scale;
  }

  /** The paper's geometry: 64 filters of 9 x 9, stride 4, on a 129 x 129 crop. */
  public static final ConvGeometry CONV_CROP = new ConvGeometry(9, 4, 64, 129, 129);
  /** The encoders the check compares and times: soft non-negative and hard thresholds, T = 15. */
  static final ConvEncoderParams[] CONV_ENCODERS = {
    new ConvEncoderParams(15, 0.1, 0.1, ConvThreshold.SOFT_NONNEG, 0),
    new ConvEncoderParams(15, 0.1, 0.1, ConvThreshold.HARD, 0.05),
  };

  /** A textured clean image in [0, 1] and its noisy version (noise 25/255). */
  static double[][] convPair(int height, int width, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] clean = new double[height * width];
    double fx = 0.3 + 0.4 * rng.nextDouble();
    double fy = 0.2 + 0.5 * rng.nextDouble();
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        clean[y * width + x] = 0.5 + 0.3 * Math.sin(fx * x) * Math.cos(fy * y) + 0.1 * rng.nextDouble();
      }
    }
    double[] noisy = clean.clone();
    for (int i = 0; i < noisy.length; i++) {
      noisy[i] += 25.0 / 255.0 * rng.nextGaussian();
    }
    return new double[][] {noisy, clean};
  }

  /**
   * The worst relative differences of g_dec and g_ae-ls (gradient, loss, l1) and of reconstruct
   * for one encoder, and the largest difference of the non-zeros of the codes (reported only).
   */
  public record ConvAgreement(double gradient, double loss, double l1, double reconstruct, double nnzDifference) {
    /** The largest of the relative differences; NaN when one is. */
    public double worst() {
      double[] all = {gradient, loss, l1, reconstruct};
      double w = 0;
      for (double v : all) {
        if (Double.isNaN(v)) {
          return Double.NaN;
        }
        w = Math.max(w, v);
      }
      return w;
    }
  }

  /**
   * The CUDA convolutional kernel of {@code cuda} against the CPU one on {@code g} (both gradients)
   * and on a {@code 321 x 481} image (reconstruct); {@code lines} (may be null) gets one line per
   * gradient kind.
   */
  public static ConvAgreement convCompare(CudaKernels cuda, ConvGeometry g, ConvEncoderParams e, long seed,
      Consumer<String> lines) {
    return convCompare(cuda, g, e, seed, 321, 481, lines);
  }

  /**
   * As {@link #convCompare(CudaKernels, ConvGeometry, ConvEncoderParams, long, Consumer)},
   * reconstructing an {@code h x wd} image.
   */
  public static ConvAgreement convCompare(CudaKernels cuda, ConvGeometry g, ConvEncoderParams e, long seed, int h,
      int wd, Consumer<String> lines) {
    double[] w = ConvFilters.random(g.k(), g.channels(), seed);
    double[][] p = convPair(g.height(), g.width(), seed + 1);
    ConvUnfoldedIsta cpu = new ConvUnfoldedIstaCpu(w, g.k(), g.stride(), g.channels(), e);
    ConvUnfoldedIsta gpu = cuda.convUnfoldedIsta(w, g.k(), g.stride(), g.channels(), e);
    double grad = 0;
    double loss = 0;
    double l1 = 0;
    double nnz = 0;
    for (GradientKind kind : new GradientKind[] {GradientKind.DEC, GradientKind.AE_LS}) {
      GradientSums a = new GradientSums(g.taps(), g.channels());
      GradientSums b = new GradientSums(g.taps(), g.channels());
      cpu.accumulate(kind, p[0], p[1], g.height(), g.width(), a);
      gpu.accumulate(kind, p[0], p[1], g.height(), g.width(), b);
      double gk = maxRelative(b.gradientBuffer(), a.gradientBuffer());
      double lk = Math.abs(b.meanLoss() - a.meanLoss()) / a.meanLoss();
      double l1k = Math.abs(b.meanL1() - a.meanL1()) / Math.max(a.meanL1(), Double.MIN_NORMAL);
      double nk = b.meanNonZeros() - a.meanNonZeros();
      if (lines != null) {
        lines.accept(String.format(Locale.ROOT, "%-7s %-11s %dx%d, %d filters %dx%d stride %d, T=%d: gradient %.2e  "
            + "loss %.2e  l1 %.2e  nnz %+.0f of %.0f", kind, e.threshold(), g.height(), g.width(), g.channels(), g.k(),
            g.k(), g.stride(), e.T(), gk, lk, l1k, nk, a.meanNonZeros()));
      }
      grad = Double.isNaN(gk) || Double.isNaN(grad) ? Double.NaN : Math.max(grad, gk);
      loss = Math.max(loss, lk);
      l1 = Math.max(l1, l1k);
      nnz = Math.max(nnz, Math.abs(nk));
    }
    int hp = ConvGeometry.fittingSize(h, g.k(), g.stride());
    int wp = ConvGeometry.fittingSize(wd, g.k(), g.stride());
    double[][] img = convPair(hp, wp, seed + 2);
    double[] outCpu = new double[hp * wp];
    double[] outGpu = new double[hp * wp];
    cpu.reconstruct(img[0], hp, wp, outCpu);
    gpu.reconstruct(img[0], hp, wp, outGpu);
    double rec = maxRelative(outGpu, outCpu);
    if (lines != null) {
      lines.accept(String.format(Locale.ROOT, "reconstruct %-11s %dx%d: image %.2e", e.threshold(), hp, wp, rec));
    }
    return new ConvAgreement(grad, loss, l1, rec, nnz);
  }
}
