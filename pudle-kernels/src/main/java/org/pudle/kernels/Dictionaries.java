package org.pudle.kernels;

import java.util.Locale;

import org.pudle.kernels.linalg.Norms;

/** Column constraints and distances of dictionaries (m x p, column-major). */
public final class Dictionaries {
  private Dictionaries() {}

  /** What to do to the columns after each update (docs/math.md#the-model: feasible set ||D_j|| <= 1). */
  public enum ColumnConstraint {
    /** {@code D_j <- D_j / ||D_j||}: what the authors' code does. */
    NORMALIZE,
    /** {@code D_j <- D_j / max(||D_j||, 1)}: projection onto the feasible set. */
    PROJECT,
    /** Leave the columns alone. */
    NONE;

    public static ColumnConstraint parse(String s) {
      switch (s.trim().toLowerCase(Locale.ROOT)) {
        case "normalize":
          return NORMALIZE;
        case "project":
          return PROJECT;
        case "none":
          return NONE;
        default:
          throw new IllegalArgumentException("unknown column constraint '" + s + "': expected normalize, project or none");
      }
    }

    /** Applies the constraint to {@code d} in place. */
    public void apply(double[] d, int m, int p) {
      switch (this) {
        case NORMALIZE:
          normalizeColumns(d, m, p);
          break;
        case PROJECT:
          projectColumns(d, m, p);
          break;
        default:
          break;
      }
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Scales every column to unit Euclidean norm, in place.
   *
   * @throws ArithmeticException when a column is zero or not finite
   */
  public static void normalizeColumns(double[] d, int m, int p) {
    for (int j = 0; j < p; j++) {
      double n = Norms.frobenius(d, j * m, m);
      if (!(n > 0) || !Double.isFinite(n)) {
        throw new ArithmeticException("dictionary column " + j + " has norm " + n + " and cannot be normalized");
      }
      for (int i = j * m; i < (j + 1) * m; i++) {
        d[i] /= n;
      }
    }
  }

  /** {@code D_j <- D_j / max(||D_j||, 1)}, in place. */
  public static void projectColumns(double[] d, int m, int p) {
    for (int j = 0; j < p; j++) {
      double n = Norms.frobenius(d, j * m, m);
      if (n > 1) {
        for (int i = j * m; i < (j + 1) * m; i++) {
          d[i] /= n;
        }
      }
    }
  }

  /** {@code D - reference}, a new array. */
  public static double[] difference(double[] d, double[] reference) {
    if (d.length != reference.length) {
      throw new IllegalArgumentException("dictionaries differ in size: " + d.length + " vs " + reference.length);
    }
    double[] out = new double[d.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = d[i] - reference[i];
    }
    return out;
  }

  /** {@code ||D - reference||_F / ||reference||_F}. */
  public static double relativeFrobeniusError(double[] d, double[] reference) {
    return Norms.frobenius(difference(d, reference)) / Norms.frobenius(reference);
  }
}
