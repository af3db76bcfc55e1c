package org.pudle.spark.data;

import java.io.Serializable;

/**
 * A block of samples: the columns of a column-major m x cols matrix, with the global index of
 * its first sample. Synthetic blocks also carry their true codes (k per sample, sparse).
 *
 * @param first     the global index of the first column
 * @param x         the samples, length {@code m * cols}
 * @param k         non-zeros per true code, or 0 when the codes are unknown
 * @param support   the true supports, {@code k * cols} entries, or null
 * @param amplitude the true amplitudes matching {@code support}, or null
 */
public record SampleBlock(long first, int m, int cols, double[] x, int k, int[] support, double[] amplitude)
    implements Serializable {

  public SampleBlock {
    if (x.length != (long) m * cols) {
      throw new IllegalArgumentException("block: expected " + m + " x " + cols + " values, got " + x.length);
    }
  }

  /** A block without true codes. */
  public static SampleBlock of(long first, int m, int cols, double[] x) {
    return new SampleBlock(first, m, cols, x, 0, null, null);
  }

  /** Whether the generating codes are known. */
  public boolean hasTrueCodes() {
    return support != null;
  }
}
