package org.pudle.kernels;

import java.util.Locale;

/** The proximal step of the unfolded encoder. */
public enum ThresholdKind {
  /** {@code S(v) = sign(v) max(|v| - alpha lambda_t, 0)}. */
  SOFT,
  /** {@code HT_b(v) = v 1{|v| >= b_t}}. */
  HARD;

  /** Parses {@code soft} or {@code hard}. */
  public static ThresholdKind parse(String s) {
    switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "soft":
        return SOFT;
      case "hard":
        return HARD;
      default:
        throw new IllegalArgumentException("unknown threshold '" + s + "': expected soft or hard");
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
