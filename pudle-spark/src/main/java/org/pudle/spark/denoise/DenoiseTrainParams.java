package org.pudle.spark.denoise;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.pudle.kernels.Adam;
import org.pudle.kernels.Dictionaries.ColumnConstraint;
import org.pudle.kernels.GradientKind;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvGeometry;
import org.pudle.kernels.conv.ConvThreshold;
import org.pudle.kernels.cuda.GemmProvider;
import org.pudle.kernels.cuda.Precision;
import org.pudle.spark.config.Commands;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.DenoiseSettings;
import org.pudle.spark.config.EncoderSettings;
import org.pudle.spark.config.ExecutionSettings;
import org.pudle.spark.config.TrainSettings;

/**
 * Everything {@code pudle denoise-train} needs (paper section 4, appendix B.3), validated in one
 * place; the keys and their defaults (the paper's) are {@link DenoiseSettings}.
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
 * @param kernels       the kernel backend: {@code auto}, {@code cpu} or {@code cuda}
 * @param precision     the precision of the CUDA backend
 * @param settings      every setting in effect as config text (the run's {@code run.properties})
 */
public record DenoiseTrainParams(String name, List<String> trainImages, int trainLimit, List<String> testImages,
    int testLimit, int testEvery, long testSeed, int channels, int k, int stride, ConvEncoderParams encoder,
    GradientKind gradient, int crop, double noise, long seed, int epochs, int updates, int batchSize, Adam adam,
    ColumnConstraint normalize, boolean lossPerColumn, String init, int partitions, int aggregateDepth,
    String kernels, Precision precision, GemmProvider gemm, String output, double progressSeconds,
    Map<String, String> settings) {

  /** Reads and validates the keys of {@link Commands#DENOISE_TRAIN}; rejects unknown keys. Touches no file. */
  public static DenoiseTrainParams from(Config c) {
    c.requireKnown(Commands.DENOISE_TRAIN);
    List<String> train = c.get(DenoiseSettings.TRAIN_IMAGES);
    int trainLimit = c.get(DenoiseSettings.TRAIN_LIMIT);
    List<String> test = c.get(DenoiseSettings.TEST_IMAGES);
    int testLimit = c.get(DenoiseSettings.TEST_LIMIT);
    int testEvery = c.get(DenoiseSettings.TEST_EVERY);
    long testSeed = c.get(DenoiseSettings.TEST_SEED);
    int channels = c.get(DenoiseSettings.FILTERS);
    int k = c.get(DenoiseSettings.FILTER_SIZE);
    int stride = c.get(DenoiseSettings.STRIDE);
    int t = c.get(DenoiseSettings.T);
    double alpha = c.get(DenoiseSettings.ALPHA);
    double lambda = c.get(DenoiseSettings.LAMBDA);
    ConvThreshold th = c.get(DenoiseSettings.THRESHOLD);
    double b = c.get(DenoiseSettings.HT_B);
    ConvEncoderParams enc = c.construct(() -> new ConvEncoderParams(t, alpha, lambda, th, b));
    GradientKind kind = c.get(EncoderSettings.GRADIENT);
    int crop = c.get(DenoiseSettings.CROP);
    double noise = c.get(DenoiseSettings.NOISE);
    long seed = c.get(DenoiseSettings.SEED);
    int epochs = c.get(DenoiseSettings.EPOCHS);
    int updates = c.get(DenoiseSettings.UPDATES);
    int batch = c.get(DenoiseSettings.BATCH_SIZE);
    Adam adam = c.construct(() -> new Adam(c.get(DenoiseSettings.ADAM_LR), c.get(TrainSettings.ADAM_BETA1),
        c.get(TrainSettings.ADAM_BETA2), c.get(DenoiseSettings.ADAM_EPS)));
    ColumnConstraint normalize = c.get(DenoiseSettings.NORMALIZE);
    boolean perColumn = c.get(DenoiseSettings.LOSS_PER_COLUMN);
    String init = c.get(DenoiseSettings.INIT);
    int partitions = c.get(DenoiseSettings.PARTITIONS);
    int depth = c.get(ExecutionSettings.AGGREGATE_DEPTH);
    ExecutionSettings.Backend backend = ExecutionSettings.backend(c, true);
    String output = c.get(TrainSettings.OUTPUT);
    double progress = c.get(DenoiseSettings.PROGRESS_SECONDS);

    if (train.isEmpty()) {
      throw c.error("train.images", "required: the training image files or folders (for example ../shared/data/bsd/CBSD432)");
    }
    if (crop < k || (crop - k) % stride != 0) {
      throw c.error("crop", "(crop - filter.size) must be a non-negative multiple of the stride " + stride
          + "; the nearest fitting crop is " + ConvGeometry.fittingSize(Math.max(crop, k), k, stride) + ", got " + crop);
    }
    Map<String, String> settings = Commands.DENOISE_TRAIN.effective(c, List.of(ExecutionSettings.BACKEND))
        .set(ExecutionSettings.KERNELS, backend.kernels())
        .set(ExecutionSettings.KERNEL_PRECISION, backend.precision())
        .toMap();
    return new DenoiseTrainParams(c.name(), train, trainLimit, test, testLimit, testEvery, testSeed, channels, k,
        stride, enc, kind, crop, noise, seed, epochs, updates, batch, adam, normalize, perColumn, init, partitions,
        depth, backend.kernels(), backend.precision(), backend.gemm(), output, progress, settings);
  }

  /**
   * The convolution backend as {@code KernelSpec.parse} reads it: {@code cpu}, {@code cuda},
   * {@code auto}, with {@code :float} for FP32 on the device, and {@code :double:own} or
   * {@code :float:cublas} when {@code cuda.gemm} is not {@code auto}.
   */
  public String backend() {
    return gemm == GemmProvider.AUTO ? kernels + (precision == Precision.FLOAT ? ":float" : "")
        : new ExecutionSettings.Backend(kernels, precision, gemm).spec();
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
