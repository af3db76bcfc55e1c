package org.pudle.spark.agg;

import java.io.Serializable;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.data.SampleBlock;

/**
 * The held-out metrics of one dictionary ({@code validation.fraction}): every held-out sample
 * coded by the unfolded encoder as {@code pudle encode} codes it (a kernel of the run's backend
 * borrowed from the executor's {@link KernelPool}, the operator from the {@link OperatorCache}),
 * and the sums of {@code 1/2 ||x - D z||^2}, {@code ||z||_1}, {@code ||z||_0} and
 * {@code ||x||^2}, by one {@link DistributedPass#aggregate} over the cached held-out blocks.
 */
public final class HeldOutAggregator implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Broadcast<double[]> dictionary;
  private final int m;
  private final int p;
  private final EncoderParams encoder;
  private final long scratchBytes;
  private final KernelSpec kernels;
  private final Sums sums = new Sums();

  /**
   * Sums over held-out samples.
   *
   * @param count    samples
   * @param loss     {@code sum 1/2 ||x - D z||^2}
   * @param l1       {@code sum ||z||_1}
   * @param nonZeros {@code sum ||z||_0}
   * @param energy   {@code sum ||x||^2}
   */
  public static final class Sums implements Serializable {
    private static final long serialVersionUID = 1L;
    long count;
    double loss;
    double l1;
    long nonZeros;
    double energy;

    public long count() {
      return count;
    }

    /** The mean lasso loss {@code 1/2 ||x - D z||^2 + lambda ||z||_1}. */
    public double meanLassoLoss(double lambda) {
      return (loss + lambda * l1) / count;
    }

    /** The relative representation error {@code sum ||x - D z||^2 / sum ||x||^2}. */
    public double representationError() {
      return 2 * loss / energy;
    }

    /** The mean non-zeros per code. */
    public double meanNonZeros() {
      return (double) nonZeros / count;
    }

    /**
     * Adds the statistics of the codes {@code z} (p x cols, column-major) of the samples {@code x}
     * (m x cols) under {@code d} (m x p).
     */
    public void add(double[] d, int m, int p, double[] x, int cols, double[] z) {
      // R = D Z - X
      double[] r = x.clone();
      Blas.blas().dgemm("N", "N", m, cols, p, 1.0, d, 0, m, z, 0, p, -1.0, r, 0, m);
      double rr = 0;
      for (double v : r) {
        rr += v * v;
      }
      double xx = 0;
      for (double v : x) {
        xx += v * v;
      }
      double a = 0;
      long nz = 0;
      for (double v : z) {
        a += Math.abs(v);
        if (v != 0) {
          nz++;
        }
      }
      count += cols;
      loss += 0.5 * rr;
      l1 += a;
      nonZeros += nz;
      energy += xx;
    }

    Sums merge(Sums o) {
      count += o.count;
      loss += o.loss;
      l1 += o.l1;
      nonZeros += o.nonZeros;
      energy += o.energy;
      return this;
    }
  }

  private HeldOutAggregator(Broadcast<double[]> dictionary, int m, int p, EncoderParams encoder, long scratchBytes,
      KernelSpec kernels) {
    this.dictionary = dictionary;
    this.m = m;
    this.p = p;
    this.encoder = encoder;
    this.scratchBytes = scratchBytes;
    this.kernels = kernels;
  }

  /**
   * The sums of the held-out {@code blocks} (cached by the caller) coded under {@code d} by
   * {@code encoder}.
   */
  public static Sums evaluate(JavaSparkContext sc, JavaRDD<SampleBlock> blocks, double[] d, int m, int p,
      EncoderParams encoder, long scratchBytes, KernelSpec kernels, int depth) {
    return DistributedPass.aggregate(sc, blocks, d, bc -> new HeldOutAggregator(bc, m, p, encoder, scratchBytes,
        kernels), HeldOutAggregator::add, HeldOutAggregator::merge, depth).sums;
  }

  private HeldOutAggregator add(SampleBlock b) {
    if (b.m() != m) {
      throw new IllegalArgumentException("held-out block starting at sample " + b.first() + " has m = " + b.m()
          + ", the dictionary has m = " + m);
    }
    int cols = b.cols();
    double[] z = new double[p * cols];
    DictionaryOperator op = OperatorCache.get(dictionary.id(), dictionary.value(), m, p, encoder.alpha());
    try (KernelPool.Lease<UnfoldedIsta> lease = KernelPool.of(kernels).unfoldedIsta(op, encoder, scratchBytes)) {
      lease.kernel().encode(b.x(), 0, cols, z, 0);
    }
    sums.add(dictionary.value(), m, p, b.x(), cols, z);
    return this;
  }

  private HeldOutAggregator merge(HeldOutAggregator other) {
    sums.merge(other.sums);
    return this;
  }
}
