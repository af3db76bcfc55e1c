package org.pudle.spark.config;

import java.util.List;
import java.util.Locale;

/** The keys of {@code pudle encode} besides the input, encoder and execution keys ({@link EncodeParams}). */
public final class EncodeSettings {
  private EncodeSettings() {}

  public static final Setting<String> DICTIONARY = Setting.text("dictionary", null)
      .withDefault(null, "(required)")
      .doc("the dictionary: .npy or CSV, m x p (a train run's dictionary.npy)");
  public static final Setting<String> MODEL = Setting.text("model", null)
      .doc("a train run's model directory (OUTPUT/model): the dictionary, the encoder (T, lambda, alpha, threshold, "
          + "ht.b, lambda.decay) and the data transform (patches, input.normalize, input.scale), as defaults of "
          + "these keys; dictionary must then be left out");
  public static final Setting<Boolean> FISTA = Setting.of("encoder", "unfolded", EncodeSettings::fista,
      "unfolded or fista")
      .format(f -> f ? "fista" : "unfolded")
      .doc("unfolded (T layers of ISTA, the encoder of training) or fista (the lasso to the KKT tolerance)");
  public static final Setting<Double> FISTA_TOLERANCE = Setting.real("fista.tolerance", "1e-10")
      .check(v -> v > 0 && !v.isInfinite(), "a positive tolerance")
      .doc("FISTA: the KKT residual every code must reach");
  public static final Setting<Integer> FISTA_ITERATIONS = Setting.integer("fista.iterations", "20000")
      .check(v -> v >= 1, "a positive count")
      .doc("FISTA: the iteration cap (codes above the tolerance are counted and reported)");
  public static final Setting<String> OUTPUT = TrainSettings.OUTPUT
      .derived("runs/<config name>-codes", c -> "runs/" + c.name() + "-codes")
      .doc("output directory (any Hadoop path): codes.parquet, summary.txt");

  public static final List<Setting<?>> ALL = List.of(DICTIONARY, MODEL, FISTA, FISTA_TOLERANCE, FISTA_ITERATIONS, OUTPUT);

  private static boolean fista(String s) {
    switch (s.toLowerCase(Locale.ROOT)) {
      case "unfolded":
        return false;
      case "fista":
        return true;
      default:
        throw new IllegalArgumentException();
    }
  }
}
