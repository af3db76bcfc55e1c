package org.pudle.spark.denoise;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.pudle.kernels.Adam;
import org.pudle.kernels.Dictionaries.ColumnConstraint;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvThreshold;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.KeyDoc;

/**
 * Everything {@code pudle denoise-train} needs (paper section 4, appendix B.3), validated in one
 * place. Defaults are the paper's: 64 filters of 9 x 9, stride 4, T = 15, alpha = 0.1, 129 x 129
 * crops with noise 25, Adam lr 1e-4 eps 1e-3, one crop per update, 250 epochs.
 *
 * @param trainImages   image files or folders (comma-separated in the config)
 * @param trainLimit    use the first this many training images (sorted by name); 0 = all
 * @param testImages    test image files or folders, or an empty list
 * @param testLimit     use the first this many test images; 0 = all
 * @param testEvery     updates between test evaluations; 0 = only at the end
 * @param testSeed      seed of the test noise (keyed by file name)
 * @param noise         noise standard deviation on the 0..255 scale
 * @param epochs        passes over the training images (one crop per image each)
 * @param updates       0, or the number of updates to run instead of {@code epochs}
 * @param batchSize     crops per update
 * @param lossPerColumn whether the loss is divided by the crop width (the authors' DLLoss2D)
 * @param init          a model folder to start from, or null for random filters
 */
