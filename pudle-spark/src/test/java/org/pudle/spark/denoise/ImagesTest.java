package org.pudle.spark.denoise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.conv.GrayImage;

class ImagesTest {

  @Test
  void colorBecomesGrayByPilsBt601Luma(@TempDir Path dir) throws IOException {
    int[][] rgb = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}, {10, 200, 77}, {128, 128, 128}};
    // PIL's convert("L") of these colors: L = (19595 R + 38470 G + 7471 B + 32768) >> 16
    int[] pil = {76, 150, 29, 255, 129, 128};
    BufferedImage img = new BufferedImage(rgb.length, 1, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < rgb.length; i++) {
      img.setRGB(i, 0, (rgb[i][0] << 16) | (rgb[i][1] << 8) | rgb[i][2]);
    }
    Path f = dir.resolve("colors.png");
    ImageIO.write(img, "png", f.toFile());
    GrayImage g = Images.read(f.toString(), 3, new Configuration());
    assertEquals("colors.png", g.name());
    assertEquals(3, g.index());
    assertEquals(255, g.maxValue());
    for (int i = 0; i < pil.length; i++) {
      assertEquals(pil[i], g.samples()[i] & 0xffff, "color " + i);
      // and the formula in floating point, rounded: 0.299 R + 0.587 G + 0.114 B
      assertEquals(Math.round(0.299 * rgb[i][0] + 0.587 * rgb[i][1] + 0.114 * rgb[i][2]), pil[i]);
    }
  }

  @Test
  void grayImagesKeepTheirSamplesAndPngsRoundTrip(@TempDir Path dir) throws IOException {
    int[] px = TestImages.texture(13, 17, 4);
    Path f = TestImages.writeGray(dir.resolve("g.png"), px, 13, 17);
    GrayImage g = Images.read(f.toString(), 0, new Configuration());
    assertEquals(13, g.height());
    assertEquals(17, g.width());
    for (int i = 0; i < px.length; i++) {
      assertEquals(px[i], g.samples()[i] & 0xffff);
    }
    // writePng quantizes [0, 1] values to the nearest level: the image reads back unchanged
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Images.writePng(bytes, g.toDoubles(), 13, 17);
    GrayImage back = Images.read(new ByteArrayInputStream(bytes.toByteArray()), "back", 0);
    assertArrayEquals(g.samples(), back.samples());
    // values off the grid round to the nearest level and clamp
    double[] odd = {-0.3, 0.5, 1.2, 100.4 / 255, 100.6 / 255, 0};
    bytes.reset();
    Images.writePng(bytes, odd, 2, 3);
    short[] q = Images.read(new ByteArrayInputStream(bytes.toByteArray()), "q", 0).samples();
    assertArrayEquals(new short[] {0, 128, 255, 100, 101, 0}, q);
  }

  @Test
  void sixteenBitGrayKeepsSixteenBits(@TempDir Path dir) throws IOException {
    BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_USHORT_GRAY);
    int[] v = {0, 1, 65535, 30000, 40000, 12345};
    img.getRaster().setPixels(0, 0, 3, 2, v);
    Path f = dir.resolve("deep.png");
    ImageIO.write(img, "png", f.toFile());
    GrayImage g = Images.read(f.toString(), 0, new Configuration());
    assertEquals(65535, g.maxValue());
    for (int i = 0; i < v.length; i++) {
      assertEquals(v[i], g.samples()[i] & 0xffff);
    }
    assertEquals(30000 / 65535.0, g.value(1, 0), 0);
  }

  @Test
  void listingSortsFoldersAndNamesWhatIsMissing(@TempDir Path dir) throws IOException {
    int[] px = TestImages.texture(9, 9, 1);
    TestImages.writeGray(dir.resolve("b.png"), px, 9, 9);
    TestImages.writeGray(dir.resolve("a.png"), px, 9, 9);
    Files.writeString(dir.resolve("notes.txt"), "not an image");
    List<String> files = Images.list(List.of(dir.toString()), new Configuration());
    assertEquals(2, files.size());
    assertTrue(files.get(0).endsWith("a.png") && files.get(1).endsWith("b.png"), files.toString());
    Images.BadImageException e = assertThrows(Images.BadImageException.class,
        () -> Images.list(List.of(dir.resolve("nope").toString()), new Configuration()));
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
    Path empty = Files.createDirectory(dir.resolve("empty"));
    e = assertThrows(Images.BadImageException.class, () -> Images.list(List.of(empty.toString()), new Configuration()));
    assertTrue(e.getMessage().contains("holds no image"), e.getMessage());
    Files.writeString(dir.resolve("fake.png"), "not a png");
    e = assertThrows(Images.BadImageException.class,
        () -> Images.read(dir.resolve("fake.png").toString(), 0, new Configuration()));
    assertTrue(e.getMessage().contains("fake.png"), e.getMessage());
  }

  @Test
  void truncatedImagesAreErrorsThatNameTheFile(@TempDir Path dir) throws IOException {
    // javax.imageio alone returns a truncated JPEG with a warning and gray fill; the strict decoder
    // shared with the patch input refuses it, and a truncated PNG too
    BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
    int[] px = TestImages.texture(64, 48, 3);
    for (int i = 0; i < px.length; i++) {
      img.setRGB(i % 64, i / 64, px[i] * 0x010101);
    }
    for (String format : List.of("jpg", "png")) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      assertTrue(ImageIO.write(img, format, bytes));
      byte[] whole = bytes.toByteArray();
      Path cut = dir.resolve("cut." + format);
      Files.write(cut, java.util.Arrays.copyOf(whole, whole.length * 2 / 3));
      Images.BadImageException e = assertThrows(Images.BadImageException.class,
          () -> Images.read(cut.toString(), 0, new Configuration()), format);
      assertTrue(e.getMessage().startsWith(cut.toString()) && e.getMessage().contains("corrupt"), e.getMessage());
      Path full = dir.resolve("full." + format);
      Files.write(full, whole);
      assertEquals(64 * 48, Images.read(full.toString(), 0, new Configuration()).samples().length, format);
    }
  }
}
