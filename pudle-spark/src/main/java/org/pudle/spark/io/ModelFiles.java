package org.pudle.spark.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.ThresholdKind;
import org.pudle.kernels.io.Npy;
import org.pudle.spark.data.DataTransform;
import org.pudle.spark.data.InputException;

/**
 * Reads a train run's model directory ({@code OUTPUT/model}) without Spark: {@code dictionary.npy}
 * and {@code pudle.properties} (the encoder as config keys and the {@link DataTransform}); the
 * Spark ML model beside them ({@code metadata/}, {@code data/}) is for {@code PudleModel.load}.
 * {@code org.pudle.spark.model.ModelDir} writes it.
 */
public final class ModelFiles {
  private ModelFiles() {}

  /** The model's config keys and its transform. */
  public static final String PROPERTIES = "pudle.properties";
  /** The dictionary as .npy. */
  public static final String DICTIONARY = "dictionary.npy";
  /** The encoder keys {@code pudle.properties} holds. */
  public static final java.util.List<String> ENCODER_KEYS = java.util.List.of("T", "lambda", "alpha", "threshold",
      "ht.b", "lambda.decay");

  /**
   * A model read back.
   *
   * @param dictionary m x p, column-major
   * @param keys       every key of {@code pudle.properties}
   */
  public record Loaded(String path, double[] dictionary, int m, int p, EncoderParams encoder,
      DataTransform transform, Map<String, String> keys) {}

  /** The text of {@code pudle.properties}. */
  public static String properties(EncoderParams e, DataTransform t) {
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("T", String.valueOf(e.T()));
    keys.put("lambda", String.valueOf(e.lambda()));
    keys.put("alpha", String.valueOf(e.alpha()));
    keys.put("threshold", e.threshold() == ThresholdKind.HARD ? "hard" : "soft");
    if (e.threshold() == ThresholdKind.HARD) {
      keys.put("ht.b", String.valueOf(e.htB()));
    }
    keys.put("lambda.decay", String.valueOf(e.decay()));
    keys.putAll(t.toProperties());
    StringBuilder sb = new StringBuilder("# pudle model: the encoder and the data transform of the learned "
        + "dictionary, as config keys\n");
    for (var en : keys.entrySet()) {
      sb.append(en.getKey()).append(" = ").append(en.getValue()).append('\n');
    }
    return sb.toString();
  }

  /**
   * Reads the model directory {@code path} without Spark: {@code dictionary.npy} and
   * {@code pudle.properties}.
   *
   * @param key the config key or option that named the model, for errors
   * @throws InputException when it is not a model directory
   */
  public static Loaded read(String path, Configuration conf, String key) {
    Path dir = new Path(path);
    Map<String, String> keys;
    Npy.Matrix d;
    try {
      FileSystem fs = dir.getFileSystem(conf);
      if (!fs.exists(new Path(dir, PROPERTIES)) || !fs.exists(new Path(dir, DICTIONARY))) {
        throw new InputException(path + " (" + key + "): not a pudle model directory (no " + PROPERTIES + " and "
            + DICTIONARY + "; a train run writes one to OUTPUT/model)");
      }
      Properties props = new Properties();
      try (InputStream in = fs.open(new Path(dir, PROPERTIES))) {
        props.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      }
      keys = new LinkedHashMap<>();
      for (String k : new TreeSet<>(props.stringPropertyNames())) {
        keys.put(k, props.getProperty(k).trim());
      }
      try (InputStream in = fs.open(new Path(dir, DICTIONARY))) {
        d = Npy.read(in, path + "/" + DICTIONARY);
      }
    } catch (IOException e) {
      throw new InputException(path + " (" + key + "): cannot read the model: " + e.getMessage(), e);
    }
    String src = path + "/" + PROPERTIES;
    EncoderParams enc;
    try {
      String th = keys.getOrDefault("threshold", "soft");
      enc = new EncoderParams(Integer.parseInt(keys.get("T")), Double.parseDouble(keys.get("alpha")),
          Double.parseDouble(keys.get("lambda")), ThresholdKind.parse(th),
          Double.parseDouble(keys.getOrDefault("ht.b", "0.1")), Double.parseDouble(keys.getOrDefault("lambda.decay",
              "1")));
    } catch (RuntimeException e) {
      throw new InputException(src + ": not a pudle model's encoder (" + e.getMessage() + ")", e);
    }
    return new Loaded(path, d.columnMajor(), d.rows(), d.cols(), enc, DataTransform.fromProperties(keys, src), keys);
  }

  /** One line for logs. */
  public static String describe(Loaded l) {
    return String.format(Locale.ROOT, "model %s: %d x %d dictionary, T=%d lambda=%s alpha=%s %s threshold%s", l.path(),
        l.m(), l.p(), l.encoder().T(), l.encoder().lambda(), l.encoder().alpha(),
        l.encoder().threshold() == ThresholdKind.HARD ? "hard" : "soft",
        l.transform().image() == null ? "" : String.format(Locale.ROOT, "; %dx%d patches",
            l.transform().image().height(), l.transform().image().width()));
  }
}
