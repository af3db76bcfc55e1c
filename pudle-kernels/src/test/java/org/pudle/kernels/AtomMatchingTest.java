package org.pudle.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;

class AtomMatchingTest {

  private static double total(double[] cost, int n, int[] a) {
    double s = 0;
    for (int j = 0; j < n; j++) {
      s += cost[j * n + a[j]];
    }
    return s;
  }

  /** The least total cost over all n! assignments. */
  private static double bruteForce(double[] cost, int n, int[] perm, int k) {
    if (k == n) {
      return total(cost, n, perm);
    }
    double best = Double.POSITIVE_INFINITY;
    for (int i = k; i < n; i++) {
      int t = perm[k];
      perm[k] = perm[i];
      perm[i] = t;
      best = Math.min(best, bruteForce(cost, n, perm, k + 1));
      perm[i] = perm[k];
      perm[k] = t;
    }
    return best;
  }

  @Test
  void hungarianFindsTheLeastCostAssignment() {
    SplittableRandom rng = new SplittableRandom(3);
    for (int trial = 0; trial < 40; trial++) {
      int n = 1 + trial % 7;
      double[] cost = new double[n * n];
      for (int i = 0; i < cost.length; i++) {
        // ties (integers) and negative costs included
        cost[i] = trial % 2 == 0 ? rng.nextInt(5) - 2 : rng.nextGaussian();
      }
      int[] a = AtomMatching.assignment(cost, n);
      boolean[] seen = new boolean[n];
      for (int j : a) {
        assertTrue(!seen[j], "column " + j + " assigned twice");
        seen[j] = true;
      }
      int[] perm = new int[n];
      for (int i = 0; i < n; i++) {
        perm[i] = i;
      }
      assertEquals(bruteForce(cost, n, perm, 0), total(cost, n, a), 1e-12, "trial " + trial + ", n = " + n);
    }
  }

  /** Permuted and sign-flipped atoms are put back exactly. */
  @Test
  void undoesAPermutationWithSignFlips() {
    int m = 20;
    int p = 35;
    SyntheticModel model = new SyntheticModel(m, p, 3, 2, SignMode.PER_SAMPLE, 0);
    double[] ref = model.dictionaryTilde();
    double[] near = model.initialDictionary(ref, 0.4);
    SplittableRandom rng = new SplittableRandom(8);
    int[] pi = new int[p];
    for (int i = 0; i < p; i++) {
      pi[i] = i;
    }
    for (int i = p - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = pi[i];
      pi[i] = pi[j];
      pi[j] = t;
    }
    double[] shuffled = new double[m * p];
    double[] flip = new double[p];
    for (int j = 0; j < p; j++) {
      flip[j] = rng.nextBoolean() ? 1 : -1;
      for (int r = 0; r < m; r++) {
        shuffled[pi[j] * m + r] = flip[j] * near[j * m + r];
      }
    }
    AtomMatching.Result res = AtomMatching.match(shuffled, ref, m, p);
    assertArrayEquals(pi, res.assignment());
    assertArrayEquals(flip, res.signs(), 0.0);
    assertArrayEquals(near, res.matched(), 0.0);
    DictionaryError err = new DictionaryError(ref, m, p);
    assertTrue(err.spectral(shuffled) > 1, "unmatched, the error is large: " + err.spectral(shuffled));
    assertEquals(err.spectral(near), err.spectral(res.matched()), 1e-12);
  }

  @Test
  void rejectsBadShapesAndCosts() {
    assertThrows(IllegalArgumentException.class, () -> AtomMatching.match(new double[6], new double[4], 2, 3));
    var e = assertThrows(IllegalArgumentException.class,
        () -> AtomMatching.assignment(new double[] {0, Double.NaN, 1, 2}, 2));
    assertTrue(e.getMessage().contains("finite"), e.getMessage());
  }
}
