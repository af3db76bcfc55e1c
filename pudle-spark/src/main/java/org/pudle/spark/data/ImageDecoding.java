package org.pudle.spark.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

import org.pudle.kernels.io.MemoryCap;

/**
 * Image files to {@link BufferedImage}s through javax.imageio, strictly: patch input
 * ({@code input} with images) and the denoiser's whole images decode alike, and a corrupt file
 * is an error that names it. The dimensions in the image's header are checked before it is
 * decoded: a small file (a 390 KB PNG of 20000 x 20000 pixels) may hold an image whose pixels, as
 * the doubles the readers make of them, exceed what the JVM can hold ({@link MemoryCap}).
 */
public final class ImageDecoding {
  private ImageDecoding() {}

  /**
   * Decodes {@code bytes} with the first javax.imageio reader that accepts them. A decoder warning
   * (a truncated JPEG, say) is an error, like an exception; every message starts with
   * {@code source}.
   *
   * @param formats what the caller reads, for the message when no reader accepts the bytes
   * @throws IOException naming {@code source} when the bytes are not a cleanly decodable image
   */
  public static BufferedImage decode(byte[] bytes, String source, String formats) throws IOException {
    try (ImageInputStream iis = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
      if (!readers.hasNext()) {
        throw new IOException(source + ": corrupt image or not a " + formats + " file");
      }
      ImageReader reader = readers.next();
      List<String> warnings = new ArrayList<>();
      try {
        reader.setInput(iis, true, true);
        reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
        checkSize(reader, source);
        BufferedImage img = reader.read(0);
        if (!warnings.isEmpty()) {
          throw new IOException(source + ": corrupt " + reader.getFormatName().toUpperCase(Locale.ROOT) + " image ("
              + warnings.get(0) + ")");
        }
        return img;
      } catch (IOException | RuntimeException e) {
        if (e.getMessage() != null && e.getMessage().startsWith(source)) {
          throw e;
        }
        throw new IOException(source + ": corrupt " + reader.getFormatName().toUpperCase(Locale.ROOT) + " image ("
            + RowReader.message(e) + ")", e);
      } finally {
        reader.dispose();
      }
    }
  }

  /**
   * Checks the decoded size of the image, {@code width x height x channels} doubles, against
   * {@link MemoryCap#bytes}, from the header alone.
   */
  private static void checkSize(ImageReader reader, String source) throws IOException {
    int w = reader.getWidth(0);
    int h = reader.getHeight(0);
    int channels = 1;
    Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
    if (types.hasNext()) {
      channels = Math.max(1, types.next().getColorModel().getNumColorComponents());
    }
    long values = (long) w * h * channels;
    // the message starts with source, so decode passes it on as it is
    MemoryCap.check(source, "the " + reader.getFormatName().toUpperCase(Locale.ROOT) + " image of " + w + " x " + h
        + " pixels" + (channels > 1 ? " x " + channels + " channels" : ""), values, MemoryCap.bytes());
  }
}
