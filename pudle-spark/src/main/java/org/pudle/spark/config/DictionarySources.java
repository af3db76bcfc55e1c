package org.pudle.spark.config;

import java.util.List;
import java.util.Locale;

/**
 * Where the initial dictionary and the reference of the error come from, and how often a run
 * saves a checkpoint.
 *
 * @param init            null (the default: D0 of the synthetic model, or {@code samples} for
 *                        input files), {@code samples}, {@code random}, or a file (.npy or CSV, m x p)
 * @param reference       null (the default: D_tilde of synthetic data, none for input files),
 *                        {@code none}, or a file (.npy or CSV, m x p)
 * @param checkpointEvery updates between checkpoints; 0 for none
 */
public record DictionarySources(String init, String reference, int checkpointEvery) {
  public static final String SAMPLES = "samples";
  public static final String RANDOM = "random";
  public static final String NONE = "none";

  public static final List<KeyDoc> KEYS = List.of(
      new KeyDoc("init", "D0 (synthetic), samples (files)", "initial dictionary: samples (p random samples, unit norm), random (Gaussian, unit columns) or a file (.npy, or CSV of m lines of p values)"),
      new KeyDoc("reference", "D_tilde (synthetic), none (files)", "dictionary the error is measured against: a file (.npy or CSV, m x p) or none"),
      new KeyDoc("checkpoint.every", "100", "updates between checkpoints (D, Adam state, update count) in output/checkpoint, and one after the last update; 0 = none"));

  public static DictionarySources from(Config c) {
    String init = c.string("init", null);
    String reference = c.string("reference", null);
    int every = c.integer("checkpoint.every", 100);
    if (every < 0) {
      throw c.error("checkpoint.every", "expected 0 (no checkpoints) or a positive number of updates, got " + every);
    }
    if (init != null && (init.toLowerCase(Locale.ROOT).equals(SAMPLES) || init.toLowerCase(Locale.ROOT).equals(RANDOM))) {
      init = init.toLowerCase(Locale.ROOT);
    }
    if (reference != null && reference.equalsIgnoreCase(NONE)) {
      reference = NONE;
    }
    return new DictionarySources(init, reference, every);
  }

  /** Whether {@code init} names a file. */
  public boolean initFromFile() {
    return init != null && !init.equals(SAMPLES) && !init.equals(RANDOM);
  }

  /** Whether {@code reference} names a file. */
  public boolean referenceFromFile() {
    return reference != null && !reference.equals(NONE);
  }
}
