package org.pudle.spark.denoise;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.GradientSums;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.CropSampler;
import org.pudle.kernels.conv.GrayImage;
import org.pudle.spark.agg.BatchSelection;
import org.pudle.spark.agg.DistributedPass;
import org.pudle.spark.train.GradientOracle;

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
public final class SparkCropOracle implements GradientOracle {
  private final JavaSparkContext sc;
  private final JavaRDD<GrayImage> images;
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
  private final int depth;
  private final String backend;

  public SparkCropOracle(JavaSparkContext sc, JavaRDD<GrayImage> images, long n, int k, int stride, int channels,
      ConvEncoderParams encoder, GradientKind kind, CropSampler sampler, int batchSize, long seed, double gradientScale,
      int depth, String backend) {
    this.sc = sc;
    this.images = images;
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
    this.depth = depth;
    this.backend = backend;
  }

  /** The images of update {@code update}, or null when every update uses all of them. */
  public static BatchSelection batch(long n, int batchSize, long seed, int update) {
    return batchSize >= n ? null : BatchSelection.forUpdate(n, batchSize, seed, update);
  }

  /**
   * @param ignored the dense encoder the trainer passes; the convolutional encoder is this
   *                oracle's own
   */
  @Override
  public Result gradient(double[] filters, EncoderParams ignored, int update) {
    BatchSelection b = batch(n, batchSize, seed, update);
    CropAggregator agg = DistributedPass.aggregate(sc, images, filters,
        bc -> new CropAggregator(bc, k, stride, channels, encoder, kind, sampler, b, update, backend),
        CropAggregator::add, CropAggregator::merge, depth);
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
