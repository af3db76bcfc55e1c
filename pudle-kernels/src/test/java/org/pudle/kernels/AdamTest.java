package org.pudle.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AdamTest {

  @Test
  void matchesHandComputedSteps() {
    Adam adam = new Adam(0.1, 0.9, 0.999, 1e-8);
    double[] theta = {1.0, -2.0};
    Adam.State s = Adam.State.initial(2);
    // step 1, g = (0.5, -4): m = 0.1 g, v = 0.001 g^2; m_hat = g, v_hat = g^2
    s = adam.step(theta, new double[] {0.5, -4.0}, s);
    assertEquals(1, s.step());
    assertEquals(0.05, s.m()[0], 1e-16);
    assertEquals(0.001 * 0.25, s.v()[0], 1e-18);
    // theta -= 0.1 * g / (|g| + 1e-8)
    assertEquals(1.0 - 0.1 * 0.5 / (0.5 + 1e-8), theta[0], 1e-15);
    assertEquals(-2.0 + 0.1 * 4.0 / (4.0 + 1e-8), theta[1], 1e-15);
    // step 2, g = (0.25, 1)
    s = adam.step(theta, new double[] {0.25, 1.0}, s);
    double m0 = 0.9 * 0.05 + 0.1 * 0.25;
    double v0 = 0.999 * 0.00025 + 0.001 * 0.0625;
    double expected0 = 1.0 - 0.1 * 0.5 / (0.5 + 1e-8)
        - 0.1 * (m0 / (1 - 0.81)) / (Math.sqrt(v0 / (1 - 0.999 * 0.999)) + 1e-8);
    assertEquals(expected0, theta[0], 1e-15);
    double m1 = 0.9 * -0.4 + 0.1 * 1.0;
    double v1 = 0.999 * 0.016 + 0.001 * 1.0;
    double expected1 = -2.0 + 0.1 * 4.0 / (4.0 + 1e-8)
        - 0.1 * (m1 / (1 - 0.81)) / (Math.sqrt(v1 / (1 - 0.999 * 0.999)) + 1e-8);
    assertEquals(expected1, theta[1], 1e-15);
    assertEquals(2, s.step());
  }

  @Test
  void epsilonMattersWhenGradientsAreTiny() {
    Adam adam = new Adam(1e-3, 0.9, 0.999, 1e-3);
    double[] theta = {0.0};
    adam.step(theta, new double[] {1e-3}, Adam.State.initial(1));
    // m_hat = 1e-3, sqrt(v_hat) = 1e-3: step = 1e-3 * 1e-3 / (1e-3 + 1e-3)
    assertEquals(-5e-4, theta[0], 1e-18);
  }

  @Test
  void rejectsBadHyperparameters() {
    assertThrows(IllegalArgumentException.class, () -> new Adam(0, 0.9, 0.999, 1e-8));
    assertThrows(IllegalArgumentException.class, () -> new Adam(1e-3, 1.0, 0.999, 1e-8));
    assertThrows(IllegalArgumentException.class, () -> new Adam(1e-3, 0.9, Double.NaN, 1e-8));
    assertThrows(IllegalArgumentException.class, () -> new Adam(1e-3, 0.9, 0.999, -1));
    Adam adam = Adam.withLearningRate(1e-3);
    assertThrows(IllegalArgumentException.class,
        () -> adam.step(new double[2], new double[3], Adam.State.initial(2)));
  }
}
