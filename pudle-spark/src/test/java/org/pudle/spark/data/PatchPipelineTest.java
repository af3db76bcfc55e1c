package org.pudle.spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.spark.SparkTestSupport;

/**
 * The image patch pipeline: the patches are where a direct computation puts them, a random
 * sample is a seeded subset whatever the partitioning, and the scaling is inverted exactly.
 */
class PatchPipelineTest {

  @Test
  void patchCountAndPositionsAreThoseOfADirectComputation(@TempDir Path dir) throws IOException {
    int w = 23;
    int h = 19;
    int[][] px = TestFiles.grayPng(dir.resolve("a.png"), w, h, 5);
    InputParams p = FileSourceTest.params(dir.resolve("a.png").toString(), "image.patch = 5x4", "image.stride = 3x2");
    FileSource src = FileSource.open(SparkTestSupport.sc(), p);
    // origins y = 0, 3, ..., while y + 5 <= 19; x = 0, 2, ..., while x + 4 <= 23
    int ny = (h - 5) / 3 + 1;
    int nx = (w - 4) / 2 + 1;
    assertEquals(ny * nx, src.count());
    double[][] got = TestFiles.collect(src.blocks(SparkTestSupport.sc(), 3, 7), src.count());
    PatchGrid grid = PatchGrid.of(h, w, p.image(), false);
    assertEquals(ny * nx, grid.count());
    double[] viaGrid = new double[20];
    double[][] planes = ImagePlanes.read(dir.resolve("a.png").toString(), false, new Configuration()).planes();
    for (int k = 0; k < ny * nx; k++) {
      int y0 = 3 * (k / nx);
      int x0 = 2 * (k % nx);
      double[] direct = new double[20];
      for (int y = 0; y < 5; y++) {
        for (int x = 0; x < 4; x++) {
          direct[y * 4 + x] = px[y0 + y][x0 + x] / 255.0;
        }
      }
      assertArrayEquals(direct, got[k], 0.0, "patch " + k);
      grid.extract(planes, k, viaGrid, 0);
      assertArrayEquals(direct, viaGrid, 0.0, "grid patch " + k);
    }
    // covering grid: one more origin flush with each border the stride misses (19 - 5 = 14 is not a multiple of 3)
    assertArrayEquals(new int[] {0, 3, 6, 9, 12, 14}, PatchGrid.origins(h, 5, 3, true));
    assertArrayEquals(new int[] {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 19}, PatchGrid.origins(w, 4, 2, true));
    assertArrayEquals(new int[] {0, 4, 8}, PatchGrid.origins(12, 4, 4, true), "no extra origin when it fits");
  }

  @Test
  void aRandomSampleIsASeededSubsetInInputOrderWhateverThePartitioning(@TempDir Path dir) throws IOException {
    TestFiles.grayPng(dir.resolve("a.png"), 30, 20, 1);
    InputParams p = FileSourceTest.params(dir.resolve("a.png").toString(), "image.patch = 4", "image.stride = 2");
    FileSource all = FileSource.open(SparkTestSupport.sc(), p);
    double[][] every = TestFiles.collect(all.blocks(SparkTestSupport.sc(), 2, 50), all.count());
    FileSource sample = all.sampled(37, 11);
    assertEquals(37, sample.count());
    double[][] one = TestFiles.collect(sample.blocks(SparkTestSupport.sc(), 1, 1000), 37);
    double[][] three = TestFiles.collect(sample.blocks(SparkTestSupport.sc(), 3, 5), 37);
    int at = 0;
    for (int i = 0; i < 37; i++) {
      assertArrayEquals(one[i], three[i], 0.0);
      // each sampled patch is a patch of the input, later in it than the one before
      while (at < every.length && !java.util.Arrays.equals(every[at], one[i])) {
        at++;
      }
      assertTrue(at < every.length, "sample " + i + " is a patch of the input, in order");
      at++;
    }
    double[][] again = TestFiles.collect(all.sampled(37, 11).blocks(SparkTestSupport.sc(), 2, 8), 37);
    double[][] other = TestFiles.collect(all.sampled(37, 12).blocks(SparkTestSupport.sc(), 2, 8), 37);
    assertArrayEquals(one, again, "the same seed, the same sample");
    boolean differs = false;
    for (int i = 0; i < 37; i++) {
      differs |= !java.util.Arrays.equals(one[i], other[i]);
    }
    assertTrue(differs, "another seed, another sample");
  }

  @Test
  void meanRemovalAndScalingAreInvertedExactly(@TempDir Path dir) throws IOException {
    TestFiles.grayPng(dir.resolve("a.png"), 16, 12, 3);
    for (DataTransform.Scaling s : DataTransform.Scaling.values()) {
      InputParams raw = FileSourceTest.params(dir.resolve("a.png").toString(), "image.patch = 4", "image.stride = 2");
      InputParams centered = FileSourceTest.params(dir.resolve("a.png").toString(), "image.patch = 4",
          "image.stride = 2", "input.normalize = center");
      FileSource a = FileSource.open(SparkTestSupport.sc(), raw);
      FileSource b = FileSource.open(SparkTestSupport.sc(), centered);
      double[][] x = TestFiles.collect(a.blocks(SparkTestSupport.sc(), 2, 9), a.count());
      var blocks = b.blocks(SparkTestSupport.sc(), 2, 9);
      DataTransform t = DataTransform.fit(centered.image(), SampleNormalization.CENTER, s, blocks, 16);
      double[][] scaled = TestFiles.collect(t.scale(blocks), b.count());
      // the fitted factors: root mean square of all values, or of each feature, of the centered patches
      double[][] c = TestFiles.collect(blocks, b.count());
      if (s == DataTransform.Scaling.GLOBAL) {
        double ss = 0;
        for (double[] row : c) {
          for (double v : row) {
            ss += v * v;
          }
        }
        assertEquals(Math.sqrt(ss / (16.0 * c.length)), t.scale()[0], 1e-15);
      }
      for (int i = 0; i < x.length; i++) {
        double mean = java.util.Arrays.stream(x[i]).average().orElseThrow();
        double[] back = scaled[i].clone();
        t.unscale(back, 0, 16);
        for (int j = 0; j < 16; j++) {
          back[j] += mean;
        }
        assertArrayEquals(x[i], back, 1e-15, s + " patch " + i);
      }
      DataTransform read = DataTransform.fromProperties(t.toProperties(), "test");
      assertEquals(t, read, "the transform reads back from its properties, factors exact");
    }
  }
}