public record DenoiseTrainParams(String name, List<String> trainImages, int trainLimit, List<String> testImages,
    int testLimit, int testEvery, long testSeed, int channels, int k, int stride, ConvEncoderParams encoder,
    GradientKind gradient, int crop, double noise, long seed, int epochs, int updates, int batchSize, Adam adam,
    ColumnConstraint normalize, boolean lossPerColumn, String init, int partitions, int aggregateDepth,
    String backend, String output, double progressSeconds) {

  public static final List<KeyDoc> KEYS = List.of(
      new KeyDoc("train.images", "(required)", "training image files or folders, comma-separated (CBSD432: color, converted to gray)"),
      new KeyDoc("train.limit", "0", "use the first N training images (sorted by name); 0 = all"),
      new KeyDoc("test.images", "(none)", "test image files or folders (BSD68), denoised whole; empty = no test"),
      new KeyDoc("test.limit", "0", "use the first N test images; 0 = all"),
      new KeyDoc("test.every", "0", "updates between test PSNR evaluations (and checkpoints), with one before the first update; 0 = only at the end"),
      new KeyDoc("test.seed", "1", "seed of the test noise (drawn per file name)"),
      new KeyDoc("filters", "64", "number of convolutional filters"),
      new KeyDoc("filter.size", "9", "filters are filter.size x filter.size"),
      new KeyDoc("stride", "4", "stride of the convolution"),
      new KeyDoc("T", "15", "unfolded ISTA layers"),
      new KeyDoc("alpha", "0.1", "ISTA step; must satisfy alpha < 2 / sigma_max(D0)^2 (checked)"),
      new KeyDoc("lambda", "0.16", "lasso weight; soft threshold level alpha lambda"),
      new KeyDoc("threshold", "soft-nonneg", "soft-nonneg (max(v - alpha lambda, 0)), soft (two-sided), hard (v 1{|v| >= b}) or hard-nonneg (v 1{v >= b})"),
      new KeyDoc("ht.b", "0.05", "b of the hard thresholds"),
      new KeyDoc("gradient", "ae-ls", "dec, ae-ls or ae-lasso"),
      new KeyDoc("crop", "129", "side of the random square training crops; (crop - filter.size) must be a multiple of stride"),
      new KeyDoc("noise", "25", "Gaussian noise standard deviation on the 0..255 scale (training and test)"),
      new KeyDoc("seed", "1", "seed of the initial filters, the crops, flips, training noise and update order"),
      new KeyDoc("epochs", "250", "passes over the training images, one random crop per image each"),
      new KeyDoc("updates", "0", "if positive, run this many updates instead of the epochs"),
      new KeyDoc("batch.size", "1", "crops per update (the paper: 1)"),
      new KeyDoc("adam.lr", "1e-4", "Adam learning rate"),
      new KeyDoc("adam.eps", "1e-3", "Adam epsilon"),
      new KeyDoc("adam.beta1", "0.9", "Adam beta1"),
      new KeyDoc("adam.beta2", "0.999", "Adam beta2"),
      new KeyDoc("normalize", "normalize", "after each update: normalize (unit Frobenius filters), project or none"),
      new KeyDoc("loss.per", "column", "column: 1/2 ||x - D z_T||^2 divided by the crop width (the authors' DLLoss2D); image: not divided"),
      new KeyDoc("init", "(random)", "a model folder (filters.npy) to start from instead of random unit-norm filters"),
      new KeyDoc("partitions", "0", "RDD partitions of the images; 0 = Spark's default parallelism"),
      new KeyDoc("aggregate.depth", "2", "depth of the treeAggregate of the per-partition sums"),
      new KeyDoc("backend", "auto", "convolution kernel backend: auto (CUDA when a driver and a device are present, else the CPU), cpu or cuda; cuda and auto take :float for FP32 on the device"),
      new KeyDoc("output", "runs/<config name>", "output directory (any Hadoop path)"),
      new KeyDoc("progress.seconds", "5", "at most one console progress line per this many seconds"));

  public static Set<String> keyNames() {
    Set<String> s = new LinkedHashSet<>();
    for (KeyDoc k : KEYS) {
      s.add(k.name());
    }
    return s;
  }

  private static List<String> paths(String v) {
    if (v == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String s : v.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return Collections.unmodifiableList(out);
  }

  /** Reads and validates; rejects unknown keys. Touches no file. */
  public static DenoiseTrainParams from(Config c) {
    List<String> train = paths(c.string("train.images", null));
    int trainLimit = c.integer("train.limit", 0);
    List<String> test = paths(c.string("test.images", null));
    int testLimit = c.integer("test.limit", 0);
    int testEvery = c.integer("test.every", 0);
    long testSeed = c.longValue("test.seed", 1);
    int channels = c.integer("filters", 64);
    int k = c.integer("filter.size", 9);
    int stride = c.integer("stride", 4);
    int T = c.integer("T", 15);
    double alpha = c.real("alpha", 0.1);
    double lambda = c.real("lambda", 0.16);
    ConvThreshold th = c.parse("threshold", ConvThreshold.SOFT_NONNEG, ConvThreshold::parse,
        "soft-nonneg, soft, hard or hard-nonneg");
    double b = c.real("ht.b", 0.05);
    GradientKind kind = c.parse("gradient", GradientKind.AE_LS, GradientKind::parse, "dec, ae-ls or ae-lasso");
    int crop = c.integer("crop", 129);
    double noise = c.real("noise", 25);
    long seed = c.longValue("seed", 1);
    int epochs = c.integer("epochs", 250);
    int updates = c.integer("updates", 0);
    int batch = c.integer("batch.size", 1);
    double lr = c.real("adam.lr", 1e-4);
    double eps = c.real("adam.eps", 1e-3);
    double b1 = c.real("adam.beta1", 0.9);
    double b2 = c.real("adam.beta2", 0.999);
    ColumnConstraint normalize = c.parse("normalize", ColumnConstraint.NORMALIZE, ColumnConstraint::parse,
        "normalize, project or none");
    String lossPer = c.string("loss.per", "column");
    String init = c.string("init", null);
    int partitions = c.integer("partitions", 0);
    int depth = c.integer("aggregate.depth", 2);
    String backend = c.string("backend", "auto").trim();
    String output = c.string("output", "runs/" + c.name());
    double progress = c.real("progress.seconds", 5);
    c.requireAllUsed(keyNames());

    if (train.isEmpty()) {
      throw c.error("train.images", "required: the training image files or folders (for example ../shared/data/bsd/CBSD432)");
    }
    if (trainLimit < 0) {
      throw c.error("train.limit", "expected 0 (all) or a positive count, got " + trainLimit);
    }
    if (testLimit < 0) {
      throw c.error("test.limit", "expected 0 (all) or a positive count, got " + testLimit);
    }
    if (testEvery < 0) {
      throw c.error("test.every", "expected 0 (only at the end) or a positive number of updates, got " + testEvery);
    }
    if (channels < 1) {
      throw c.error("filters", "expected at least one filter, got " + channels);
    }
    if (k < 1) {
      throw c.error("filter.size", "expected a positive size, got " + k);
    }
    if (stride < 1) {
      throw c.error("stride", "expected a positive stride, got " + stride);
    }
    if (T < 1) {
      throw c.error("T", "expected at least one layer, got " + T);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw c.error("alpha", "expected a positive step, got " + alpha);
    }
    if (!(lambda > 0) || Double.isInfinite(lambda)) {
      throw c.error("lambda", "expected a positive value, got " + lambda);
    }
    if (th.hard() && (!(b > 0) || Double.isInfinite(b))) {
      throw c.error("ht.b", "the hard threshold needs b > 0, got " + b);
    }
    if (crop < k || (crop - k) % stride != 0) {
      throw c.error("crop", "(crop - filter.size) must be a non-negative multiple of the stride " + stride
          + "; the nearest fitting crop is " + ConvGeometry.fittingSize(Math.max(crop, k), k, stride) + ", got " + crop);
    }
    if (!(noise >= 0) || Double.isInfinite(noise)) {
      throw c.error("noise", "expected a non-negative standard deviation, got " + noise);
    }
    if (epochs < 0) {
      throw c.error("epochs", "expected a non-negative count, got " + epochs);
    }
    if (updates < 0) {
      throw c.error("updates", "expected 0 (use epochs) or a positive count, got " + updates);
    }
    if (batch < 1) {
      throw c.error("batch.size", "expected at least one crop per update, got " + batch);
    }
    Adam adam;
    try {
      adam = new Adam(lr, b1, b2, eps);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("config: " + e.getMessage() + " (" + c.source("adam.lr") + ")");
    }
    boolean perColumn;
    switch (lossPer) {
      case "column":
        perColumn = true;
        break;
      case "image":
        perColumn = false;
        break;
      default:
        throw c.error("loss.per", "expected column or image, got '" + lossPer + "'");
    }
    if (partitions < 0) {
      throw c.error("partitions", "expected 0 (Spark's default) or a positive count, got " + partitions);
    }
    if (depth < 1) {
      throw c.error("aggregate.depth", "expected a depth of at least 1, got " + depth);
    }
    try {
      KernelSpec.parse(backend);
    } catch (IllegalArgumentException e) {
      throw c.error("backend", e.getMessage());
    }
    if (!(progress >= 0)) {
      throw c.error("progress.seconds", "expected a non-negative number of seconds, got " + progress);
    }
    ConvEncoderParams enc = new ConvEncoderParams(T, alpha, lambda, th, b);
    return new DenoiseTrainParams(c.name(), train, trainLimit, test, testLimit, testEvery, testSeed, channels, k,
        stride, enc, kind, crop, noise, seed, epochs, updates, batch, adam, normalize, perColumn, init, partitions,
        depth, backend, output, progress);
  }

  /** The number of updates for {@code n} training images. */
  public int updatesFor(int n) {
    if (updates > 0) {
      return updates;
    }
    long perEpoch = (n + batchSize - 1) / batchSize;
    long total = perEpoch * epochs;
    if (total > Integer.MAX_VALUE) {
      throw new ConfigException("epochs: " + epochs + " epochs of " + perEpoch + " updates is too many");
    }
    return (int) total;
  }

  /** The factor applied to the gradient of {@code 1/2 ||x - D z_T||^2} before Adam. */
  public double gradientScale() {
    return lossPerColumn ? 1.0 / crop : 1.0;
  }

  /** The geometry of a training crop. */
  public ConvGeometry cropGeometry() {
    return new ConvGeometry(k, stride, channels, crop, crop);
  }

  @Override
  public String toString() {
    return name + Arrays.asList(trainImages) + " " + encoder;
  }
}
