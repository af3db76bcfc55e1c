package org.pudle.spark.denoise;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.CropSampler;
import org.pudle.kernels.conv.GrayImage;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.train.PassOracle;

/**
 * The gradient of one denoiser update by one distributed pass over the cached training images:
 * broadcast the filters, every partition adds the crops of its images in the update's batch
 * ({@link CropAggregator}), {@code treeAggregate} to the driver. The batch of update u is a
 * {@link BatchSelection} over the n images (every epoch visits each image once, in an order keyed
 * by (seed, epoch)), so the result does not depend on the partitioning beyond the order of the sums.
 *
 * <p>The returned gradient sum is scaled by {@code gradientScale} (1 / crop width for the authors'
 * per-column loss); the loss statistics are not.
 */
public final class SparkCropOracle extends PassOracle<GrayImage, CropAggregator> {
  private final long n;
  private final int k;
  private final int stride;
  private final int channels;
  private final ConvEncoderParams encoder;
  private final GradientKind kind;
  private final CropSampler sampler;
  private final int batchSize;
  private final long seed;
  private final double gradientScale;
  private final KernelSpec kernels;

  /**
   * @param images  the training images, cached by the caller
   * @param kernels the backend of the convolutional kernels, resolved on each executor
   */
  public SparkCropOracle(JavaSparkContext sc, JavaRDD<GrayImage> images, long n, int k, int stride, int channels,
      ConvEncoderParams encoder, GradientKind kind, CropSampler sampler, int batchSize, long seed, double gradientScale,
      int depth, KernelSpec kernels) {
    super(sc, images, depth);
    this.n = n;
    this.k = k;
    this.stride = stride;
    this.channels = channels;
    this.encoder = encoder;
    this.kind = kind;
    this.sampler = sampler;
    this.batchSize = batchSize;
    this.seed = seed;
    this.gradientScale = gradientScale;
    this.kernels = kernels;
  }

  /** The images of update {@code update}, or null when every update uses all of them. */
  public static BatchSelection batch(long n, int batchSize, long seed, int update) {
    return batchSize >= n ? null : BatchSelection.forUpdate(n, batchSize, seed, update);
  }

  @Override
  protected CropAggregator aggregator(Broadcast<double[]> filters, int update) {
    return new CropAggregator(filters, k, stride, channels, encoder, kind, sampler, batch(n, batchSize, seed, update),
        update, kernels);
  }

  @Override
  protected Result result(CropAggregator agg, int update) {
    GradientSums sums = agg.sums();
    scale(sums, gradientScale);
    return new Result(sums, agg.kernelSeconds());
  }

  static void scale(GradientSums sums, double factor) {
    if (factor != 1 && sums.count() > 0) {
      double[] g = sums.gradientBuffer();
      for (int i = 0; i < g.length; i++) {
        g[i] *= factor;
      }
    }
  }
}
