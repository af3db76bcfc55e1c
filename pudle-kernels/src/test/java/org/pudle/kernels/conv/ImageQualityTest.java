package org.pudle.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ImageQualityTest {

  @Test
  void psnrMatchesAHandComputation() {
    double[] ref = {0.5, 0.5, 0.5, 0.5};
    double[] est = {0.6, 0.4, 0.5, 0.7};
    // mse = (0.01 + 0.01 + 0 + 0.04) / 4 = 0.015; 10 log10(1 / 0.015) = 10 log10(66.666...)
    assertEquals(0.015, ImageQuality.mse(ref, est, 4), 1e-16);
    assertEquals(18.239087409443187, ImageQuality.psnr(ref, est, 4, 1.0), 1e-12);
    // one gray level off everywhere on an 8-bit image: 20 log10(255) dB
    double[] a = new double[64];
    double[] b = new double[64];
    for (int i = 0; i < 64; i++) {
      a[i] = (i * 3) / 255.0;
      b[i] = (i * 3 + (i % 2 == 0 ? 1 : -1)) / 255.0;
    }
    assertEquals(48.13080360867910, ImageQuality.psnr(a, b, 64, 1.0), 1e-9);
    // on the 0..255 scale with peak 255: the same number
    for (int i = 0; i < 64; i++) {
      a[i] *= 255;
      b[i] *= 255;
    }
    assertEquals(48.13080360867910, ImageQuality.psnr(a, b, 64, 255.0), 1e-9);
    assertEquals(Double.POSITIVE_INFINITY, ImageQuality.psnr(a, a, 64, 1.0));
    assertThrows(IllegalArgumentException.class, () -> ImageQuality.psnr(a, b, 65, 1.0));
  }

  @Test
  void clampKeepsTheRange() {
    double[] x = {-0.2, 0.3, 1.7, Double.NaN};
    ImageQuality.clamp(x, 3, 0, 1);
    assertEquals(0.0, x[0]);
    assertEquals(0.3, x[1]);
    assertEquals(1.0, x[2]);
  }
}
