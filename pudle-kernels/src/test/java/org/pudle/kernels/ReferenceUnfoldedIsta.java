package org.pudle.kernels;

/**
 * A per-sample, loop-only implementation of the unfolded encoder and its gradients, written
 * independently of the blocked kernel (no G, no BLAS, outer products per layer): the reference
 * the blocked kernel is tested against.
 */
final class ReferenceUnfoldedIsta {
  private final double[] d;
  private final int m;
  private final int p;
  private final EncoderParams params;

  ReferenceUnfoldedIsta(double[] d, int m, int p, EncoderParams params) {
    this.d = d;
    this.m = m;
    this.p = p;
    this.params = params;
  }

  private double level(int t) {
    double scale = Math.pow(params.decay(), t);
    return params.threshold() == ThresholdKind.SOFT ? params.alpha() * params.lambda() * scale : params.htB() * scale;
  }

  private double threshold(double v, int t) {
    double th = level(t);
    if (params.threshold() == ThresholdKind.SOFT) {
      return Math.abs(v) > th ? Math.signum(v) * (Math.abs(v) - th) : 0;
    }
    return Math.abs(v) >= th ? v : 0;
  }

  private double derivative(double v, int t) {
    double th = level(t);
    return params.threshold() == ThresholdKind.SOFT ? (Math.abs(v) > th ? 1 : 0) : (Math.abs(v) >= th ? 1 : 0);
  }

  private double[] dz(double[] z) {
    double[] r = new double[m];
    for (int j = 0; j < p; j++) {
      for (int i = 0; i < m; i++) {
        r[i] += d[i + j * m] * z[j];
      }
    }
    return r;
  }

  private double[] dtr(double[] r) {
    double[] out = new double[p];
    for (int j = 0; j < p; j++) {
      double s = 0;
      for (int i = 0; i < m; i++) {
        s += d[i + j * m] * r[i];
      }
      out[j] = s;
    }
    return out;
  }

  /** z_0 .. z_T and v_0 .. v_{T-1} of one sample. */
  double[][][] forward(double[] x) {
    int T = params.T();
    double[][] z = new double[T + 1][p];
    double[][] v = new double[T][p];
    for (int t = 0; t < T; t++) {
      double[] r = dz(z[t]);
      for (int i = 0; i < m; i++) {
        r[i] -= x[i];
      }
      double[] g = dtr(r);
      for (int j = 0; j < p; j++) {
        v[t][j] = z[t][j] - params.alpha() * g[j];
        z[t + 1][j] = threshold(v[t][j], t);
      }
    }
    return new double[][][] {z, v};
  }

  /** The loss of one sample: 1/2 ||x - D z_T||^2 (+ lambda ||z_T||_1 for ae-lasso). */
  double loss(double[] x, GradientKind kind) {
    double[] zT = forward(x)[0][params.T()];
    double[] r = dz(zT);
    double s = 0;
    for (int i = 0; i < m; i++) {
      s += 0.5 * (r[i] - x[i]) * (r[i] - x[i]);
    }
    if (kind == GradientKind.AE_LASSO) {
      for (double zj : zT) {
        s += params.lambda() * Math.abs(zj);
      }
    }
    return s;
  }

  /** The gradient of one sample, m x p column-major. */
  double[] gradient(double[] x, GradientKind kind) {
    int T = params.T();
    double[][][] fw = forward(x);
    double[][] z = fw[0];
    double[][] v = fw[1];
    double[] r = dz(z[T]);
    for (int i = 0; i < m; i++) {
      r[i] -= x[i];
    }
    double[] grad = new double[m * p];
    for (int j = 0; j < p; j++) {
      for (int i = 0; i < m; i++) {
        grad[i + j * m] += r[i] * z[T][j];
      }
    }
    if (kind == GradientKind.DEC) {
      return grad;
    }
    double[] a = dtr(r);
    if (kind == GradientKind.AE_LASSO) {
      for (int j = 0; j < p; j++) {
        a[j] += params.lambda() * Math.signum(z[T][j]);
      }
    }
    double alpha = params.alpha();
    for (int t = T - 1; t >= 0; t--) {
      double[] b = new double[p];
      for (int j = 0; j < p; j++) {
        b[j] = a[j] * derivative(v[t][j], t);
      }
      // v_t = z_t - alpha D^T D z_t + alpha D^T x
      double[] dzt = dz(z[t]);
      double[] db = dz(b);
      for (int j = 0; j < p; j++) {
        for (int i = 0; i < m; i++) {
          grad[i + j * m] += alpha * x[i] * b[j] - alpha * (dzt[i] * b[j] + db[i] * z[t][j]);
        }
      }
      double[] ddb = dtr(db);
      a = new double[p];
      for (int j = 0; j < p; j++) {
        a[j] = b[j] - alpha * ddb[j];
      }
    }
    return grad;
  }
}
