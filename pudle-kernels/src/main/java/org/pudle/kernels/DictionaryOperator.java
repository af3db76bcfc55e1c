package org.pudle.kernels;

import org.pudle.kernels.linalg.Blas;

/**
 * A dictionary {@code D} (m x p, column-major) with the ISTA iteration matrix
 * {@code G = I - alpha D^T D} (p x p) of the unfolded encoder, computed once per dictionary and
 * shared read-only by every block and thread that encodes with it.
 *
 * <p>The arrays are not copied: callers must not modify {@code D} while the operator is in use.
 *
 * <p>The support-sparse loops of the CPU backend also read G one column at a time
 * ({@link #gColumns()}, a second copy of G, made on first use) and bound how much a layer can move
 * the entries off a code's support ({@link #offDiagonalBound()}).
 */
public final class DictionaryOperator {
  private final double[] d;
  private final int m;
  private final int p;
  private final double alpha;
  private final double[] g;
  private volatile double[][] columns;
  private volatile double[] bounds;

  private DictionaryOperator(double[] d, int m, int p, double alpha, double[] g) {
    this.d = d;
    this.m = m;
    this.p = p;
    this.alpha = alpha;
    this.g = g;
  }

  /**
   * Builds {@code G = I - alpha D^T D} (m p^2 flops) on the calling thread.
   *
   * @param d the dictionary, m x p column-major, length {@code m * p}; not modified
   */
  public static DictionaryOperator of(double[] d, int m, int p, double alpha) {
    Build build = new Build(d, m, p, alpha);
    build.work();
    return build.result();
  }

  /**
   * A build of {@code G} that several threads can share: every thread that calls {@link #work}
   * takes column blocks until none is left, so threads that need the same operator at once (the
   * tasks of one update on an executor) each pay a share of the m p^2 flops instead of all of
   * them. Block j is {@code G[0 .. e_j, s_j .. e_j]} by one GEMM, then mirrored below the diagonal
   * by the same thread; the blocks are fixed by p alone, so G is the same to the bit whichever
   * threads computed which blocks, and the same as {@link #of}.
   */
  public static final class Build {
    /** Columns per block. */
    static final int BLOCK = 64;
    private final double[] d;
    private final int m;
    private final int p;
    private final double alpha;
    private final double[] g;
    private final int blocks;
    private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
    private volatile Throwable failure;

    /** @param d the dictionary, m x p column-major; not modified */
    public Build(double[] d, int m, int p, double alpha) {
      if (m < 1 || p < 1) {
        throw new IllegalArgumentException("dictionary shape: expected m >= 1 and p >= 1, got " + m + " x " + p);
      }
      if (d.length != (long) m * p) {
        throw new IllegalArgumentException(
            "dictionary: expected " + m + " x " + p + " = " + (long) m * p + " entries, got " + d.length);
      }
      this.d = d;
      this.m = m;
      this.p = p;
      this.alpha = alpha;
      this.g = new double[p * p];
      this.blocks = (p + BLOCK - 1) / BLOCK;
    }

    /** The dictionary this build is for. */
    public double[] dictionary() {
      return d;
    }

    /**
     * Computes blocks until none is left to take, then waits until the other threads' blocks are
     * done too.
     *
     * @throws IllegalStateException when a block failed on another thread
     */
    public void work() {
      for (int k = next.getAndIncrement(); k < blocks; k = next.getAndIncrement()) {
        // the widest blocks (the last columns) first, so the shares even out at the end
        int blk = blocks - 1 - k;
        try {
          block(blk * BLOCK, Math.min(p, (blk + 1) * BLOCK));
        } catch (RuntimeException | Error e) {
          failure = e;
          finished.countDown();
          throw e;
        }
        if (done.incrementAndGet() == blocks) {
          finished.countDown();
        }
      }
      boolean interrupted = false;
      while (true) {
        try {
          finished.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (failure != null) {
        throw new IllegalStateException("building G = I - alpha D^T D failed on another thread", failure);
      }
    }

    private void block(int s, int e) {
      Blas.blas().dgemm("T", "N", e, e - s, m, -alpha, d, 0, m, d, s * m, m, 0.0, g, s * p, p);
      for (int j = s; j < e; j++) {
        g[j + j * p] += 1.0;
        for (int i = 0; i < j; i++) {
          g[j + i * p] = g[i + j * p];
        }
      }
    }

    private DictionaryOperator result;

    /** The operator, one instance for every thread of the build; only after {@link #work} returned. */
    public synchronized DictionaryOperator result() {
      if (finished.getCount() != 0 || failure != null) {
        throw new IllegalStateException("the build of G is not finished");
      }
      if (result == null) {
        result = new DictionaryOperator(d, m, p, alpha, g);
      }
      return result;
    }
  }

  /** The dictionary, m x p column-major (shared, do not modify). */
  public double[] d() {
    return d;
  }

  /** {@code G = I - alpha D^T D}, p x p column-major (shared, do not modify). */
  public double[] g() {
    return g;
  }

  /**
   * The columns of G as separate arrays, {@code gColumns()[j][i] = G[i, j]} (shared, do not
   * modify): the loops on the codes' supports add whole columns of G, and the JIT vectorizes such a
   * loop only when both arrays are indexed from 0. Made on first use ({@code 8 p^2} bytes).
   */
  public double[][] gColumns() {
    double[][] c = columns;
    if (c == null) {
      synchronized (this) {
        c = columns;
        if (c == null) {
          c = new double[p][];
          for (int j = 0; j < p; j++) {
            c[j] = java.util.Arrays.copyOfRange(g, j * p, (j + 1) * p);
          }
          columns = c;
        }
      }
    }
    return c;
  }

  /**
   * {@code mu = max_{i != j} |G_ij|} (alpha times the largest inner product of two atoms): one layer
   * changes an entry i off the support of a change {@code dz} of the code by at most
   * {@code mu ||dz||_1}. Computed on first use.
   */
  public double offDiagonalBound() {
    return bounds()[0];
  }

  /** {@code max_ij |G_ij|}, for rounding bounds. Computed on first use. */
  public double maxAbs() {
    return bounds()[1];
  }

  private double[] bounds() {
    double[] b = bounds;
    if (b == null) {
      double off = 0;
      double all = 0;
      for (int j = 0; j < p; j++) {
        for (int i = 0; i < p; i++) {
          double a = Math.abs(g[i + j * p]);
          if (i != j && !(a <= off)) {
            off = a;
          }
          if (!(a <= all)) {
            all = a;
          }
        }
      }
      b = new double[] {off, all};
      bounds = b;
    }
    return b;
  }

  public int m() {
    return m;
  }

  public int p() {
    return p;
  }

  public double alpha() {
    return alpha;
  }
}
