package org.pudle.kernels;

import org.pudle.kernels.linalg.Norms;

/**
 * The relative distance of a dictionary to a known reference (usually {@code D_tilde}):
 * {@code ||D - D_ref||_2 / ||D_ref||_2} (spectral) and the Frobenius analogue
 * (docs/math.md#dictionary-error).
 *
 * <p>{@code ||D_ref||_2} comes from LAPACK once; {@code ||D - D_ref||_2} comes from Lanczos
 * bidiagonalization ({@link Norms#spectral}) started from the previous call's right singular
 * vector, because in training consecutive dictionaries are close. Not thread-safe.
 */
public final class DictionaryError {
  private final double[] reference;
  private final int m;
  private final int p;
  private final double referenceSpectral;
  private final double referenceFrobenius;
  private final double[] warm;

  public DictionaryError(double[] reference, int m, int p) {
    if (reference.length != (long) m * p) {
      throw new IllegalArgumentException("reference: expected " + m + " x " + p + " entries, got " + reference.length);
    }
    this.reference = reference.clone();
    this.m = m;
    this.p = p;
    this.referenceSpectral = Norms.singularValues(reference, m, p)[0];
    this.referenceFrobenius = Norms.frobenius(reference);
    this.warm = new double[p];
  }

  /** {@code ||D - D_ref||_2 / ||D_ref||_2}. */
  public double spectral(double[] d) {
    double[] diff = Dictionaries.difference(d, reference);
    return Norms.spectral(diff, m, p, warm, 5000) / referenceSpectral;
  }

  /** {@code ||D - D_ref||_F / ||D_ref||_F}. */
  public double frobenius(double[] d) {
    return Norms.frobenius(Dictionaries.difference(d, reference)) / referenceFrobenius;
  }

  /** {@code ||D_ref||_2}. */
  public double referenceSpectralNorm() {
    return referenceSpectral;
  }
}
