package org.pudle.spark.config;

import java.util.List;
import java.util.Locale;

/** The keys of the initial and reference dictionaries and of checkpoints ({@link DictionarySources}). */
public final class DictionarySettings {
  private DictionarySettings() {}

  public static final Setting<String> INIT = Setting.of("init", null, DictionarySettings::init, "samples, random or a file")
      .withDefault(null, "D0 (synthetic), samples (files)")
      .doc("initial dictionary: samples (p random samples, unit norm), random (Gaussian, unit columns) or a file "
          + "(.npy, or CSV of m lines of p values)");
  public static final Setting<String> REFERENCE = Setting.of("reference", null,
      s -> s.equalsIgnoreCase(DictionarySources.NONE) ? DictionarySources.NONE : s, "none or a file")
      .withDefault(null, "D_tilde (synthetic), none (files)")
      .doc("dictionary the error is measured against: a file (.npy or CSV, m x p) or none");
  public static final Setting<Integer> CHECKPOINT_EVERY = Setting.integer("checkpoint.every", "100")
      .check(v -> v >= 0, "0 (no checkpoints) or a positive number of updates")
      .doc("updates between checkpoints (D, Adam state, update count) in output/checkpoint, and one after the last "
          + "update; 0 = none");

  public static final List<Setting<?>> ALL = List.of(INIT, REFERENCE, CHECKPOINT_EVERY);

  private static String init(String s) {
    String lower = s.toLowerCase(Locale.ROOT);
    return lower.equals(DictionarySources.SAMPLES) || lower.equals(DictionarySources.RANDOM) ? lower : s;
  }
}
