package org.pudle.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class CropSamplerTest {

  /** An 8-bit image whose pixel value encodes its position, so a crop tells where it came from. */
  private static GrayImage ramp(int h, int w, long index) {
    short[] s = new short[h * w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        s[y * w + x] = (short) ((7 * y + 3 * x) % 256);
      }
    }
    return new GrayImage("ramp" + index, index, h, w, 255, s);
  }

  @Test
  void cropsAreWindowsOfTheImageFlippedAndReproducible() {
    GrayImage img = ramp(40, 50, 3);
    CropSampler sampler = new CropSampler(9, 0, 17);
    double[] clean = new double[81];
    double[] noisy = new double[81];
    Set<String> flips = new HashSet<>();
    for (long u = 0; u < 40; u++) {
      sampler.sample(img, u, clean, noisy);
      assertArrayEquals(clean, noisy, 0.0, "no noise at sigma 0");
      // find the window and the flips that produce this crop
      boolean found = false;
      for (int top = 0; top <= 31 && !found; top++) {
        for (int left = 0; left <= 41 && !found; left++) {
          for (int f = 0; f < 4 && !found; f++) {
            boolean fr = (f & 1) != 0;
            boolean fc = (f & 2) != 0;
            boolean match = true;
            for (int r = 0; r < 9 && match; r++) {
              for (int c = 0; c < 9 && match; c++) {
                match = img.value(top + (fr ? 8 - r : r), left + (fc ? 8 - c : c)) == clean[r * 9 + c];
              }
            }
            if (match) {
              found = true;
              flips.add(fr + "/" + fc);
            }
          }
        }
      }
      assertTrue(found, "update " + u + ": the crop is a (flipped) window of the image");
      double[] again = new double[81];
      sampler.sample(img, u, again, new double[81]);
      assertArrayEquals(clean, again, 0.0);
    }
    assertEquals(4, flips.size(), "all four flip combinations occur in 40 draws: " + flips);
  }

  @Test
  void noiseHasTheRequestedStandardDeviationAndDependsOnUpdateAndImage() {
    GrayImage img = ramp(300, 300, 0);
    CropSampler sampler = new CropSampler(129, 25, 5);
    int n = 129 * 129;
    double[] clean = new double[n];
    double[] noisy = new double[n];
    sampler.sample(img, 7, clean, noisy);
    double mean = 0;
    double sq = 0;
    for (int i = 0; i < n; i++) {
      double d = noisy[i] - clean[i];
      mean += d;
      sq += d * d;
    }
    mean /= n;
    double std = Math.sqrt(sq / n - mean * mean);
    // sampling error of the std of n = 16641 normals: about sigma / sqrt(2n) = 0.55%; allow 4 of those
    assertEquals(25 / 255.0, std, 0.022 * 25 / 255.0);
    assertEquals(0, mean, 4 * 25 / 255.0 / Math.sqrt(n));
    double[] other = new double[n];
    sampler.sample(img, 8, new double[n], other);
    assertFalse(Arrays.equals(noisy, other), "another update draws another pair");
    sampler.sample(img.withIndex(1), 7, new double[n], other);
    assertFalse(Arrays.equals(noisy, other), "another image draws another pair");
  }

  @Test
  void testNoiseIsKeyedByName() {
    double[] clean = new double[100];
    double[] a = new double[100];
    double[] b = new double[100];
    CropSampler.testNoise(clean, a, 100, 25, 1, "test001.png");
    CropSampler.testNoise(clean, b, 100, 25, 1, "test001.png");
    assertArrayEquals(a, b, 0.0);
    CropSampler.testNoise(clean, b, 100, 25, 1, "test002.png");
    assertFalse(Arrays.equals(a, b));
    CropSampler.testNoise(clean, b, 100, 25, 2, "test001.png");
    assertFalse(Arrays.equals(a, b));
  }

  @Test
  void rejectsImagesSmallerThanTheCrop() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new CropSampler(129, 25, 1).sample(ramp(100, 200, 0), 0, new double[129 * 129], new double[129 * 129]));
    assertTrue(e.getMessage().contains("ramp0") && e.getMessage().contains("100 x 200"), e.getMessage());
  }
}
