package org.pudle.spark.ml;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

import scala.runtime.AbstractFunction1;

/**
 * The validator of one {@link org.apache.spark.ml.param.Param}: Spark calls it for every value
 * that reaches the param, through a setter, a {@code ParamMap}, {@code copy} or a loaded model's
 * metadata, so all of them accept the same values. A bad value is an
 * {@link IllegalArgumentException} that names the owner and the param and says what is expected
 * (Spark's own message for a validator that returns false names neither the allowed values nor
 * what was wrong).
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

  private ParamCheck(String owner, String param, String expected, Test test) {
    this.owner = owner;
    this.param = param;
    this.expected = expected;
    this.test = test;
  }

  static <T> ParamCheck<T> of(String owner, String param, String expected, Test test) {
    return new ParamCheck<>(owner, param, expected, test);
  }

  /** One of {@code allowed}, in any case ({@link #canonical} gives the stored spelling). */
  static <T> ParamCheck<T> choice(String owner, String param, List<String> allowed) {
    return of(owner, param, "one of " + String.join(", ", allowed) + " (any case)",
        v -> v instanceof String && allowed.contains(canonical((String) v)));
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
    return of(owner, param, what, v -> v instanceof Number && ((Number) v).longValue() >= min);
  }

  /** A finite number in the given range. */
  static <T> ParamCheck<T> range(String owner, String param, double lo, boolean loInclusive, double hi, boolean hiInclusive,
      String what) {
    return of(owner, param, what, v -> {
      if (!(v instanceof Number)) {
        return false;
      }
      double d = ((Number) v).doubleValue();
      return Double.isFinite(d) && (loInclusive ? d >= lo : d > lo) && (hiInclusive ? d <= hi : d < hi);
    });
  }

  /** A positive, finite number. */
  static <T> ParamCheck<T> positive(String owner, String param, String what) {
    return range(owner, param, 0, false, Double.MAX_VALUE, true, what);
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

  /** Any value of the param's type. */
  static <T> ParamCheck<T> any(String owner, String param) {
    return of(owner, param, "a value (not null)", v -> v != null);
  }

  /** The spelling a choice is stored and compared in: lower case. */
  static String canonical(String value) {
    return value.toLowerCase(Locale.ROOT);
  }

  /** What the param accepts, for the documentation. */
  String expected() {
    return expected;
  }

  @Override
  public Object apply(T value) {
    if (!test.accepts(value)) {
      throw new IllegalArgumentException(owner + " param " + param + ": expected " + expected + ", got "
          + show(value));
    }
    return Boolean.TRUE;
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
