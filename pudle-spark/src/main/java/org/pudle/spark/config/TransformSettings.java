package org.pudle.spark.config;

import java.util.List;

import org.pudle.spark.data.DataTransform;

/**
 * The keys of {@code train} that prepare samples from files beyond how they are read: a seeded
 * random sample of them and a scaling fitted on them ({@link DataTransform}), both recorded in the
 * model directory.
 */
public final class TransformSettings {
  private TransformSettings() {}

  /** A count (at least 1), a fraction (below 1), or null for all samples. */
  public static final Setting<Double> SAMPLE = Setting.of("input.sample", "all", TransformSettings::sample,
      "all, a count or a fraction").nullAs("all")
      .check(v -> v > 0 && (v < 1 || v == Math.rint(v)) && !v.isInfinite(), "all, a whole count >= 1 or a fraction "
          + "in (0, 1)")
      .format(v -> v >= 1 ? String.valueOf(v.longValue()) : String.valueOf(v))
      .doc("train on a random sample of the input's samples (image patches): a count (100000) or a fraction (0.1), "
          + "drawn without replacement, seeded by seed; all = every sample");
  public static final Setting<DataTransform.Scaling> SCALE = Setting.of("input.scale", "none",
      DataTransform.Scaling::parse, "none, global or feature")
      .format(DataTransform.Scaling::key)
      .doc("scaling fitted on the training samples after input.normalize: none, global (divide by the root mean "
          + "square of all values) or feature (by each feature's); kept in the model, undone by reconstruct");

  public static final List<Setting<?>> ALL = List.of(SAMPLE, SCALE);

  private static Double sample(String s) {
    return "all".equalsIgnoreCase(s.trim()) ? null : Double.valueOf(s);
  }
}
