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
      .doc("output directory (any Hadoop path): the codes (codes.format), summary.txt");

  public static final Setting<String> CODES_FORMAT = Setting.of("codes.format", "parquet", EncodeSettings::format,
      "parquet, npy, csr or csv")
      .doc("parquet (codes.parquet), npy (codes.npy, dense n x p), csr (codes-data.npy, codes-indices.npy, "
          + "codes-indptr.npy for scipy.sparse.csr_matrix) or csv (codes.csv: index, loss, z0 ...)");
  public static final Setting<Boolean> ERRORS_ONLY = Setting.bool("codes.errors.only", "false")
      .doc("write only each sample's reconstruction error 1/2 ||x - D z||^2 (errors.parquet, errors.npy or "
          + "errors.csv by codes.format), not the codes");

  public static final List<Setting<?>> ALL = List.of(DICTIONARY, MODEL, FISTA, FISTA_TOLERANCE, FISTA_ITERATIONS,
      CODES_FORMAT, ERRORS_ONLY, OUTPUT);

  private static String format(String s) {
    String f = s.trim().toLowerCase(Locale.ROOT);
    if (!List.of("parquet", "npy", "csr", "csv").contains(f)) {
      throw new IllegalArgumentException();
    }
    return f;
  }

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
