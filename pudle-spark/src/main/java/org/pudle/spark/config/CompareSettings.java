package org.pudle.spark.config;

import java.util.List;

/** The keys of {@code pudle compare} besides those of {@code train} ({@link CompareParams}). */
public final class CompareSettings {
  private CompareSettings() {}

  public static final Setting<String> COMPARE = Setting.text("compare", null)
      .withDefault(null, "(required)")
      .doc("the runs, comma-separated names (letters, digits, _ + -), in legend order");
  /** Documents the per-run overrides; {@link CompareParams} reads them by their prefix. */
  public static final Setting<String> RUN_KEY = Setting.text("compare.<run>.<key>", null)
      .withDefault(null, "")
      .doc("a train key's value for one run, e.g. compare.noodl.method = noodl");
  public static final Setting<Double> TARGET = Setting.real("compare.target", "1e-4")
      .check(v -> v > 0 && !v.isInfinite(), "a positive error level")
      .doc("the summary reports the first update whose error is at most this");
  public static final Setting<String> ONLY = Setting.text("compare.only", null)
      .withDefault(null, "(all)")
      .doc("run only these of the runs, comma-separated (e.g. --set compare.only=noodl)");

  public static final List<Setting<?>> ALL = List.of(COMPARE, RUN_KEY, TARGET, ONLY);
}
