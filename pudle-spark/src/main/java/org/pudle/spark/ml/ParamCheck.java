package org.pudle.spark.ml;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

import org.apache.spark.ml.param.Param;
import org.pudle.spark.config.Setting;
import org.pudle.spark.config.SparkMlParams;

import scala.runtime.AbstractFunction1;

/**
 * The validator of one {@link org.apache.spark.ml.param.Param}: Spark calls it for every value
 * that reaches the param, through a setter, a {@code ParamMap}, {@code copy} or a loaded model's
 * metadata, so all of them accept the same values. A bad value is an
 * {@link IllegalArgumentException} that names the owner and the param and says what is expected
 * (Spark's own message for a validator that returns false names neither the allowed values nor
 * what was wrong).
 *
 * <p>A param that mirrors a config key of {@code pudle train} ({@link SparkMlParams#MIRRORS}) is
 * checked by the key's own parser and check in the settings registry ({@link #mirror}), so a
 * param and its config key accept the same values with the same words; where the registry leaves
 * a condition to the kernels' constructors ({@code T >= 1}, {@code alpha > 0}, ...), the param
 * adds it here, so that it fails when set rather than at fit.
 */
final class ParamCheck<T> extends AbstractFunction1<T, Object> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** A test of a value; serializable, as the params travel with the stages. */
  @FunctionalInterface
  interface Test extends Serializable {
    boolean accepts(Object value);
  }

  private final String owner;
  private final String param;
  private final String expected;
  private final Test test;
  /** The allowed values of a choice (canonical spelling), else empty. */
  private final List<String> choices;
  /** Whether the registry's key of the same param checks the value first. */
  private final boolean mirrored;

  private ParamCheck(String owner, String param, String expected, Test test, List<String> choices, boolean mirrored) {
    this.owner = owner;
    this.param = param;
    this.expected = expected;
    this.test = test;
    this.choices = List.copyOf(choices);
    this.mirrored = mirrored;
  }

  static <T> ParamCheck<T> of(String owner, String param, String expected, Test test) {
    return new ParamCheck<>(owner, param, expected, test, List.of(), false);
  }

  /** One of {@code allowed}, in any case ({@link #canonical} gives the stored spelling). */
  static <T> ParamCheck<T> choice(String owner, String param, List<String> allowed) {
    return new ParamCheck<>(owner, param, "one of " + String.join(", ", allowed) + " (any case)",
        v -> v instanceof String && allowed.contains(lower((String) v)), allowed, false);
  }

  /**
   * The registry's check of the config key that {@code param} mirrors, then {@code extra} (null:
   * none) for what the registry leaves to the kernels; {@code choices} lists a choice's values.
   */
  static <T> ParamCheck<T> mirror(String owner, String param, List<String> choices, Test extra, String extraWhat) {
    if (SparkMlParams.settingOf(param) == null) {
      throw new IllegalStateException("param " + param + " mirrors no config key");
    }
    return new ParamCheck<>(owner, param, extra == null ? null : extraWhat,
        v -> SparkMlParams.settingOf(param).rejection(v) == null && (extra == null || extra.accepts(v)), choices, true);
  }

  /** A column name: not null, not blank. */
  static <T> ParamCheck<T> columnName(String owner, String param) {
    return of(owner, param, "a column name (not null, not empty)", v -> v instanceof String && !((String) v).isBlank());
  }

  /** A column name, or the empty string for none. */
  static <T> ParamCheck<T> optionalColumnName(String owner, String param) {
    return of(owner, param, "a column name, or \"\" for none (not null)",
        v -> v instanceof String && (((String) v).isEmpty() || !((String) v).isBlank()));
  }

  /** An integer of at least {@code min}. */
  static <T> ParamCheck<T> atLeast(String owner, String param, long min, String what) {
    return of(owner, param, what, atLeast(min));
  }

  /** The test of an integer of at least {@code min}. */
  static Test atLeast(long min) {
    return v -> v instanceof Number && ((Number) v).longValue() >= min;
  }

  /** The test of a finite number in the given range. */
  static Test range(double lo, boolean loInclusive, double hi, boolean hiInclusive) {
    return v -> {
      if (!(v instanceof Number)) {
        return false;
      }
      double d = ((Number) v).doubleValue();
      return Double.isFinite(d) && (loInclusive ? d >= lo : d > lo) && (hiInclusive ? d <= hi : d < hi);
    };
  }

  /** The test of a positive, finite number. */
  static Test positive() {
    return range(0, false, Double.MAX_VALUE, true);
  }

  /** A finite number in the given range. */
  static <T> ParamCheck<T> range(String owner, String param, double lo, boolean loInclusive, double hi, boolean hiInclusive,
      String what) {
    return of(owner, param, what, range(lo, loInclusive, hi, hiInclusive));
  }

  /** A matrix of at least one row and column with finite entries. */
  static <T> ParamCheck<T> finiteMatrix(String owner, String param) {
    return of(owner, param, "a matrix of at least 1 x 1 with finite entries", v -> {
      if (!(v instanceof org.apache.spark.ml.linalg.Matrix)) {
        return false;
      }
      org.apache.spark.ml.linalg.Matrix mat = (org.apache.spark.ml.linalg.Matrix) v;
      if (mat.numRows() < 1 || mat.numCols() < 1) {
        return false;
      }
      for (double x : mat.toArray()) {
        if (!Double.isFinite(x)) {
          return false;
        }
      }
      return true;
    });
  }

  private static String lower(String value) {
    return value.trim().toLowerCase(Locale.ROOT);
  }

  /**
   * The spelling a choice of {@code p} is read back in: as its config key writes it when the param
   * mirrors one ({@code AE_LS} and {@code ae-ls} read back as {@code ae-ls}, {@code fp64} as
   * {@code double}), else in lower case.
   */
  static String canonical(Param<?> p, String value) {
    if (value == null) {
      return null;
    }
    if (p.isValid() instanceof ParamCheck && ((ParamCheck<?>) p.isValid()).mirrored) {
      return lower(SparkMlParams.settingOf(p.name()).canonical(value));
    }
    return lower(value);
  }

  /** What the param accepts, in words. */
  String expected() {
    if (!mirrored) {
      return expected;
    }
    String key = "what the config key " + SparkMlParams.settingOf(param).name() + " accepts";
    return expected == null ? key : key + ", and " + expected;
  }

  /** The allowed values of a choice, in their canonical spelling; empty for other params. */
  List<String> choices() {
    return choices;
  }

  @Override
  public Object apply(T value) {
    if (!test.accepts(value)) {
      throw new IllegalArgumentException(owner + " param " + param + ": expected " + whatFor(value) + ", got "
          + show(value));
    }
    return Boolean.TRUE;
  }

  /** What is expected, as the failing check words it: the registry's key first. */
  private String whatFor(Object value) {
    if (mirrored) {
      Setting<?> key = SparkMlParams.settingOf(param);
      String r = key.rejection(value);
      return r != null ? r + " (as the config key " + key.name() + ")" : expected;
    }
    return expected;
  }

  private static String show(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String) {
      return "'" + value + "'";
    }
    if (value instanceof org.apache.spark.ml.linalg.Matrix) {
      org.apache.spark.ml.linalg.Matrix mat = (org.apache.spark.ml.linalg.Matrix) value;
      String shape = "a " + mat.numRows() + " x " + mat.numCols() + " matrix";
      double[] v = mat.toArray();
      for (int i = 0; i < v.length; i++) {
        if (!Double.isFinite(v[i])) {
          return shape + " whose entry (" + i % mat.numRows() + ", " + i / mat.numRows() + ") is " + v[i];
        }
      }
      return shape;
    }
    return String.valueOf(value);
  }
}
