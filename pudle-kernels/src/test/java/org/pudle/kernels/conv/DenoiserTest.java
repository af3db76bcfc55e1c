package org.pudle.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DenoiserTest {

  @Test
  void mirrorReflectsWithoutRepeatingTheEdge() {
    // numpy.pad([0 1 2 3], (0, 6), mode="reflect") = 0 1 2 3 2 1 0 1 2 3
    int[] expected = {0, 1, 2, 3, 2, 1, 0, 1, 2, 3};
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], Denoiser.mirror(i, 4));
    }
    assertEquals(0, Denoiser.mirror(5, 1));
  }

  @Test
  void imagesTheFiltersDoNotFitArePaddedByReflectionAndCroppedBack() {
    ConvEncoderParams e = new ConvEncoderParams(3, 0.1, 0.05, ConvThreshold.SOFT, 0);
    double[] w = ConvFilters.random(5, 3, 1);
    // 12 x 10 does not fit 5 x 5 filters with stride 2; the nearest fitting size is 13 x 11
    int h = 12;
    int wd = 10;
    double[][] p = ConvUnfoldedIstaCpuTest.pair(new ConvGeometry(1, 1, 1, h, wd), 4);
    double[] noisy = p[0];
    double[] got = new double[h * wd];
    new Denoiser(new ConvUnfoldedIstaCpu(w, 5, 2, 3, e)).denoise(noisy, h, wd, got);

    double[] padded = new double[13 * 11];
    for (int y = 0; y < 13; y++) {
      for (int x = 0; x < 11; x++) {
        // row 12 reflects row 10, column 10 reflects column 8
        padded[y * 11 + x] = noisy[(y < h ? y : 2 * (h - 1) - y) * wd + (x < wd ? x : 2 * (wd - 1) - x)];
      }
    }
    ConvGeometry g = new ConvGeometry(5, 2, 3, 13, 11);
    double[] full = ReferenceConvIsta.synthesis(w, g, new ReferenceConvIsta(w, g, e).encode(padded));
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < wd; x++) {
        double v = full[y * 11 + x];
        double expected = Math.max(0, Math.min(1, v));
        assertEquals(expected, got[y * wd + x], 1e-12, "pixel " + y + ", " + x);
      }
    }
    assertTrue(got[0] >= 0 && got[0] <= 1);
  }
}
