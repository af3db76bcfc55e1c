package org.pudle.spark.config;

import java.util.List;

/**
 * The params of the Spark ML estimator ({@code PudleDictionaryLearning}) and model
 * ({@code PudleModel}) that mirror a config key: their defaults are the key's default, taken from
 * the registry, so that the estimator and {@code pudle train} start from the same settings.
 */
public final class SparkMlParams {
  private SparkMlParams() {}

  /**
   * A Spark ML param and the config key it mirrors.
   *
   * @param param   the param's name
   * @param setting the config key
   */
  public record Mirror(String param, Setting<?> setting) {
    /** The default as a Spark param holds it: a number as itself, anything else as its config text. */
    public Object defaultValue() {
      return value(setting);
    }

    private static <T> Object value(Setting<T> s) {
      T v = s.defaultValue();
      if (v == null) {
        throw new IllegalStateException("config key " + s.name() + " has no default to mirror");
      }
      return v instanceof Number || v instanceof Boolean ? v : s.format(v);
    }
  }

  /** The config key that the param {@code param} mirrors, or null when it mirrors none. */
  public static Setting<?> settingOf(String param) {
    for (Mirror m : MIRRORS) {
      if (m.param().equals(param)) {
        return m.setting();
      }
    }
    return null;
  }

  public static final List<Mirror> MIRRORS = List.of(
      new Mirror("numAtoms", SyntheticSettings.P),
      new Mirror("seed", SyntheticSettings.SEED),
      new Mirror("numLayers", EncoderSettings.T),
      new Mirror("lambda", EncoderSettings.LAMBDA),
      new Mirror("alpha", EncoderSettings.ALPHA),
      new Mirror("threshold", EncoderSettings.THRESHOLD),
      new Mirror("hardThreshold", EncoderSettings.HT_B),
      new Mirror("lambdaDecay", EncoderSettings.LAMBDA_DECAY),
      new Mirror("gradient", EncoderSettings.GRADIENT),
      new Mirror("maxIter", TrainSettings.UPDATES),
      new Mirror("batchSize", TrainSettings.BATCH_SIZE),
      new Mirror("validationFraction", TrainSettings.VALIDATION_FRACTION),
      new Mirror("stepSize", TrainSettings.ADAM_LR),
      new Mirror("adamEps", TrainSettings.ADAM_EPS),
      new Mirror("adamBeta1", TrainSettings.ADAM_BETA1),
      new Mirror("adamBeta2", TrainSettings.ADAM_BETA2),
      new Mirror("constraint", TrainSettings.NORMALIZE),
      new Mirror("decayStep", TrainSettings.LAMBDA_DECAY_STEP),
      new Mirror("decayEvery", TrainSettings.LAMBDA_DECAY_EVERY),
      new Mirror("method", MethodSettings.METHOD),
      new Mirror("altminEta", MethodSettings.ALTMIN_ETA),
      new Mirror("lassoTol", MethodSettings.LASSO_TOLERANCE),
      new Mirror("lassoMaxIter", MethodSettings.LASSO_MAX_ITERATIONS),
      new Mirror("noodlEta", MethodSettings.NOODL_ETA),
      new Mirror("noodlEtaX", MethodSettings.NOODL_ETA_X),
      new Mirror("noodlTau", MethodSettings.NOODL_TAU),
      new Mirror("noodlC", MethodSettings.NOODL_C),
      new Mirror("noodlTol", MethodSettings.NOODL_TOLERANCE),
      new Mirror("noodlMaxIter", MethodSettings.NOODL_MAX_ITERATIONS),
      new Mirror("blockSize", ExecutionSettings.BLOCK_SIZE),
      new Mirror("aggregationDepth", ExecutionSettings.AGGREGATE_DEPTH),
      new Mirror("kernels", ExecutionSettings.KERNELS),
      new Mirror("kernelPrecision", ExecutionSettings.KERNEL_PRECISION),
      new Mirror("cudaGemm", ExecutionSettings.CUDA_GEMM),
      new Mirror("kernelLayers", ExecutionSettings.KERNEL_LAYERS));
}
