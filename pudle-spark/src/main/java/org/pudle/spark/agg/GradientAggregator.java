package org.pudle.spark.agg;

import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.Kernels;
import org.pudle.kernels.UnfoldedIsta;

/**
 * The training aggregator of Algorithm 2: each block runs through the unfolded encoder and the
 * blocked reverse mode of one gradient kind.
 */
public final class GradientAggregator extends BlockAggregator<GradientAggregator> {
  private static final long serialVersionUID = 1L;

  private final EncoderParams encoder;
  private final GradientKind kind;
  private final long scratchBytes;
  private final String backend;
  private transient UnfoldedIsta kernel;

  /**
   * @param backend the {@link Kernels} backend, by name, resolved on the executor
   * @param batch   the samples of this update, or null for all of them
   */
  public GradientAggregator(Broadcast<double[]> dictionary, int m, int p, EncoderParams encoder, GradientKind kind,
      long scratchBytes, String backend, BatchSelection batch) {
    super(dictionary, m, p, batch);
    this.encoder = encoder;
    this.kind = kind;
    this.scratchBytes = scratchBytes;
    this.backend = backend;
  }

  @Override
  protected void accumulate(double[] x, int cols, GradientSums sums) {
    if (kernel == null) {
      double[] d = dictionary.value();
      kernel = Kernels.byName(backend).unfoldedIsta(OperatorCache.get(dictionary.id(), d, m, p, encoder.alpha()),
          encoder, scratchBytes);
    }
    kernel.accumulate(kind, x, 0, cols, sums);
  }

  @Override
  protected void mergeExtra(GradientAggregator other) {}
}
