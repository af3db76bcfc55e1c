package org.pudle.spark.denoise;

import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.CropSampler;
import org.pudle.kernels.conv.GrayImage;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.agg.SumAggregator;

/**
 * The training aggregator of the supervised denoiser, a {@link SumAggregator} of images: for every
 * image of this update's batch, a random crop with flips and fresh noise ({@link CropSampler},
 * keyed by (seed, update, image)), the unfolded convolutional encoder and the filters' gradient of
 * one kind, summed into {@code k^2 x channels} sums that are allocated on the first crop. The
 * kernel is borrowed from the executor's {@link KernelPool} for each crop.
 */
public final class CropAggregator extends SumAggregator<GrayImage, CropAggregator> {
  private static final long serialVersionUID = 1L;

  private final int k;
  private final int stride;
  private final int channels;
  private final ConvEncoderParams encoder;
  private final GradientKind kind;
  private final CropSampler sampler;
  private final long update;
  private final KernelSpec kernels;
  private transient double[] clean;
  private transient double[] noisy;

  /**
   * @param batch   the images of this update, or null for all of them
   * @param update  keys the crops and noise
   * @param kernels the backend, resolved on the executor
   */
  public CropAggregator(Broadcast<double[]> filters, int k, int stride, int channels, ConvEncoderParams encoder,
      GradientKind kind, CropSampler sampler, BatchSelection batch, long update, KernelSpec kernels) {
    super(filters, k * k, channels, batch);
    this.k = k;
    this.stride = stride;
    this.channels = channels;
    this.encoder = encoder;
    this.kind = kind;
    this.sampler = sampler;
    this.update = update;
    this.kernels = kernels;
  }

  /** Adds the crop of {@code image} when the image is in the batch. */
  @Override
  protected void addTo(GrayImage image) {
    if (!inBatch(image.index())) {
      return;
    }
    long t0 = System.nanoTime();
    if (clean == null) {
      int n = sampler.crop() * sampler.crop();
      clean = new double[n];
      noisy = new double[n];
    }
    sampler.sample(image, update, clean, noisy);
    try (KernelPool.Lease<ConvUnfoldedIsta> lease = KernelPool.of(kernels).convUnfoldedIsta(parameters.value(), k,
        stride, channels, encoder)) {
      lease.kernel().accumulate(kind, noisy, clean, sampler.crop(), sampler.crop(), target());
    }
    addNanos(System.nanoTime() - t0);
  }
}
