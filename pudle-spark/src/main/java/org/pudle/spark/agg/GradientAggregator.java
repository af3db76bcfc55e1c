package org.pudle.spark.agg;

import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;

/**
 * The training aggregator of Algorithm 2: each block runs through the unfolded encoder and the
 * blocked reverse mode of one gradient kind, on a kernel borrowed from the executor's
 * {@link KernelPool} for the call (so its scratch serves every task and update of the executor).
 */
public final class GradientAggregator extends BlockAggregator<GradientAggregator> {
  private static final long serialVersionUID = 1L;

  private final EncoderParams encoder;
  private final GradientKind kind;
  private final long scratchBytes;
  private final KernelSpec kernels;

  /**
   * @param kernels the backend, resolved on the executor
   * @param batch   the samples of this update, or null for all of them
   */
  public GradientAggregator(Broadcast<double[]> dictionary, int m, int p, EncoderParams encoder, GradientKind kind,
      long scratchBytes, KernelSpec kernels, BatchSelection batch) {
    super(dictionary, m, p, batch);
    this.encoder = encoder;
    this.kind = kind;
    this.scratchBytes = scratchBytes;
    this.kernels = kernels;
  }

  @Override
  protected void accumulate(double[] x, int cols, GradientSums sums) {
    DictionaryOperator op = OperatorCache.get(dictionary.id(), dictionary.value(), m, p, encoder.alpha());
    try (KernelPool.Lease<UnfoldedIsta> lease = KernelPool.of(kernels).unfoldedIsta(op, encoder, scratchBytes)) {
      lease.kernel().accumulate(kind, x, 0, cols, sums);
    }
  }
}
