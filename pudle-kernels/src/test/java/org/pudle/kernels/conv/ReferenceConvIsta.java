package org.pudle.kernels.conv;

import org.pudle.kernels.GradientKind;

/**
 * The convolutional encoder written from the definitions with plain loops over (c, i, j, u, v): the
 * reference the im2col/GEMM kernel is checked against. Filters, images and codes use the layouts
 * of {@link ConvGeometry}.
 */
final class ReferenceConvIsta {
  private final double[] w;
  private final ConvGeometry g;
  private final ConvEncoderParams e;

  ReferenceConvIsta(double[] w, ConvGeometry g, ConvEncoderParams e) {
    this.w = w;
    this.g = g;
    this.e = e;
  }

  /** {@code (D^T r)_c[i, j] = sum_{u,v} W_c[u, v] r[s i + u, s j + v]}. */
  static double[] analysis(double[] w, ConvGeometry g, double[] r) {
    int k = g.k();
    int s = g.stride();
    int cc = g.codeCols();
    double[] z = new double[g.codeSize()];
    for (int c = 0; c < g.channels(); c++) {
      for (int i = 0; i < g.codeRows(); i++) {
        for (int j = 0; j < cc; j++) {
          double acc = 0;
          for (int u = 0; u < k; u++) {
            for (int v = 0; v < k; v++) {
              acc += w[c * k * k + u * k + v] * r[(s * i + u) * g.width() + s * j + v];
            }
          }
          z[c + g.channels() * (i * cc + j)] = acc;
        }
      }
    }
    return z;
  }

  /** {@code (D z)[s i + u, s j + v] += z_c[i, j] W_c[u, v]}. */
  static double[] synthesis(double[] w, ConvGeometry g, double[] z) {
    int k = g.k();
    int s = g.stride();
    int cc = g.codeCols();
    double[] img = new double[g.pixels()];
    for (int c = 0; c < g.channels(); c++) {
      for (int i = 0; i < g.codeRows(); i++) {
        for (int j = 0; j < cc; j++) {
          double zc = z[c + g.channels() * (i * cc + j)];
          for (int u = 0; u < k; u++) {
            for (int v = 0; v < k; v++) {
              img[(s * i + u) * g.width() + s * j + v] += zc * w[c * k * k + u * k + v];
            }
          }
        }
      }
    }
    return img;
  }

  private double threshold(double v) {
    double th = e.level();
    switch (e.threshold()) {
      case SOFT_NONNEG:
        return Math.max(v - th, 0);
      case SOFT:
        return Math.signum(v) * Math.max(Math.abs(v) - th, 0);
      case HARD:
        return Math.abs(v) >= th ? v : 0;
      case HARD_NONNEG:
        return v >= th ? v : 0;
      default:
        throw new AssertionError();
    }
  }

  /** z_T of the noisy image. */
  double[] encode(double[] y) {
    double[] z = new double[g.codeSize()];
    for (int t = 0; t < e.T(); t++) {
      double[] r = synthesis(w, g, z);
      for (int i = 0; i < r.length; i++) {
        r[i] -= y[i];
      }
      double[] grad = analysis(w, g, r);
      double[] next = new double[z.length];
      for (int i = 0; i < z.length; i++) {
        next[i] = threshold(z[i] - e.alpha() * grad[i]);
      }
      z = next;
    }
    return z;
  }

  /** {@code 1/2 ||x - D z||^2} for a given code. */
  double decoderLoss(double[] z, double[] x) {
    double[] xh = synthesis(w, g, z);
    double s = 0;
    for (int i = 0; i < xh.length; i++) {
      s += (xh[i] - x[i]) * (xh[i] - x[i]);
    }
    return 0.5 * s;
  }

  /** The loss whose gradient is {@code kind} (ae kinds; dec uses {@link #decoderLoss} with fixed codes). */
  double loss(double[] y, double[] x, GradientKind kind) {
    double[] z = encode(y);
    double l = decoderLoss(z, x);
    if (kind == GradientKind.AE_LASSO) {
      for (double v : z) {
        l += e.lambda() * Math.abs(v);
      }
    }
    return l;
  }
}
