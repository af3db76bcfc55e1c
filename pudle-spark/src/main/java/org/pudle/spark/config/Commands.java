package org.pudle.spark.config;

import java.util.List;

/**
 * The registry of settings: the config keys of every command, each declared once (name, type,
 * default, check, documentation) in a group ({@link SyntheticSettings}, {@link EncoderSettings},
 * ...). Parsing, {@code --keys}, {@code run.properties}, the Spark ML defaults ({@link SparkMlParams})
 * and {@code docs/configuration.md} ({@link ConfigurationReference}) all come from here.
 */
public final class Commands {
  private Commands() {}

  /** {@code pudle train}. */
  public static final CommandSettings TRAIN = new CommandSettings("train",
      "Dictionary learning on synthetic data or on samples from files.",
      SyntheticSettings.ALL, EncoderSettings.TRAIN, TrainSettings.LEARNING, MethodSettings.ALL, ExecutionSettings.ALL,
      TrainSettings.REPORTING, InputSettings.ALL, TransformSettings.ALL, DictionarySettings.ALL);

  /** {@code pudle compare}: its own keys, then every key of {@code train}, shared by the runs. */
  public static final CommandSettings COMPARE = new CommandSettings("compare",
      "Several learning runs on the same synthetic data; every train key is shared by the runs unless a run "
          + "overrides it.",
      TRAIN, CompareSettings.ALL);

  /** {@code pudle study}. */
  public static final CommandSettings STUDY = new CommandSettings("study",
      "The gradient-error study over a grid of depths on synthetic data.",
      SyntheticSettings.ALL, List.of(StudySettings.T, EncoderSettings.LAMBDA, StudySettings.ALPHA), StudySettings.ALL);

  /** {@code pudle encode}. */
  public static final CommandSettings ENCODE = new CommandSettings("encode",
      "Sparse codes of samples from files under a dictionary.",
      InputSettings.ALL, List.of(InputSettings.DIMENSION), EncodeSettings.ALL, EncoderSettings.ALL,
      ExecutionSettings.ALL);

  /** {@code pudle reconstruct}. */
  public static final CommandSettings RECONSTRUCT = new CommandSettings("reconstruct",
      "Images rebuilt from their overlapping patches coded under a train run's model, with their PSNR.",
      ReconstructSettings.ALL, ReconstructSettings.ENCODER, ExecutionSettings.ALL);

  /** {@code pudle denoise-train}. */
  public static final CommandSettings DENOISE_TRAIN = new CommandSettings("denoise-train",
      "The supervised convolutional denoiser.",
      DenoiseSettings.ALL);

  /** Every command with a config, in the order of the configuration reference. */
  public static final List<CommandSettings> ALL = List.of(TRAIN, COMPARE, STUDY, ENCODE, RECONSTRUCT,
      DENOISE_TRAIN);

  /** The command named {@code name}, or null. */
  public static CommandSettings named(String name) {
    for (CommandSettings c : ALL) {
      if (c.command().equals(name)) {
        return c;
      }
    }
    return null;
  }
}
