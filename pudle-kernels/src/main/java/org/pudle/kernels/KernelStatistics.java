package org.pudle.kernels;

import java.util.concurrent.atomic.LongAdder;

/**
 * How the CPU kernels of this JVM ran their layers: per column of a block, by GEMM on the whole
 * block or by loops on the code's support (docs/math.md#layers-on-the-supports). The counts only
 * grow; take a {@link #snapshot()} before and after a piece of work and subtract
 * ({@link Counts#minus}). Benchmarks report the mix from them, and the tests check that the
 * kernels, the coders and training reach the support path (and that {@code kernel.layers = dense}
 * keeps training off it).
 */
public final class KernelStatistics {
  /** The kinds of work counted, each in columns times layers (or iterations). */
  public enum Counter {
    /** Unfolded forward layers by GEMM. */
    FORWARD_DENSE,
    /** Unfolded forward layers on the support, every entry of {@code v_t} computed. */
    FORWARD_SUPPORT,
    /** Unfolded forward layers on the support, only the active set computed, the rest certified zero. */
    FORWARD_SCREENED,
    /** Unfolded backward layers by GEMM. */
    BACKWARD_DENSE,
    /** Unfolded backward layers on the supports. */
    BACKWARD_SUPPORT,
    /** Lasso (FISTA) gradient products by GEMM. */
    LASSO_DENSE,
    /** Lasso (FISTA) gradient products on the supports of the iterates. */
    LASSO_SUPPORT,
    /** NOODL (IHT) gradient products by GEMM. */
    IHT_DENSE,
    /** NOODL (IHT) gradient products on the supports of the codes. */
    IHT_SUPPORT
  }

  private static final LongAdder[] COUNTS = new LongAdder[Counter.values().length];

  static {
    for (int i = 0; i < COUNTS.length; i++) {
      COUNTS[i] = new LongAdder();
    }
  }

  private KernelStatistics() {}

  /** Adds {@code n} column-layers (or column-iterations) to {@code counter}. */
  public static void add(Counter counter, long n) {
    if (n != 0) {
      COUNTS[counter.ordinal()].add(n);
    }
  }

  /** The counts so far in this JVM. */
  public static Counts snapshot() {
    long[] c = new long[COUNTS.length];
    for (int i = 0; i < c.length; i++) {
      c[i] = COUNTS[i].sum();
    }
    return new Counts(c);
  }

  /** Counts of every {@link Counter}. */
  public static final class Counts {
    private final long[] counts;

    private Counts(long[] counts) {
      this.counts = counts;
    }

    /** The count of {@code c}. */
    public long get(Counter c) {
      return counts[c.ordinal()];
    }

    /** These counts less {@code earlier}: the work done in between. */
    public Counts minus(Counts earlier) {
      long[] d = new long[counts.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = counts[i] - earlier.counts[i];
      }
      return new Counts(d);
    }

    /** The unfolded forward layers on the supports (full or screened). */
    public long forwardSupport() {
      return get(Counter.FORWARD_SUPPORT) + get(Counter.FORWARD_SCREENED);
    }

    /**
     * The fraction of unfolded layers (forward and backward) that ran on the supports; NaN when none
     * ran.
     */
    public double unfoldedSupportFraction() {
      double sparse = forwardSupport() + get(Counter.BACKWARD_SUPPORT);
      double all = sparse + get(Counter.FORWARD_DENSE) + get(Counter.BACKWARD_DENSE);
      return all == 0 ? Double.NaN : sparse / all;
    }

    @Override
    public String toString() {
      StringBuilder s = new StringBuilder();
      for (Counter c : Counter.values()) {
        if (s.length() > 0) {
          s.append(", ");
        }
        s.append(c.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(get(c));
      }
      return s.toString();
    }
  }
}
