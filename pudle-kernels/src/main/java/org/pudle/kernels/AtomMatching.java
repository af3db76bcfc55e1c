package org.pudle.kernels;

import java.util.Arrays;

import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.linalg.Norms;

/**
 * Matches the atoms of a dictionary to those of a reference up to permutation and sign
 * (docs/math.md#dictionary-error: the error "after matching atoms up to permutation and sign",
 * for learning from a far initialisation, where atoms may swap places or flip).
 *
 * <p>Reference atom {@code r_j} is paired with atom {@code d_{pi(j)}} by the assignment that
 * maximizes {@code sum_j |cos(r_j, d_pi(j))|}, found exactly by the Hungarian algorithm
 * (Kuhn-Munkres with potentials, O(p^3)); the matched dictionary has columns
 * {@code s_j d_pi(j)} with {@code s_j = sign <r_j, d_pi(j)>} (+1 for 0).
 */
public final class AtomMatching {
  private AtomMatching() {}

  /**
   * @param assignment reference atom j is matched with atom {@code assignment[j]} of D
   * @param signs      the sign applied to that atom
   * @param matched    D with its atoms reordered and flipped to line up with the reference, m x p
   */
  public record Result(int[] assignment, double[] signs, double[] matched) {}

  /**
   * Matches the atoms of {@code d} to those of {@code reference}.
   *
   * @param d         m x p column-major; not modified
   * @param reference m x p column-major; not modified
   */
  public static Result match(double[] d, double[] reference, int m, int p) {
    if (d.length != (long) m * p || reference.length != (long) m * p) {
      throw new IllegalArgumentException("dictionaries: expected " + m + " x " + p + " entries, got " + d.length
          + " and " + reference.length);
    }
    // C = R^T D (p x p): correlations of reference atom j (row) with atom i (column)
    double[] c = new double[p * p];
    Blas.blas().dgemm("T", "N", p, p, m, 1.0, reference, 0, m, d, 0, m, 0.0, c, 0, p);
    double[] rn = new double[p];
    double[] dn = new double[p];
    for (int j = 0; j < p; j++) {
      rn[j] = Norms.frobenius(reference, j * m, m);
      dn[j] = Norms.frobenius(d, j * m, m);
    }
    double[] cost = new double[p * p];
    for (int i = 0; i < p; i++) {
      for (int j = 0; j < p; j++) {
        double den = rn[j] * dn[i];
        // row j, column i; a zero atom matches nothing better than anything else
        cost[j * p + i] = den > 0 ? -Math.abs(c[j + i * p]) / den : 0.0;
      }
    }
    int[] assignment = assignment(cost, p);
    double[] signs = new double[p];
    double[] matched = new double[m * p];
    for (int j = 0; j < p; j++) {
      int i = assignment[j];
      signs[j] = c[j + i * p] < 0 ? -1.0 : 1.0;
      for (int r = 0; r < m; r++) {
        matched[j * m + r] = signs[j] * d[i * m + r];
      }
    }
    return new Result(assignment, signs, matched);
  }

  /**
   * The assignment of least total cost: row j gets column {@code result[j]}, each column once.
   * The Hungarian algorithm with row and column potentials and shortest augmenting paths.
   *
   * @param cost n x n, row-major; finite; not modified
   */
  public static int[] assignment(double[] cost, int n) {
    if (cost.length != (long) n * n) {
      throw new IllegalArgumentException("cost: expected " + n + " x " + n + " entries, got " + cost.length);
    }
    for (double v : cost) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException("cost: expected finite entries, got " + v);
      }
    }
    // 1-based rows and columns; column 0 is the virtual start of each augmenting path
    double[] u = new double[n + 1];
    double[] v = new double[n + 1];
    int[] rowOf = new int[n + 1];
    int[] way = new int[n + 1];
    double[] minv = new double[n + 1];
    boolean[] used = new boolean[n + 1];
    for (int row = 1; row <= n; row++) {
      rowOf[0] = row;
      int j0 = 0;
      Arrays.fill(minv, Double.POSITIVE_INFINITY);
      Arrays.fill(used, false);
      do {
        used[j0] = true;
        int i0 = rowOf[j0];
        double delta = Double.POSITIVE_INFINITY;
        int j1 = 0;
        for (int j = 1; j <= n; j++) {
          if (!used[j]) {
            double cur = cost[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
            if (cur < minv[j]) {
              minv[j] = cur;
              way[j] = j0;
            }
            if (minv[j] < delta) {
              delta = minv[j];
              j1 = j;
            }
          }
        }
        for (int j = 0; j <= n; j++) {
          if (used[j]) {
            u[rowOf[j]] += delta;
            v[j] -= delta;
          } else {
            minv[j] -= delta;
          }
        }
        j0 = j1;
      } while (rowOf[j0] != 0);
      do {
        int j1 = way[j0];
        rowOf[j0] = rowOf[j1];
        j0 = j1;
      } while (j0 != 0);
    }
    int[] result = new int[n];
    for (int j = 1; j <= n; j++) {
      result[rowOf[j] - 1] = j - 1;
    }
    return result;
  }
}
