package org.pudle.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.Dictionaries.ColumnConstraint;
import org.pudle.kernels.linalg.Norms;

class DictionariesTest {

  @Test
  void normalizeAndProject() {
    double[] d = {3, 4, 0.3, 0.4};
    double[] n = d.clone();
    ColumnConstraint.NORMALIZE.apply(n, 2, 2);
    assertEquals(0.6, n[0], 1e-16);
    assertEquals(0.8, n[1], 1e-16);
    assertEquals(0.6, n[2], 1e-16);
    assertEquals(0.8, n[3], 1e-16);
    double[] pr = d.clone();
    ColumnConstraint.PROJECT.apply(pr, 2, 2);
    assertEquals(0.6, pr[0], 1e-16);
    assertEquals(0.3, pr[2], 0.0);
    double[] none = d.clone();
    ColumnConstraint.NONE.apply(none, 2, 2);
    assertEquals(3.0, none[0], 0.0);
    assertThrows(ArithmeticException.class, () -> Dictionaries.normalizeColumns(new double[] {0, 0, 1, 0}, 2, 2));
    assertThrows(IllegalArgumentException.class, () -> ColumnConstraint.parse("unit"));
  }

  @Test
  void spectralNormMatchesLapack() {
    for (int[] shape : new int[][] {{5, 9}, {30, 12}, {50, 100}}) {
      double[] a = TestData.gaussian(shape[0] * shape[1], shape[0] * 31L + shape[1]);
      double exact = Norms.singularValues(a, shape[0], shape[1])[0];
      double power = Norms.spectral(a, shape[0], shape[1]);
      assertEquals(exact, power, 1e-9 * exact, "shape " + shape[0] + "x" + shape[1]);
    }
  }

  @Test
  void relativeErrorOfKnownMatrices() {
    double[] ref = {1, 0, 0, 1};
    DictionaryError err = new DictionaryError(ref, 2, 2);
    assertEquals(1.0, err.referenceSpectralNorm(), 1e-14);
    double[] d = {1.5, 0, 0, 1.1};
    assertEquals(0.5, err.spectral(d), 1e-12);
    assertEquals(Math.sqrt(0.25 + 0.01) / Math.sqrt(2), err.frobenius(d), 1e-15);
    assertEquals(0.0, err.spectral(ref), 0.0);
  }
}
