package org.pudle.kernels.data;

/** Derivation of independent random streams from one user seed. */
public final class Seeds {
  private Seeds() {}

  /** Stream of the generating dictionary D_tilde. */
  public static final long DICTIONARY = 0x44544C44L;
  /** Stream of the perturbation B of the initial dictionary. */
  public static final long PERTURBATION = 0x42504552L;
  /** Stream family of the samples (one stream per sample index). */
  public static final long SAMPLES = 0x53414D50L;
  /** Stream family of the mini-batch permutations (one per epoch). */
  public static final long BATCHES = 0x42415443L;
  /** Stream family of the held-out draw of {@code validation.fraction} (one value per sample index). */
  public static final long VALIDATION = 0x56414C49L;

  /** A well-mixed 64-bit value of (seed, stream, index): Stafford's mix13 of a Weyl step. */
  public static long derive(long seed, long stream, long index) {
    long z = seed * 0x9E3779B97F4A7C15L + stream;
    z = mix(z) + index * 0xBF58476D1CE4E5B9L;
    return mix(z);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
