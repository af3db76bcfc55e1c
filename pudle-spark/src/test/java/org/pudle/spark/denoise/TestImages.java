package org.pudle.spark.denoise;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

/** Small images written by the tests themselves. */
final class TestImages {
  private TestImages() {}

  /** A smooth 8-bit gray image with some texture: a sum of two seeded sinusoids plus small noise. */
  static int[] texture(int h, int w, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double fx = 0.15 + 0.3 * rng.nextDouble();
    double fy = 0.1 + 0.3 * rng.nextDouble();
    double phase = 6 * rng.nextDouble();
    int[] px = new int[h * w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double v = 0.5 + 0.3 * Math.sin(fx * x + phase) * Math.cos(fy * y) + 0.15 * Math.sin(0.05 * (x + 2 * y))
            + 0.03 * rng.nextGaussian();
        px[y * w + x] = Math.max(0, Math.min(255, (int) Math.round(255 * v)));
      }
    }
    return px;
  }

  static Path writeGray(Path file, int[] px, int h, int w) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setPixels(0, 0, w, h, px);
    ImageIO.write(img, "png", file.toFile());
    return file;
  }

  /** An RGB PNG whose channels are the texture shifted by +-20 levels. */
  static Path writeColor(Path file, int[] px, int h, int w) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int v = px[y * w + x];
        int r = Math.min(255, v + 20);
        int g = v;
        int b = Math.max(0, v - 20);
        img.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    ImageIO.write(img, "png", file.toFile());
    return file;
  }
}
