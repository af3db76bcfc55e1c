package org.pudle.spark.config;

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

  /** Reads the keys of {@link DictionarySettings}. */
  public static DictionarySources from(Config c) {
    return new DictionarySources(c.get(DictionarySettings.INIT), c.get(DictionarySettings.REFERENCE),
        c.get(DictionarySettings.CHECKPOINT_EVERY));
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
