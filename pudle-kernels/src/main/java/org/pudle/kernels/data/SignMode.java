package org.pudle.kernels.data;

import java.util.Locale;

/** The signs of the non-zero code amplitudes of synthetic samples (docs/math.md#synthetic-data). */
public enum SignMode {
  /** All amplitudes positive, as the paper states. */
  NONE("none"),
  /** One random sign per sample shared by its non-zeros, as the authors' code does. */
  PER_SAMPLE("per-sample"),
  /** An independent random sign per non-zero. */
  PER_ENTRY("per-entry");

  private final String key;

  SignMode(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }

  public static SignMode parse(String s) {
    String k = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (SignMode mode : values()) {
      if (mode.key.equals(k)) {
        return mode;
      }
    }
    throw new IllegalArgumentException("unknown sign mode '" + s + "': expected none, per-sample or per-entry");
  }

  @Override
  public String toString() {
    return key;
  }
}
