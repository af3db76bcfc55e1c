package org.pudle.kernels;

import java.io.Serializable;

/**
 * Sums over samples of one gradient kind and its statistics: the serializable accumulator that
 * travels from the executors to the driver. The m x p gradient array is allocated on the first
 * block, so an empty accumulator (Spark's zero value, shipped with every task) is tiny.
 *
 * <p>Holds sums, not means; {@link #meanGradient()} and friends divide by {@link #count()}.
 */
public final class GradientSums implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int m;
  private final int p;
  private double[] gradient;
  private long count;
  private double loss;
  private double l1;
  private long nonZeros;

  public GradientSums(int m, int p) {
    if (m < 1 || p < 1) {
      throw new IllegalArgumentException("gradient shape: expected m, p >= 1, got " + m + " x " + p);
    }
    this.m = m;
    this.p = p;
  }

  public int m() {
    return m;
  }

  public int p() {
    return p;
  }

  /** The m x p gradient sum that kernels add into, allocated on first use. */
  public double[] gradientBuffer() {
    if (gradient == null) {
      gradient = new double[m * p];
    }
    return gradient;
  }

  /**
   * Records the statistics of a block of {@code samples} samples.
   *
   * @param lossSum    {@code sum_i 1/2 ||x_i - D z_T^i||^2}
   * @param l1Sum      {@code sum_i ||z_T^i||_1}
   * @param nonZeroSum {@code sum_i ||z_T^i||_0}
   */
  public void addStatistics(long samples, double lossSum, double l1Sum, long nonZeroSum) {
    count += samples;
    loss += lossSum;
    l1 += l1Sum;
    nonZeros += nonZeroSum;
  }

  /** Adds {@code other} into this accumulator and returns this; an empty side is a no-op. */
  public GradientSums merge(GradientSums other) {
    if (other.m != m || other.p != p) {
      throw new IllegalArgumentException(
          "merge: shapes differ, " + m + " x " + p + " vs " + other.m + " x " + other.p);
    }
    if (other.gradient != null) {
      if (gradient == null) {
        gradient = other.gradient.clone();
      } else {
        double[] g = gradient;
        double[] o = other.gradient;
        for (int i = 0; i < g.length; i++) {
          g[i] += o[i];
        }
      }
    }
    count += other.count;
    loss += other.loss;
    l1 += other.l1;
    nonZeros += other.nonZeros;
    return this;
  }

  /** The number of samples added. */
  public long count() {
    return count;
  }

  /** {@code mean_i 1/2 ||x_i - D z_T^i||^2}. */
  public double meanLoss() {
    return loss / count;
  }

  /** {@code mean_i ||z_T^i||_1}. */
  public double meanL1() {
    return l1 / count;
  }

  /** {@code mean_i ||z_T^i||_0}: the mean number of non-zeros per code. */
  public double meanNonZeros() {
    return (double) nonZeros / count;
  }

  /** The mean gradient, a new m x p array; all zeros when no sample was added. */
  public double[] meanGradient() {
    double[] out = new double[m * p];
    if (gradient != null && count > 0) {
      double n = count;
      for (int i = 0; i < out.length; i++) {
        out[i] = gradient[i] / n;
      }
    }
    return out;
  }
}
