package org.pudle.spark.train;

import java.util.List;

import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.UnfoldedIstaCpu;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.data.SampleBlock;

/**
 * Gradient sums in this JVM, one block after another: the single-process reference of the Spark
 * pass (same batches, same kernels).
 */
public final class LocalGradientOracle implements GradientOracle {
  private final List<SampleBlock> blocks;
  private final int m;
  private final int p;
  private final GradientKind kind;
  private final long n;
  private final long batchSize;
  private final long seed;

  public LocalGradientOracle(List<SampleBlock> blocks, int m, int p, GradientKind kind, long n, long batchSize,
      long seed) {
    this.blocks = blocks;
    this.m = m;
    this.p = p;
    this.kind = kind;
    this.n = n;
    this.batchSize = batchSize;
    this.seed = seed;
  }

  @Override
  public Result gradient(double[] d, EncoderParams encoder, int update) {
    BatchSelection batch = batchSize > 0 ? BatchSelection.forUpdate(n, batchSize, seed, update) : null;
    UnfoldedIstaCpu kernel = new UnfoldedIstaCpu(DictionaryOperator.of(d.clone(), m, p, encoder.alpha()), encoder);
    GradientSums sums = new GradientSums(m, p);
    long t0 = System.nanoTime();
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
    return new Result(sums, (System.nanoTime() - t0) * 1e-9);
  }
}
