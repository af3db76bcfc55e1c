package org.pudle.kernels;

/**
 * When a layer is cheaper on the codes' supports than by GEMM (docs/math.md#layers-on-the-supports):
 * estimated seconds per column of a block, from rates fitted on the 2-core development machine
 * (AMD EPYC, AVX-512, OpenBLAS through netlib, one thread per task; {@code submit/pudle bench
 * --no-kernel} times both ways side by side, docs/performance.md). Only the speed depends on these numbers: both ways give the same results to
 * rounding.
 *
 * <ul>
 *   <li>GEMM of p x p by p x b: {@code R_gemm(p, b) = R_peak b / (b + B_HALF) * p / (p + P_HALF)}
 *       flop/s (narrow blocks and small p run below the peak);
 *   <li>the vectorized loops on the support (a column of G times a code entry, added into a
 *       p-vector): {@link #AXPY_RATE} flop/s;
 *   <li>the scalar loops on pairs of support entries ({@code P[S_t, S_{t+1}]}, {@code G[S_t,
 *       S_{t+1}]}): {@link #PAIR_SECONDS} per pair and flop pair;
 *   <li>the pass over the p entries of a column (threshold, support and active set, with branches):
 *       {@link #ENTRY_SECONDS} per entry on the supports, {@link #DENSE_ENTRY_SECONDS} on a block.
 * </ul>
 */
public final class SupportCostModel {
  /** The DGEMM peak of one thread, flop/s. */
  public static final double GEMM_PEAK = 50e9;
  /** The block width at which GEMM reaches half its peak. */
  public static final double B_HALF = 12;
  /** The order at which GEMM reaches half its peak. */
  public static final double P_HALF = 20;
  /** The vectorized multiply-adds on the supports, flop/s. */
  public static final double AXPY_RATE = 16e9;
  /** One scalar update on a pair of support entries (two multiply-adds and a scattered add), seconds. */
  public static final double PAIR_SECONDS = 1.5e-9;
  /** The per-entry pass of a layer on the supports, seconds. */
  public static final double ENTRY_SECONDS = 1.2e-9;
  /** The per-entry pass of a layer on a block (threshold, masks), seconds. */
  public static final double DENSE_ENTRY_SECONDS = 0.4e-9;

  private SupportCostModel() {}

  /** The GEMM rate on p x p by p x b, flop/s. */
  public static double gemmRate(int p, int b) {
    return GEMM_PEAK * b / (b + B_HALF) * p / (p + P_HALF);
  }

  /** Seconds per column of a dense layer: the forward, plus the backward when {@code backward}. */
  public static double denseLayer(int p, int b, boolean backward) {
    double pp = (double) p * p;
    double gemm = (backward ? 6 : 2) * pp / gemmRate(p, b);
    return gemm + (backward ? 2 : 1) * p * DENSE_ENTRY_SECONDS;
  }

  /**
   * Seconds per column of a layer on the supports, every entry computed, with k non-zeros per code:
   * the forward, plus the backward when {@code backward}.
   */
  public static double supportLayer(int p, double k, boolean backward) {
    double s = 2.0 * p * k / AXPY_RATE + p * ENTRY_SECONDS;
    if (backward) {
      s += backwardDirect(k) < backwardVectorized(p, k) ? backwardDirect(k) : backwardVectorized(p, k);
    }
    return s;
  }

  /** The backward of one layer on pairs of support entries: {@code 4 k^2} scalar flops. */
  static double backwardDirect(double k) {
    return 2 * k * k * PAIR_SECONDS + k * ENTRY_SECONDS;
  }

  /** The backward of one layer by whole columns of G and P: {@code 4 p k} vectorized flops. */
  static double backwardVectorized(int p, double k) {
    return 4.0 * p * k / AXPY_RATE + 2 * p * DENSE_ENTRY_SECONDS + k * ENTRY_SECONDS;
  }

  /**
   * Whether the layers from one whose input codes have {@code density} non-zeros per entry should
   * run on the supports, for a block of {@code b} columns.
   */
  public static boolean supportFrom(double density, int p, int b, boolean backward) {
    return supportLayer(p, density * p, backward) < denseLayer(p, b, backward);
  }

  /**
   * Whether a product {@code H y} (p x p, symmetric) for {@code active} of {@code cols} columns with
   * {@code nonZeros} non-zeros among the active ones is cheaper column by column on the supports
   * than one GEMM on all the columns.
   */
  public static boolean supportProduct(long nonZeros, int active, int p, int cols) {
    double sparse = 2.0 * p * nonZeros / AXPY_RATE + (double) active * p * ENTRY_SECONDS;
    double dense = 2.0 * p * p * cols / gemmRate(p, cols);
    return sparse < dense;
  }
}
