package org.pudle.spark.agg;

import java.io.Serializable;

import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.Kernels;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.spark.data.SampleBlock;

/**
 * The training aggregator of Algorithm 2: {@code add} runs the kernel on a block of samples,
 * {@code merge} sums two partial results. The dictionary comes from a broadcast; the zero value
 * holds only that handle and the encoder settings, and allocates its m x p sums on the first
 * {@code add}, because Spark ships the zero value with every task.
 */
public final class GradientAggregator implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Broadcast<double[]> dictionary;
  private final int m;
  private final int p;
  private final EncoderParams encoder;
  private final GradientKind kind;
  private final long scratchBytes;
  private final String backend;
  private final BatchSelection batch;
  private GradientSums sums;
  private long kernelNanos;
  private transient UnfoldedIsta kernel;
  private transient double[] gathered;

  /**
   * @param backend the {@link Kernels} backend, by name, resolved on the executor
   * @param batch   the samples of this update, or null for all of them
   */
  public GradientAggregator(Broadcast<double[]> dictionary, int m, int p, EncoderParams encoder, GradientKind kind,
      long scratchBytes, String backend, BatchSelection batch) {
    this.dictionary = dictionary;
    this.m = m;
    this.p = p;
    this.encoder = encoder;
    this.kind = kind;
    this.scratchBytes = scratchBytes;
    this.backend = backend;
    this.batch = batch;
  }

  /** Adds the gradient sums of the block (or of its samples in the batch); returns this. */
  public GradientAggregator add(SampleBlock block) {
    if (block.m() != m) {
      throw new IllegalArgumentException("sample block starting at " + block.first() + " has m = " + block.m()
          + ", the dictionary has m = " + m);
    }
    if (sums == null) {
      sums = new GradientSums(m, p);
    }
    double[] x = block.x();
    int cols = block.cols();
    if (batch != null) {
      cols = gather(block);
      x = gathered;
    }
    if (cols == 0) {
      return this;
    }
    if (kernel == null) {
      double[] d = dictionary.value();
      kernel = Kernels.byName(backend).unfoldedIsta(OperatorCache.get(dictionary.id(), d, m, p, encoder.alpha()),
          encoder, scratchBytes);
    }
    long t0 = System.nanoTime();
    kernel.accumulate(kind, x, 0, cols, sums);
    kernelNanos += System.nanoTime() - t0;
    return this;
  }

  private int gather(SampleBlock block) {
    if (gathered == null || gathered.length < block.x().length) {
      gathered = new double[block.x().length];
    }
    return batch.gather(block, gathered);
  }

  /** Adds {@code other} into this aggregator and returns this; an empty side is a no-op. */
  public GradientAggregator merge(GradientAggregator other) {
    if (other.sums != null) {
      if (sums == null) {
        sums = other.sums;
      } else {
        sums.merge(other.sums);
      }
    }
    kernelNanos += other.kernelNanos;
    return this;
  }

  /** The sums, empty when no sample was added. */
  public GradientSums sums() {
    return sums == null ? new GradientSums(m, p) : sums;
  }

  /** Seconds spent in the kernel, summed over the tasks merged here. */
  public double kernelSeconds() {
    return kernelNanos * 1e-9;
  }
}
