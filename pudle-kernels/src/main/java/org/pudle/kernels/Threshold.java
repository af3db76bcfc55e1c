package org.pudle.kernels;

/**
 * The element-wise proximal step of one encoder layer, with its level per layer precomputed.
 *
 * <p>Both thresholds have a derivative that is 1 where the output is non-zero and 0 elsewhere
 * (soft: {@code 1{|v| > alpha lambda_t}}; hard: {@code 1{|v| >= b_t}}, with {@code b_t > 0}), so
 * the backward pass recovers the layer masks from the stored codes {@code z_{t+1} != 0}.
 */
public abstract sealed class Threshold permits Threshold.Soft, Threshold.Hard {
  private final double[] levels;

  Threshold(double[] levels) {
    this.levels = levels;
  }

  /** The threshold level of layer {@code t}. */
  public final double level(int t) {
    return levels[t];
  }

  /** The number of layers. */
  public final int layers() {
    return levels.length;
  }

  /**
   * Writes {@code z[zOff..zOff+len) = S_t(v[vOff..vOff+len))}; {@code v} is not modified (it may
   * be the same array and range as {@code z}).
   */
  public abstract void apply(double[] v, int vOff, double[] z, int zOff, int len, int t);

  /** {@code S_t(v) = sign(v) max(|v| - alpha lambda_t, 0)}. */
  public static final class Soft extends Threshold {
    Soft(double[] levels) {
      super(levels);
    }

    @Override
    public void apply(double[] v, int vOff, double[] z, int zOff, int len, int t) {
      double th = level(t);
      for (int i = 0; i < len; i++) {
        double x = v[vOff + i];
        double a = Math.abs(x) - th;
        z[zOff + i] = a > 0 ? Math.copySign(a, x) : 0.0;
      }
    }
  }

  /** {@code HT_b(v) = v 1{|v| >= b_t}}. */
  public static final class Hard extends Threshold {
    Hard(double[] levels) {
      super(levels);
    }

    @Override
    public void apply(double[] v, int vOff, double[] z, int zOff, int len, int t) {
      double th = level(t);
      for (int i = 0; i < len; i++) {
        double x = v[vOff + i];
        z[zOff + i] = Math.abs(x) >= th ? x : 0.0;
      }
    }
  }
}
