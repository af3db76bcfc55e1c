package org.pudle.spark.denoise;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pudle.kernels.conv.ConvEncoderParams;
import org.pudle.kernels.conv.ConvThreshold;
import org.pudle.kernels.conv.ConvUnfoldedIsta;
import org.pudle.kernels.io.Npy;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.io.RunOutputs;

/**
 * A trained convolutional denoiser: the filter bank and the encoder it was trained with. On disk, a
 * folder with {@code filters.npy} (float64, shape {@code (channels, k, k)}, C order: filter c is
 * {@code filters[c]}, what {@code numpy.load} gives and PyTorch's {@code W[:, 0]}) and
 * {@code model.properties} (the geometry and the encoder, below).
 *
 * @param filters {@code k^2 x channels} column-major (the same values as the C-order file)
 */
public record DenoiseModel(int k, int stride, int channels, ConvEncoderParams encoder, double[] filters) {

  public static final String FILTERS = "filters.npy";
  public static final String PROPERTIES = "model.properties";

  public DenoiseModel {
    if (filters.length != k * k * channels) {
      throw new IllegalArgumentException("filters: expected " + channels + " x " + k + " x " + k + " values, got "
          + filters.length);
    }
  }

  /**
   * A kernel for this model, borrowed from this JVM's pool of the {@code kernels} backend: close
   * the lease to return it.
   */
  public KernelPool.Lease<ConvUnfoldedIsta> kernel(KernelSpec kernels) {
    return KernelPool.of(kernels).convUnfoldedIsta(filters, k, stride, channels, encoder);
  }

  /** The {@code model.properties} text. */
  public String propertiesText() {
    return "# pudle denoiser: the convolutional dictionary (filters.npy) and its unfolded encoder\n"
        + "filters = " + channels + "\n"
        + "filter.size = " + k + "\n"
        + "stride = " + stride + "\n"
        + "T = " + encoder.T() + "\n"
        + "alpha = " + encoder.alpha() + "\n"
        + "lambda = " + encoder.lambda() + "\n"
        + "threshold = " + encoder.threshold().key() + "\n"
        + "ht.b = " + encoder.htB() + "\n";
  }

  /** Writes {@code filters.npy} and {@code model.properties} atomically into {@code out}. */
  public void write(RunOutputs out) throws IOException {
    out.file(FILTERS, o -> writeFilters(o, filters, channels, k));
    out.text(PROPERTIES, propertiesText());
  }

  /** Writes a filter bank as a float64 {@code (channels, k, k)} C-order array. */
  public static void writeFilters(OutputStream o, double[] filters, int channels, int k) throws IOException {
    Npy.writeHeader(o, "<f8", false, new long[] {channels, k, k});
    byte[] buf = new byte[8 * filters.length];
    ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : filters) {
      bb.putDouble(v);
    }
    o.write(buf);
  }

  /**
   * Reads a model from its folder (or from the path of its {@code model.properties}).
   *
   * @throws IOException naming the file, for a missing or malformed model
   */
  public static DenoiseModel read(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      throw new IOException(path + ": no such model folder or file");
    }
    Path dir = fs.getFileStatus(p).isDirectory() ? p : p.getParent();
    Path propsPath = new Path(dir, PROPERTIES);
    Path filtersPath = new Path(dir, FILTERS);
    if (!fs.exists(propsPath)) {
      throw new IOException(propsPath + ": missing (a model folder holds " + PROPERTIES + " and " + FILTERS + ")");
    }
    Properties props = new Properties();
    try (InputStream in = fs.open(propsPath)) {
      props.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    }
    String src = propsPath.toString();
    int channels = (int) number(props, "filters", src);
    int k = (int) number(props, "filter.size", src);
    int stride = (int) number(props, "stride", src);
    int T = (int) number(props, "T", src);
    double alpha = number(props, "alpha", src);
    double lambda = number(props, "lambda", src);
    String th = props.getProperty("threshold");
    if (th == null) {
      throw new IOException(src + ": missing key 'threshold'");
    }
    double b = props.getProperty("ht.b") == null ? 0 : number(props, "ht.b", src);
    ConvEncoderParams enc;
    try {
      enc = new ConvEncoderParams(T, alpha, lambda, ConvThreshold.parse(th), b);
    } catch (IllegalArgumentException e) {
      throw new IOException(src + ": " + e.getMessage());
    }
    if (k < 1 || stride < 1 || channels < 1) {
      throw new IOException(src + ": expected filters, filter.size and stride >= 1");
    }
    if (!fs.exists(filtersPath)) {
      throw new IOException(filtersPath + ": missing");
    }
    double[] w;
    try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(fs.open(filtersPath), 1 << 16))) {
      String fsrc = filtersPath.toString();
      Npy.Header h = Npy.readHeader(in, fsrc);
      long[] s = h.shape();
      boolean ok = !h.fortranOrder() && ((s.length == 3 && s[0] == channels && s[1] == k && s[2] == k)
          || (s.length == 4 && s[0] == channels && s[1] == 1 && s[2] == k && s[3] == k));
      if (!ok) {
        throw new IOException(fsrc + ": expected a C-order array of shape (" + channels + ", " + k + ", " + k
            + ") or (" + channels + ", 1, " + k + ", " + k + ") as " + src + " says, got " + h);
      }
      w = new double[channels * k * k];
      Npy.readValues(in, h, w, 0, w.length, fsrc);
    }
    for (int i = 0; i < w.length; i++) {
      if (!Double.isFinite(w[i])) {
        throw new IOException(filtersPath + ": filter " + i / (k * k) + " has a non-finite tap " + w[i]);
      }
    }
    return new DenoiseModel(k, stride, channels, enc, w);
  }

  private static double number(Properties props, String key, String src) throws IOException {
    String v = props.getProperty(key);
    if (v == null) {
      throw new IOException(src + ": missing key '" + key + "'");
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IOException(src + ": key '" + key + "': expected a number, got '" + v + "'");
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%d filters %dx%d stride %d, T=%d alpha=%s lambda=%s %s%s", channels, k, k,
        stride, encoder.T(), encoder.alpha(), encoder.lambda(), encoder.threshold(),
        encoder.threshold().hard() ? " b=" + encoder.htB() : "");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DenoiseModel d && d.k == k && d.stride == stride && d.channels == channels
        && d.encoder.equals(encoder) && Arrays.equals(d.filters, filters);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(filters) * 31 + encoder.hashCode();
  }
}
