package org.pudle.spark.denoise;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pudle.kernels.conv.GrayImage;
import org.pudle.spark.data.ImageDecoding;
import org.pudle.spark.data.InputException;

/**
 * Whole images in and out, through {@code javax.imageio} (PNG, JPEG, BMP, GIF) on any Hadoop
 * filesystem.
 *
 * <p>Color images become grayscale by ITU-R BT.601 luma computed exactly as PIL's
 * {@code convert("L")} does, which is what the authors' {@code torchvision.transforms.Grayscale}
 * calls: {@code L = (19595 R + 38470 G + 7471 B + 2^15) >> 16} on 8-bit samples (0.299, 0.587,
 * 0.114 in 16-bit fixed point, rounded). Gray images keep their samples (8 or 16 bits) unchanged;
 * they are read from the raster, never through {@code getRGB}, which would apply a gamma curve.
 * JPEG decoding is Java's, not libjpeg's as in PIL, so decoded color values may differ by a gray
 * level here and there.
 */
public final class Images {
  private Images() {}

  /** What javax.imageio reads here, for messages. */
  private static final String FORMATS = "PNG, JPEG, BMP or GIF";

  /** File name extensions read as images (lower case). */
  public static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "bmp", "gif");

  /** An image file that cannot be read: the message names the file. Exit status 2 on the command line. */
  public static final class BadImageException extends InputException {
    private static final long serialVersionUID = 1L;

    public BadImageException(String message) {
      super(message);
    }
  }

  /** Whether the file name has an image extension. */
  public static boolean isImageName(String name) {
    int dot = name.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  /**
   * The image files at {@code paths}: files as given, folders expanded to their image files
   * (sorted by name, not recursive).
   *
   * @throws BadImageException when a path does not exist or a folder holds no image
   */
  public static List<String> list(List<String> paths, Configuration conf) throws IOException {
    List<String> out = new ArrayList<>();
    for (String p : paths) {
      Path path = new Path(p);
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        throw new BadImageException(p + ": no such file or folder");
      }
      FileStatus st = fs.getFileStatus(path);
      if (st.isDirectory()) {
        FileStatus[] files = fs.listStatus(path);
        Arrays.sort(files, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
        int before = out.size();
        for (FileStatus f : files) {
          if (f.isFile() && isImageName(f.getPath().getName())) {
            out.add(f.getPath().toString());
          }
        }
        if (out.size() == before) {
          throw new BadImageException(p + ": the folder holds no image (" + String.join(", ", EXTENSIONS) + ")");
        }
      } else {
        out.add(st.getPath().toString());
      }
    }
    return out;
  }

  /** The file name of a path, for messages and output names. */
  public static String fileName(String path) {
    return new Path(path).getName();
  }

  /** The file name without its extension. */
  public static String baseName(String path) {
    String n = fileName(path);
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  /**
   * Reads an image file as grayscale.
   *
   * @param index the image's position in its data set (keys its random crops)
   * @throws BadImageException when the file is missing or not a readable image
   */
  public static GrayImage read(String path, long index, Configuration conf) {
    Path p = new Path(path);
    byte[] bytes;
    try {
      FileSystem fs = p.getFileSystem(conf);
      try (InputStream in = fs.open(p)) {
        bytes = in.readAllBytes();
      }
    } catch (java.io.FileNotFoundException e) {
      throw new BadImageException(path + ": no such file");
    } catch (IOException | RuntimeException e) {
      throw new BadImageException(path + ": cannot read the file (" + e.getMessage() + ")");
    }
    return decode(bytes, fileName(path), index, path);
  }

  /** Decodes image bytes as grayscale, for tests and streams. */
  public static GrayImage read(InputStream in, String name, long index) {
    try {
      return decode(in.readAllBytes(), name, index, name);
    } catch (IOException e) {
      throw new BadImageException(name + ": cannot read the image (" + e.getMessage() + ")");
    }
  }

  /** Strict decoding ({@link ImageDecoding}: a decoder warning is an error), then grayscale. */
  private static GrayImage decode(byte[] bytes, String name, long index, String source) {
    if (bytes.length == 0) {
      throw new BadImageException(source + ": empty file");
    }
    try {
      return toGray(ImageDecoding.decode(bytes, source, FORMATS), name, index, source);
    } catch (IOException e) {
      throw new BadImageException(e.getMessage());
    }
  }

  /** PIL's {@code L = R * 299/1000 + G * 587/1000 + B * 114/1000} in 16-bit fixed point, rounded. */
  public static int luma8(int r, int g, int b) {
    return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
  }

  static GrayImage toGray(BufferedImage img, String name, long index, String source) {
    int h = img.getHeight();
    int w = img.getWidth();
    short[] s = new short[h * w];
    ColorModel cm = img.getColorModel();
    Raster raster = img.getRaster();
    if (cm instanceof IndexColorModel) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int argb = img.getRGB(x, y);
          s[y * w + x] = (short) luma8((argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff);
        }
      }
      return new GrayImage(name, index, h, w, 255, s);
    }
    int colors = cm.getNumColorComponents();
    int bits = cm.getComponentSize(0);
    if (bits != 8 && bits != 16) {
      throw new BadImageException(source + ": " + bits + "-bit samples are not supported (8 or 16)");
    }
    int max = (1 << bits) - 1;
    if (colors == 1) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          s[y * w + x] = (short) raster.getSample(x, y, 0);
        }
      }
      return new GrayImage(name, index, h, w, max, s);
    }
    if (colors == 3 && cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_RGB) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int r = raster.getSample(x, y, 0);
          int g = raster.getSample(x, y, 1);
          int b = raster.getSample(x, y, 2);
          int v = bits == 8 ? luma8(r, g, b) : (int) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
          s[y * w + x] = (short) v;
        }
      }
      return new GrayImage(name, index, h, w, max, s);
    }
    throw new BadImageException(source + ": unsupported color model (" + colors + " color components of type "
        + cm.getColorSpace().getType() + "); expected gray or RGB");
  }

  /** Writes {@code [0, 1]} pixels (clamped, rounded to 8 bits) as a grayscale PNG. */
  public static void writePng(OutputStream out, double[] pixels, int height, int width) throws IOException {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    WritableRaster r = img.getRaster();
    short[] q = GrayImage.fromDoubles8("png", height, width, pixels).samples();
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        r.setSample(x, y, 0, q[y * width + x]);
      }
    }
    if (!ImageIO.write(img, "png", out)) {
      throw new IOException("no PNG writer in javax.imageio");
    }
  }

  /** Writes an 8-bit gray image of integer levels (0..255) as PNG. */
  public static void writePng8(OutputStream out, int[] levels, int height, int width) throws IOException {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setPixels(0, 0, width, height, levels);
    if (!ImageIO.write(img, "png", out)) {
      throw new IOException("no PNG writer in javax.imageio");
    }
  }
}
