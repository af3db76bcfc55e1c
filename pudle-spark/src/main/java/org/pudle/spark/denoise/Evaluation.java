package org.pudle.spark.denoise;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.conv.CropSampler;
import org.pudle.kernels.conv.Denoiser;
import org.pudle.kernels.conv.GrayImage;
import org.pudle.kernels.conv.ImageQuality;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;

/**
 * The test measure of the paper's Table 1: each clean test image gets Gaussian noise of standard
 * deviation {@code noise / 255} (reproducible: keyed by (seed, file name)), is denoised whole
 * ({@link Denoiser}: clamped to [0, 1]), and scored by {@code PSNR = 10 log10(1 / MSE)} against
 * the clean image; the table reports the mean over the images.
 */
public final class Evaluation {
  private Evaluation() {}

  /**
   * The scores of one image.
   *
   * @param noisyPsnr    PSNR of the noisy input (not clamped)
   * @param denoisedPsnr PSNR of the denoised image
   * @param codeDensity  non-zero codes per pixel
   */
  public record Score(String name, int height, int width, double noisyPsnr, double denoisedPsnr, double codeDensity)
      implements Serializable {}

  /** A scored image with its noisy input and its denoised output, {@code [0, 1]} row-major. */
  public record Denoised(Score score, double[] noisy, double[] denoised) {}

  /** Adds the test noise to {@code image}, denoises it and scores it. */
  public static Denoised denoiseWithTestNoise(Denoiser denoiser, GrayImage image, double noise, long seed) {
    double[] clean = image.toDoubles();
    double[] noisy = new double[clean.length];
    CropSampler.testNoise(clean, noisy, clean.length, noise, seed, image.name());
    return score(denoiser, image.name(), image.height(), image.width(), noisy, clean);
  }

  /** Denoises {@code noisy} and scores it against {@code clean} (or not, when clean is null). */
  public static Denoised score(Denoiser denoiser, String name, int height, int width, double[] noisy,
      double[] clean) {
    int n = height * width;
    double[] out = new double[n];
    denoiser.denoise(noisy, height, width, out);
    double density = denoiser.lastCodeStatistics()[1] / n;
    double noisyPsnr = clean == null ? Double.NaN : ImageQuality.psnr(clean, noisy, n, 1.0);
    double denoisedPsnr = clean == null ? Double.NaN : ImageQuality.psnr(clean, out, n, 1.0);
    return new Denoised(new Score(name, height, width, noisyPsnr, denoisedPsnr, density), noisy, out);
  }

  /** The mean denoised PSNR of the scores. */
  public static double meanPsnr(List<Score> scores) {
    return scores.stream().mapToDouble(Score::denoisedPsnr).average().orElse(Double.NaN);
  }

  /** The mean noisy PSNR of the scores. */
  public static double meanNoisyPsnr(List<Score> scores) {
    return scores.stream().mapToDouble(Score::noisyPsnr).average().orElse(Double.NaN);
  }

  /**
   * Scores every cached test image on the executors with the filters {@code filters}, on a
   * kernel of the {@code kernels} backend borrowed for each partition; the result is sorted by
   * image name.
   */
  public static List<Score> evaluate(JavaSparkContext sc, JavaRDD<GrayImage> test, double[] filters, int k,
      int stride, int channels, ConvEncoderParams encoder, double noise, long seed, KernelSpec kernels) {
    Broadcast<double[]> bc = sc.broadcast(filters.clone());
    try {
      List<Score> scores = new ArrayList<>(test.mapPartitions((Iterator<GrayImage> it) -> {
        List<Score> out = new ArrayList<>();
        try (KernelPool.Lease<ConvUnfoldedIsta> lease = KernelPool.of(kernels).convUnfoldedIsta(bc.value(), k, stride,
            channels, encoder)) {
          Denoiser d = new Denoiser(lease.kernel());
          while (it.hasNext()) {
            out.add(denoiseWithTestNoise(d, it.next(), noise, seed).score());
          }
        }
        return out.iterator();
      }).collect());
      scores.sort(Comparator.comparing(Score::name));
      return scores;
    } finally {
      bc.destroy();
    }
  }
}
