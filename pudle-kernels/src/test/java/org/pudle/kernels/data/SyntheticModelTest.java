package org.pudle.kernels.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.linalg.Norms;

class SyntheticModelTest {

  @Test
  void dictionariesAreReproducibleAndNormalized() {
    SyntheticModel a = new SyntheticModel(10, 20, 3, 42, SignMode.NONE, 0);
    SyntheticModel b = new SyntheticModel(10, 20, 3, 42, SignMode.PER_ENTRY, 0.1);
    double[] d = a.dictionaryTilde();
    assertArrayEquals(d, b.dictionaryTilde(), 0.0);
    assertNotEquals(d[0], new SyntheticModel(10, 20, 3, 43, SignMode.NONE, 0).dictionaryTilde()[0]);
    for (int j = 0; j < 20; j++) {
      assertEquals(1.0, Norms.frobenius(d, j * 10, 10), 1e-15);
    }
    double[] d0 = a.initialDictionary(d, 0.5);
    assertArrayEquals(d0, b.initialDictionary(d, 0.5), 0.0);
    for (int j = 0; j < 20; j++) {
      assertEquals(1.0, Norms.frobenius(d0, j * 10, 10), 1e-15);
    }
    assertArrayEquals(d, a.initialDictionary(d, 0.0), 1e-15);
  }

  @Test
  void samplesFollowTheModelAndDependOnlyOnTheirIndex() {
    int m = 12;
    int p = 30;
    int k = 4;
    for (SignMode mode : SignMode.values()) {
      SyntheticModel model = new SyntheticModel(m, p, k, 7, mode, 0);
      double[] d = model.dictionaryTilde();
      int n = 50;
      double[] x = new double[m * n];
      int[] s = new int[k * n];
      double[] amp = new double[k * n];
      model.generate(d, 1000, n, x, 0, s, amp);
      boolean sawNegative = false;
      for (int c = 0; c < n; c++) {
        Set<Integer> distinct = new HashSet<>();
        double firstSign = Math.signum(amp[c * k]);
        for (int j = 0; j < k; j++) {
          assertTrue(s[c * k + j] >= 0 && s[c * k + j] < p);
          if (j > 0) {
            assertTrue(s[c * k + j] > s[c * k + j - 1], "support sorted and distinct");
          }
          distinct.add(s[c * k + j]);
          double a = Math.abs(amp[c * k + j]);
          assertTrue(a >= 1 && a < 2);
          sawNegative |= amp[c * k + j] < 0;
          if (mode == SignMode.PER_SAMPLE) {
            assertEquals(firstSign, Math.signum(amp[c * k + j]));
          }
        }
        assertEquals(k, distinct.size());
        // x = D_tilde z_tilde
        for (int i = 0; i < m; i++) {
          double xi = 0;
          for (int j = 0; j < k; j++) {
            xi += amp[c * k + j] * d[i + s[c * k + j] * m];
          }
          assertEquals(xi, x[c * m + i], 1e-14);
        }
      }
      assertEquals(mode != SignMode.NONE, sawNegative, mode.toString());
      // the same samples, generated as a different range
      double[] tail = new double[m * 20];
      model.generate(d, 1030, 20, tail, 0, null, null);
      for (int i = 0; i < tail.length; i++) {
        assertEquals(x[30 * m + i], tail[i], 0.0);
      }
    }
  }

  @Test
  void supportsAreUniform() {
    int p = 10;
    int k = 3;
    SyntheticModel model = new SyntheticModel(4, p, k, 3, SignMode.NONE, 0);
    int n = 20000;
    int[] s = new int[k * n];
    model.generate(model.dictionaryTilde(), 0, n, new double[4 * n], 0, s, null);
    int[] counts = new int[p];
    for (int v : s) {
      counts[v]++;
    }
    double expected = (double) n * k / p;
    for (int c : counts) {
      // 6 standard deviations of a binomial count
      assertEquals(expected, c, 6 * Math.sqrt(expected));
    }
  }

  @Test
  void noiseIsAddedWithTheRequestedScale() {
    SyntheticModel clean = new SyntheticModel(50, 60, 3, 5, SignMode.NONE, 0);
    SyntheticModel noisy = new SyntheticModel(50, 60, 3, 5, SignMode.NONE, 0.1);
    double[] d = clean.dictionaryTilde();
    int n = 400;
    double[] a = new double[50 * n];
    double[] b = new double[50 * n];
    clean.generate(d, 0, n, a, 0, null, null);
    noisy.generate(d, 0, n, b, 0, null, null);
    double ss = 0;
    for (int i = 0; i < a.length; i++) {
      ss += (a[i] - b[i]) * (a[i] - b[i]);
    }
    assertEquals(0.1, Math.sqrt(ss / a.length), 0.005);
  }

  @Test
  void rejectsBadShapes() {
    assertThrows(IllegalArgumentException.class, () -> new SyntheticModel(10, 5, 6, 1, SignMode.NONE, 0));
    assertThrows(IllegalArgumentException.class, () -> new SyntheticModel(10, 5, 0, 1, SignMode.NONE, 0));
    assertThrows(IllegalArgumentException.class, () -> new SyntheticModel(0, 5, 1, 1, SignMode.NONE, 0));
    assertThrows(IllegalArgumentException.class, () -> new SyntheticModel(10, 5, 1, 1, SignMode.NONE, -1));
    assertThrows(IllegalArgumentException.class, () -> SignMode.parse("both"));
  }
}
