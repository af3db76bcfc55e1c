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
import javax.imageio.stream.ImageInputStream;

/**
 * Image files to {@link BufferedImage}s through javax.imageio, strictly: patch input
 * ({@code input} with images) and the denoiser's whole images decode alike, and a corrupt file
 * is an error that names it.
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
}
