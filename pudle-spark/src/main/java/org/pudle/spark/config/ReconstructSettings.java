package org.pudle.spark.config;

import java.util.List;

/**
 * The keys of {@code pudle reconstruct} besides the model's encoder keys and the execution keys
 * ({@link ReconstructParams}).
 */
public final class ReconstructSettings {
  private ReconstructSettings() {}

  public static final Setting<String> INPUT = Setting.text("input", null)
      .withDefault(null, "(required)")
      .doc("the images to reconstruct: a PNG, JPEG or PGM file, a directory or a glob on any Hadoop path");
  public static final Setting<String> MODEL = EncodeSettings.MODEL.withDefault(null, "(required)")
      .doc("a train run's model directory (OUTPUT/model): the dictionary, the encoder and the data transform");
  public static final Setting<String> REFERENCE = Setting.text("reference", null)
      .doc("clean images to measure PSNR against, matched by file name: a directory or glob; with noise.sigma > 0 "
          + "the input images themselves");
  public static final Setting<Double> NOISE_SIGMA = Setting.of("noise.sigma", "0", ReconstructSettings::number,
      "a number or a fraction a/b")
      .check(v -> v >= 0 && !v.isInfinite(), "a non-negative standard deviation")
      .doc("add Gaussian noise of this standard deviation (pixel values in [0, 1], 25/255 is accepted) to each "
          + "image before coding it: a denoising experiment against the clean input");
  public static final Setting<Long> NOISE_SEED = Setting.longInteger("noise.seed", "0")
      .doc("seed of the noise (image i uses seed + i)");
  public static final Setting<int[]> STRIDE = InputSettings.IMAGE_STRIDE.withDefault("1")
      .doc("pixels between patch origins: N or HxW; 1 = every patch (the classical denoising pipeline); patches "
          + "flush with the bottom and right borders are added so that every pixel is covered");
  public static final Setting<String> OUTPUT = TrainSettings.OUTPUT
      .derived("runs/<config name>-reconstruct", c -> "runs/" + c.name() + "-reconstruct")
      .doc("output directory (any Hadoop path): the images as PNG, psnr.csv, summary.txt");

  public static final List<Setting<?>> ALL = List.of(INPUT, MODEL, REFERENCE, NOISE_SIGMA, NOISE_SEED, STRIDE,
      OUTPUT);

  /** The encoder keys a reconstruct run may set over the model's. */
  public static final List<Setting<?>> ENCODER = List.of(EncoderSettings.T, EncoderSettings.LAMBDA,
      EncoderSettings.ALPHA, EncoderSettings.THRESHOLD, EncoderSettings.HT_B, EncoderSettings.LAMBDA_DECAY);

  private static Double number(String s) {
    int slash = s.indexOf('/');
    if (slash < 0) {
      return Double.valueOf(s);
    }
    return Double.parseDouble(s.substring(0, slash).trim()) / Double.parseDouble(s.substring(slash + 1).trim());
  }
}
