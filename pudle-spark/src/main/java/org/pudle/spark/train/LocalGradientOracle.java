package org.pudle.spark.train;

import java.util.List;
import java.util.function.IntFunction;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.data.SampleBlock;

/**
 * PUDLE's gradient sums in this JVM, one block after another: the single-process reference of the
 * Spark pass (same batches, same kernels, borrowed from this JVM's {@link KernelPool}).
 */
public final class LocalGradientOracle implements GradientOracle {
  private final List<SampleBlock> blocks;
  private final int m;
  private final int p;
  private final GradientKind kind;
  private final IntFunction<EncoderParams> encoderAt;
  private final long n;
  private final long batchSize;
  private final long seed;
  private final KernelSpec kernels;

  /**
   * @param encoderAt the encoder of update u (0-based)
   * @param batchSize samples per update, 0 for full batch
   */
  public LocalGradientOracle(List<SampleBlock> blocks, int m, int p, GradientKind kind,
      IntFunction<EncoderParams> encoderAt, long n, long batchSize, long seed, KernelSpec kernels) {
    this.blocks = blocks;
    this.m = m;
    this.p = p;
    this.kind = kind;
    this.encoderAt = encoderAt;
    this.n = n;
    this.batchSize = batchSize;
    this.seed = seed;
    this.kernels = kernels;
  }

  @Override
  public Result gradient(double[] d, int update) {
    BatchSelection batch = batchSize > 0 ? BatchSelection.forUpdate(n, batchSize, seed, update) : null;
    EncoderParams encoder = encoderAt.apply(update);
    DictionaryOperator op = DictionaryOperator.of(d.clone(), m, p, encoder.alpha());
    GradientSums sums = new GradientSums(m, p);
    long t0 = System.nanoTime();
    try (KernelPool.Lease<UnfoldedIsta> lease = KernelPool.of(kernels).unfoldedIsta(op, encoder,
        UnfoldedIsta.DEFAULT_SCRATCH_BYTES)) {
      UnfoldedIsta kernel = lease.kernel();
      double[] buf = null;
      for (SampleBlock b : blocks) {
        if (batch == null) {
          kernel.accumulate(kind, b.x(), 0, b.cols(), sums);
        } else {
          if (buf == null || buf.length < b.x().length) {
            buf = new double[b.x().length];
          }
          kernel.accumulate(kind, buf, 0, batch.gather(b, buf), sums);
        }
      }
    }
    return new Result(sums, (System.nanoTime() - t0) * 1e-9);
  }
}
