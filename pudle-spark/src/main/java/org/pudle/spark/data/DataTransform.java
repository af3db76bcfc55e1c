package org.pudle.spark.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.apache.spark.api.java.JavaRDD;

/**
 * What turns raw input into the samples a dictionary was learned on, so that {@code encode} and
 * {@code reconstruct} apply it again and {@code reconstruct} inverts it: the image patches (size,
 * stride, color; null for other inputs), the per-sample normalization (mean removal) applied as
 * the samples are read, and a scaling fitted on the training samples after it, {@code x / s}
 * with one {@code s} for all values ({@link Scaling#GLOBAL}) or one per feature
 * ({@link Scaling#FEATURE}). Recorded as config keys in the model directory
 * ({@link #toProperties}, {@link #fromProperties}).
 *
 * @param image     the patches of image input, or null
 * @param normalize the per-sample normalization of the samples as read
 * @param scaling   how {@code scale} was fitted
 * @param scale     empty for {@link Scaling#NONE}, one value for global, m values per feature
 */
public record DataTransform(InputParams.ImagePatches image, SampleNormalization normalize, Scaling scaling,
    double[] scale) implements Serializable {

  /** The scaling fitted on the training samples. */
  public enum Scaling {
    /** No scaling. */
    NONE("none"),
    /** One factor: the root mean square of all values of all samples. */
    GLOBAL("global"),
    /** One factor per feature: the root mean square of that feature over the samples. */
    FEATURE("feature");

    private final String key;

    Scaling(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    public static Scaling parse(String s) {
      for (Scaling v : values()) {
        if (v.key.equals(s.trim().toLowerCase(Locale.ROOT))) {
          return v;
        }
      }
      throw new IllegalArgumentException("unknown scaling '" + s + "'");
    }
  }

  public DataTransform {
    int expected = scaling == Scaling.NONE ? 0 : scaling == Scaling.GLOBAL ? 1 : -1;
    if (expected >= 0 && scale.length != expected || expected < 0 && scale.length == 0) {
      throw new IllegalArgumentException(scaling.key() + " scaling: " + scale.length + " factors");
    }
    for (double s : scale) {
      if (!(s > 0) || Double.isInfinite(s)) {
        throw new IllegalArgumentException("scale: expected positive factors, got " + s);
      }
    }
  }

  /**
   * Fits the scaling on {@code blocks} (the samples after their normalization): the root mean
   * square of all values, or of each feature; a factor of 0 (all values zero) becomes 1.
   */
  public static DataTransform fit(InputParams.ImagePatches image, SampleNormalization normalize, Scaling scaling,
      JavaRDD<SampleBlock> blocks, int m) {
    if (scaling == Scaling.NONE) {
      return new DataTransform(image, normalize, scaling, new double[0]);
    }
    // per feature: sum of squares, then the count in the last entry
    double[] sums = blocks.treeAggregate(new double[m + 1], (acc, b) -> {
      double[] x = b.x();
      for (int c = 0; c < b.cols(); c++) {
        for (int i = 0; i < m; i++) {
          double v = x[c * m + i];
          acc[i] += v * v;
        }
      }
      acc[m] += b.cols();
      return acc;
    }, (a, b) -> {
      for (int i = 0; i <= m; i++) {
        a[i] += b[i];
      }
      return a;
    }, 2);
    double n = sums[m];
    double[] scale;
    if (scaling == Scaling.GLOBAL) {
      double total = 0;
      for (int i = 0; i < m; i++) {
        total += sums[i];
      }
      scale = new double[] {positive(Math.sqrt(total / (n * m)))};
    } else {
      scale = new double[m];
      for (int i = 0; i < m; i++) {
        scale[i] = positive(Math.sqrt(sums[i] / n));
      }
    }
    return new DataTransform(image, normalize, scaling, scale);
  }

  private static double positive(double s) {
    return s > 0 && Double.isFinite(s) ? s : 1;
  }

  /** The samples of {@code blocks} divided by the scale (the same RDD without scaling). */
  public JavaRDD<SampleBlock> scale(JavaRDD<SampleBlock> blocks) {
    if (scaling == Scaling.NONE) {
      return blocks;
    }
    DataTransform t = this;
    return blocks.map(b -> {
      double[] x = b.x().clone();
      for (int c = 0; c < b.cols(); c++) {
        t.scale(x, c * b.m(), b.m());
      }
      return new SampleBlock(b.first(), b.m(), b.cols(), x, b.k(), b.support(), b.amplitude());
    });
  }

  /** Divides the sample {@code x[off .. off + m)} by the scale, in place. */
  public void scale(double[] x, int off, int m) {
    for (int i = 0; i < m && scale.length > 0; i++) {
      x[off + i] /= scale.length == 1 ? scale[0] : scale[i];
    }
  }

  /** Multiplies the sample {@code x[off .. off + m)} by the scale, in place: the inverse of {@link #scale}. */
  public void unscale(double[] x, int off, int m) {
    for (int i = 0; i < m && scale.length > 0; i++) {
      x[off + i] *= scale.length == 1 ? scale[0] : scale[i];
    }
  }

  /**
   * The transform as config keys: {@code input.format = image} with {@code image.patch},
   * {@code image.stride} and {@code image.color} for image input, {@code input.normalize},
   * {@code input.scale} and the fitted factors {@code input.scale.factors} (comma-separated, exact
   * as Java writes doubles).
   */
  public Map<String, String> toProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    if (image != null) {
      p.put("input.format", "image");
      p.put("image.patch", image.height() + "x" + image.width());
      p.put("image.stride", image.strideY() + "x" + image.strideX());
      p.put("image.color", image.rgb() ? "rgb" : "gray");
    }
    p.put("input.normalize", normalize.key());
    p.put("input.scale", scaling.key());
    if (scale.length > 0) {
      StringBuilder sb = new StringBuilder();
      for (double s : scale) {
        sb.append(sb.length() == 0 ? "" : ",").append(s);
      }
      p.put("input.scale.factors", sb.toString());
    }
    return p;
  }

  /** The transform that {@link #toProperties} wrote; {@code source} names the file in errors. */
  public static DataTransform fromProperties(Map<String, String> p, String source) {
    try {
      InputParams.ImagePatches image = null;
      if ("image".equals(p.get("input.format"))) {
        int[] patch = size(p.get("image.patch"));
        int[] stride = size(p.get("image.stride"));
        image = new InputParams.ImagePatches(patch[0], patch[1], stride[0], stride[1],
            "rgb".equals(p.get("image.color")));
      }
      Scaling scaling = Scaling.parse(p.getOrDefault("input.scale", "none"));
      String factors = p.get("input.scale.factors");
      double[] scale = factors == null || factors.isBlank() ? new double[0]
          : Arrays.stream(factors.split(",")).mapToDouble(s -> Double.parseDouble(s.trim())).toArray();
      return new DataTransform(image, SampleNormalization.parse(p.getOrDefault("input.normalize", "none")), scaling,
          scale);
    } catch (RuntimeException e) {
      throw new InputException(source + ": not a pudle model transform (" + e.getMessage() + ")", e);
    }
  }

  private static int[] size(String s) {
    String[] parts = s.split("x");
    int h = Integer.parseInt(parts[0].trim());
    return new int[] {h, parts.length > 1 ? Integer.parseInt(parts[1].trim()) : h};
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DataTransform t && java.util.Objects.equals(image, t.image) && normalize == t.normalize
        && scaling == t.scaling && Arrays.equals(scale, t.scale);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(image, normalize, scaling, Arrays.hashCode(scale));
  }
}
