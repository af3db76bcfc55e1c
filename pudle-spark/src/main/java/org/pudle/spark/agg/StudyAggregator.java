package org.pudle.spark.agg;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.kernels.study.DepthGrid;
import org.pudle.kernels.study.DepthStudyKernel;
import org.pudle.kernels.study.DepthStudySums;
import org.pudle.spark.data.SampleBlock;

/**
 * The aggregator of the gradient studies (paper section 3): each block goes through
 * {@link DepthStudyKernel} (one forward pass of T layers, the lasso codes for D and D*, and the
 * per-depth gradients), into the {@link DepthStudySums} of its group. Sample {@code i} of n is in
 * group {@code floor(i G / n)}: groups are ranges of sample indices, so the jackknife standard
 * errors do not depend on the partitioning, and a partition (a range of indices too) touches one
 * or two groups. The unfolded passes run on a kernel of the {@code kernels} backend borrowed from
 * the executor's {@link KernelPool} for each block.
 *
 * <p>Size: a group's sums are {@code (3 |grid| + 3) m p} doubles (3.7 MB for the paper's m = 50,
 * p = 100 and 30 depths); a task ships the groups it touched, the final result all G. Arrays are
 * allocated on the first block, so the zero value Spark ships with every task is tiny.
 */
public final class StudyAggregator implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Broadcast<double[]> dictionary;
  private final Broadcast<double[]> dStar;
  private final int m;
  private final int p;
  private final EncoderParams encoder;
  private final DepthGrid grid;
  private final FistaLasso.Options lasso;
  private final long scratchBytes;
  private final KernelSpec kernels;
  private final long n;
  private final int groups;
  private final boolean jacobian;
  private final long seed;
  private DepthStudySums[] sums;
  private transient double[] zTilde;

  /**
   * @param n        the number of samples of the study (for the groups)
   * @param groups   the number of groups G
   * @param jacobian whether to add the Jacobian read-outs, with directions keyed by (seed, sample index)
   * @param kernels  the backend of the unfolded passes, resolved on the executor
   */
  public StudyAggregator(Broadcast<double[]> dictionary, Broadcast<double[]> dStar, int m, int p, EncoderParams encoder,
      DepthGrid grid, FistaLasso.Options lasso, long scratchBytes, KernelSpec kernels, long n, int groups,
      boolean jacobian, long seed) {
    this.dictionary = dictionary;
    this.dStar = dStar;
    this.m = m;
    this.p = p;
    this.encoder = encoder;
    this.grid = grid;
    this.lasso = lasso;
    this.scratchBytes = scratchBytes;
    this.kernels = kernels;
    this.n = n;
    this.groups = groups;
    this.jacobian = jacobian;
    this.seed = seed;
  }

  /** The group of sample {@code index}: {@code floor(index G / n)}. */
  public static int groupOf(long index, long n, int groups) {
    return (int) floorDiv(index, groups, n);
  }

  /** The first sample index of group {@code g}: {@code ceil(g n / G)}. */
  public static long groupStart(int g, long n, int groups) {
    return floorDiv(g, n, groups) + (exact(g, n, groups) ? 0 : 1);
  }

  private static boolean fits(long a, long b) {
    return Math.multiplyHigh(a, b) == 0 && a * b >= 0;
  }

  private static boolean exact(long a, long b, long c) {
    return java.math.BigInteger.valueOf(a).multiply(java.math.BigInteger.valueOf(b))
        .mod(java.math.BigInteger.valueOf(c)).signum() == 0;
  }

  /** {@code floor(a b / c)} for non-negative a, b and positive c, without overflow. */
  private static long floorDiv(long a, long b, long c) {
    if (fits(a, b)) {
      return a * b / c;
    }
    return java.math.BigInteger.valueOf(a).multiply(java.math.BigInteger.valueOf(b))
        .divide(java.math.BigInteger.valueOf(c)).longValue();
  }

  /** The study kernel on the borrowed unfolded encoder {@code ista}. */
  private DepthStudyKernel kernel(UnfoldedIsta ista) {
    double[] d = dictionary.value();
    FistaLasso hat = OperatorCache.lasso(dictionary.id(), d, m, p, encoder.lambda(), lasso);
    FistaLasso star = OperatorCache.lasso(dStar.id(), dStar.value(), m, p, encoder.lambda(), lasso);
    DepthStudyKernel kernel = new DepthStudyKernel(ista, grid, hat, star);
    if (jacobian) {
      kernel.enableJacobian(seed);
    }
    return kernel;
  }

  /** Adds a block of synthetic samples (they must carry their generating codes); returns this. */
  public StudyAggregator add(SampleBlock block) {
    if (block.m() != m) {
      throw new IllegalArgumentException("sample block starting at sample " + block.first() + " has m = " + block.m()
          + ", the dictionary has m = " + m);
    }
    if (!block.hasTrueCodes()) {
      throw new IllegalArgumentException("sample block starting at sample " + block.first()
          + " has no generating codes: g_tilde needs synthetic data");
    }
    int cols = block.cols();
    if (cols == 0) {
      return this;
    }
    if (block.first() < 0 || block.first() + cols > n) {
      throw new IllegalArgumentException("sample block [" + block.first() + ", " + (block.first() + cols)
          + ") lies outside the study's n = " + n + " samples");
    }
    if (sums == null) {
      sums = new DepthStudySums[groups];
    }
    if (zTilde == null || zTilde.length < p * cols) {
      zTilde = new double[p * cols];
    }
    int k = block.k();
    Arrays.fill(zTilde, 0, p * cols, 0.0);
    for (int c = 0; c < cols; c++) {
      for (int j = 0; j < k; j++) {
        zTilde[c * p + block.support()[c * k + j]] = block.amplitude()[c * k + j];
      }
    }
    DictionaryOperator op = OperatorCache.get(dictionary.id(), dictionary.value(), m, p, encoder.alpha());
    try (KernelPool.Lease<UnfoldedIsta> lease = KernelPool.of(kernels).unfoldedIsta(op, encoder, scratchBytes)) {
      DepthStudyKernel kern = kernel(lease.kernel());
      int c = 0;
      while (c < cols) {
        long index = block.first() + c;
        int g = groupOf(index, n, groups);
        long end = g + 1 < groups ? groupStart(g + 1, n, groups) : n;
        int upto = (int) Math.min(cols, end - block.first());
        if (sums[g] == null) {
          sums[g] = new DepthStudySums(m, p, grid.size());
        }
        kern.add(block.x(), c * m, zTilde, c * p, upto - c, index, sums[g]);
        c = upto;
      }
    }
    return this;
  }

  /** Adds {@code other} into this and returns this; an empty side is a no-op. */
  public StudyAggregator merge(StudyAggregator other) {
    if (other.sums == null) {
      return this;
    }
    if (sums == null) {
      sums = other.sums;
      return this;
    }
    for (int g = 0; g < groups; g++) {
      if (other.sums[g] == null) {
        continue;
      }
      if (sums[g] == null) {
        sums[g] = other.sums[g];
      } else {
        sums[g].merge(other.sums[g]);
      }
    }
    return this;
  }

  /** The sums of each group (empty groups included, as empty sums). */
  public List<DepthStudySums> groups() {
    List<DepthStudySums> out = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      out.add(sums == null || sums[g] == null ? new DepthStudySums(m, p, grid.size()) : sums[g]);
    }
    return out;
  }

  /** The sums over every sample: a new object, the groups are left alone. */
  public DepthStudySums total() {
    DepthStudySums total = new DepthStudySums(m, p, grid.size());
    for (DepthStudySums g : groups()) {
      total.merge(g);
    }
    return total;
  }
}
