package org.pudle.spark.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.pudle.kernels.Dictionaries.ColumnConstraint;
import org.pudle.kernels.conv.ConvThreshold;

/**
 * The keys of {@code pudle denoise-train} ({@code org.pudle.spark.denoise.DenoiseTrainParams}).
 * Defaults are the paper's (section 4, appendix B.3): 64 filters of 9 x 9, stride 4, T = 15,
 * alpha = 0.1, 129 x 129 crops with noise 25, Adam lr 1e-4 eps 1e-3, one crop per update, 250
 * epochs.
 */
public final class DenoiseSettings {
  private DenoiseSettings() {}

  public static final Setting<List<String>> TRAIN_IMAGES = Setting.of("train.images", null, DenoiseSettings::paths,
      "image files or folders, comma-separated")
      .format(v -> String.join(",", v))
      .withDefault(List.of(), "(required)")
      .doc("training image files or folders, comma-separated (CBSD432: color, converted to gray)");
  public static final Setting<Integer> TRAIN_LIMIT = Setting.integer("train.limit", "0")
      .check(v -> v >= 0, "0 (all) or a positive count")
      .doc("use the first N training images (sorted by name); 0 = all");
  public static final Setting<List<String>> TEST_IMAGES = Setting.of("test.images", null, DenoiseSettings::paths,
      "image files or folders, comma-separated")
      .format(v -> String.join(",", v))
      .withDefault(List.of(), "(none)")
      .doc("test image files or folders (BSD68), denoised whole; empty = no test");
  public static final Setting<Integer> TEST_LIMIT = Setting.integer("test.limit", "0")
      .check(v -> v >= 0, "0 (all) or a positive count")
      .doc("use the first N test images; 0 = all");
  public static final Setting<Integer> TEST_EVERY = Setting.integer("test.every", "0")
      .check(v -> v >= 0, "0 (only at the end) or a positive number of updates")
      .doc("updates between test PSNR evaluations (and checkpoints), with one before the first update; 0 = only at "
          + "the end");
  public static final Setting<Long> TEST_SEED = Setting.longInteger("test.seed", "1")
      .doc("seed of the test noise (drawn per file name)");
  public static final Setting<Integer> FILTERS = Setting.integer("filters", "64")
      .check(v -> v >= 1, "at least one filter")
      .doc("number of convolutional filters");
  public static final Setting<Integer> FILTER_SIZE = Setting.integer("filter.size", "9")
      .check(v -> v >= 1, "a positive size")
      .doc("filters are filter.size x filter.size");
  public static final Setting<Integer> STRIDE = Setting.integer("stride", "4")
      .check(v -> v >= 1, "a positive stride")
      .doc("stride of the convolution");
  public static final Setting<Integer> T = EncoderSettings.T.withDefault("15");
  public static final Setting<Double> ALPHA = EncoderSettings.ALPHA.withDefault("0.1")
      .doc("ISTA step; must satisfy alpha < 2 / sigma_max(D0)^2 (checked)");
  public static final Setting<Double> LAMBDA = EncoderSettings.LAMBDA.withDefault("0.16")
      .doc("lasso weight; soft threshold level alpha lambda");
  public static final Setting<ConvThreshold> THRESHOLD = Setting.of("threshold", "soft-nonneg", ConvThreshold::parse,
      "soft-nonneg, soft, hard or hard-nonneg")
      .format(ConvThreshold::key)
      .doc("soft-nonneg (max(v - alpha lambda, 0)), soft (two-sided), hard (v 1{|v| >= b}) or hard-nonneg "
          + "(v 1{v >= b})");
  public static final Setting<Double> HT_B = EncoderSettings.HT_B.withDefault("0.05")
      .doc("b of the hard thresholds");
  public static final Setting<Integer> CROP = Setting.integer("crop", "129")
      .doc("side of the random square training crops; (crop - filter.size) must be a multiple of stride");
  public static final Setting<Double> NOISE = SyntheticSettings.NOISE.withDefault("25")
      .doc("Gaussian noise standard deviation on the 0..255 scale (training and test)");
  public static final Setting<Long> SEED = SyntheticSettings.SEED
      .doc("seed of the initial filters, the crops, flips, training noise and update order");
  public static final Setting<Integer> EPOCHS = Setting.integer("epochs", "250")
      .check(v -> v >= 0, "a non-negative count")
      .doc("passes over the training images, one random crop per image each");
  public static final Setting<Integer> UPDATES = Setting.integer("updates", "0")
      .check(v -> v >= 0, "0 (use epochs) or a positive count")
      .doc("if positive, run this many updates instead of the epochs");
  public static final Setting<Integer> BATCH_SIZE = Setting.integer("batch.size", "1")
      .check(v -> v >= 1, "at least one crop per update")
      .doc("crops per update (the paper: 1)");
  public static final Setting<Double> ADAM_LR = TrainSettings.ADAM_LR.withDefault("1e-4");
  public static final Setting<Double> ADAM_EPS = TrainSettings.ADAM_EPS.withDefault("1e-3");
  public static final Setting<ColumnConstraint> NORMALIZE = TrainSettings.NORMALIZE
      .doc("after each update: normalize (unit Frobenius filters), project or none");
  public static final Setting<Boolean> LOSS_PER_COLUMN = Setting.of("loss.per", "column", DenoiseSettings::perColumn,
      "column or image")
      .format(perColumn -> perColumn ? "column" : "image")
      .doc("column: 1/2 ||x - D z_T||^2 divided by the crop width (the authors' DLLoss2D); image: not divided");
  public static final Setting<String> INIT = Setting.text("init", null)
      .withDefault(null, "(random)")
      .doc("a model folder (filters.npy) to start from instead of random unit-norm filters");
  public static final Setting<Integer> PARTITIONS = ExecutionSettings.PARTITIONS
      .doc("RDD partitions of the images; 0 = Spark's default parallelism");
  public static final Setting<Double> PROGRESS_SECONDS = TrainSettings.PROGRESS_SECONDS.withDefault("5");

  public static final List<Setting<?>> ALL = List.of(TRAIN_IMAGES, TRAIN_LIMIT, TEST_IMAGES, TEST_LIMIT, TEST_EVERY,
      TEST_SEED, FILTERS, FILTER_SIZE, STRIDE, T, ALPHA, LAMBDA, THRESHOLD, HT_B, EncoderSettings.GRADIENT, CROP, NOISE,
      SEED, EPOCHS, UPDATES, BATCH_SIZE, ADAM_LR, ADAM_EPS, TrainSettings.ADAM_BETA1, TrainSettings.ADAM_BETA2,
      NORMALIZE, LOSS_PER_COLUMN, INIT, PARTITIONS, ExecutionSettings.AGGREGATE_DEPTH, ExecutionSettings.KERNELS,
      ExecutionSettings.KERNEL_PRECISION, ExecutionSettings.CUDA_GEMM, ExecutionSettings.BACKEND, TrainSettings.OUTPUT,
      PROGRESS_SECONDS);

  private static List<String> paths(String v) {
    List<String> out = new ArrayList<>();
    for (String s : v.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return Collections.unmodifiableList(out);
  }

  private static boolean perColumn(String s) {
    switch (s) {
      case "column":
        return true;
      case "image":
        return false;
      default:
        throw new IllegalArgumentException();
    }
  }
}
