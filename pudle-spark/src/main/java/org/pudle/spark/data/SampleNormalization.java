package org.pudle.spark.data;

import java.util.Locale;

/** Optional per-sample normalization, applied to each sample as it is read. */
public enum SampleNormalization {
  /** The values as read. */
  NONE("none"),
  /** Subtracts the sample's mean from each of its values (mean removal of image patches). */
  CENTER("center"),
  /** Divides the sample by its l2 norm; an all-zero sample stays zero. */
  UNIT("unit"),
  /** {@link #CENTER}, then {@link #UNIT}. */
  CENTER_UNIT("center-unit");

  private final String key;

  SampleNormalization(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }

  public static SampleNormalization parse(String s) {
    for (SampleNormalization v : values()) {
      if (v.key.equals(s.trim().toLowerCase(Locale.ROOT))) {
        return v;
      }
    }
    throw new IllegalArgumentException("unknown normalization '" + s + "'");
  }

  /** Normalizes {@code x[off .. off+m)} in place. */
  public void apply(double[] x, int off, int m) {
    if (this == NONE || m == 0) {
      return;
    }
    if (this == CENTER || this == CENTER_UNIT) {
      double mean = 0;
      for (int i = 0; i < m; i++) {
        mean += x[off + i];
      }
      mean /= m;
      for (int i = 0; i < m; i++) {
        x[off + i] -= mean;
      }
    }
    if (this == UNIT || this == CENTER_UNIT) {
      double ss = 0;
      for (int i = 0; i < m; i++) {
        ss += x[off + i] * x[off + i];
      }
      if (ss > 0) {
        double inv = 1 / Math.sqrt(ss);
        for (int i = 0; i < m; i++) {
          x[off + i] *= inv;
        }
      }
    }
  }

  @Override
  public String toString() {
    return key;
  }
}
