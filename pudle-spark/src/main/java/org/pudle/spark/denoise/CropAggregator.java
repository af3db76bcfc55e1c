package org.pudle.spark.denoise;

import java.io.Serializable;

import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvKernels;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.CropSampler;
import org.pudle.kernels.conv.GrayImage;
import org.pudle.spark.agg.BatchSelection;

/**
 * The training aggregator of the supervised denoiser, in the shape of
 * {@link org.pudle.spark.agg.BlockAggregator}: for every image of this update's batch, a random
 * crop with flips and fresh noise ({@link CropSampler}, keyed by (seed, update, image)), the
 * unfolded convolutional encoder and the filters' gradient of one kind, summed into
 * {@code k^2 x channels} {@link GradientSums} that are allocated on the first crop (Spark ships the
 * zero value with every task, so it stays tiny).
 */
public final class CropAggregator implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Broadcast<double[]> filters;
  private final int k;
  private final int stride;
  private final int channels;
  private final ConvEncoderParams encoder;
  private final GradientKind kind;
  private final CropSampler sampler;
  private final BatchSelection batch;
  private final long update;
  private final String backend;
  private GradientSums sums;
  private long nanos;
  private transient ConvUnfoldedIsta kernel;
  private transient double[] clean;
  private transient double[] noisy;

  /**
   * @param batch  the images of this update, or null for all of them
   * @param update keys the crops and noise
   */
  public CropAggregator(Broadcast<double[]> filters, int k, int stride, int channels, ConvEncoderParams encoder,
      GradientKind kind, CropSampler sampler, BatchSelection batch, long update, String backend) {
    this.filters = filters;
    this.k = k;
    this.stride = stride;
    this.channels = channels;
    this.encoder = encoder;
    this.kind = kind;
    this.sampler = sampler;
    this.batch = batch;
    this.update = update;
    this.backend = backend;
  }

  /** Adds the crop of {@code image} when the image is in the batch; returns this. */
  public CropAggregator add(GrayImage image) {
    if (batch != null && !batch.contains(image.index())) {
      return this;
    }
    long t0 = System.nanoTime();
    if (sums == null) {
      sums = new GradientSums(k * k, channels);
    }
    if (kernel == null) {
      kernel = ConvKernels.create(backend, filters.value(), k, stride, channels, encoder);
      int n = sampler.crop() * sampler.crop();
      clean = new double[n];
      noisy = new double[n];
    }
    sampler.sample(image, update, clean, noisy);
    kernel.accumulate(kind, noisy, clean, sampler.crop(), sampler.crop(), sums);
    nanos += System.nanoTime() - t0;
    return this;
  }

  /** Adds {@code other} into this aggregator and returns this; an empty side is a no-op. */
  public CropAggregator merge(CropAggregator other) {
    if (other.sums != null) {
      if (sums == null) {
        sums = other.sums;
      } else {
        sums.merge(other.sums);
      }
    }
    nanos += other.nanos;
    return this;
  }

  /** The sums, empty when no crop was added. */
  public GradientSums sums() {
    return sums == null ? new GradientSums(k * k, channels) : sums;
  }

  /** Seconds spent making crops and in the kernel, summed over the tasks merged here. */
  public double kernelSeconds() {
    return nanos * 1e-9;
  }
}
