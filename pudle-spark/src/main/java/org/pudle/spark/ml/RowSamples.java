package org.pudle.spark.ml;

import java.util.List;

import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/**
 * A sample from a cell of a vector or array column: its values, or why the row is invalid (null,
 * a null or non-finite value, a length other than m). Fit ({@link DatasetSource}) and transform
 * ({@link Coder}) read rows through here, so they agree on which rows are invalid.
 */
final class RowSamples {
  private RowSamples() {}

  /** The number of values of a non-null vector or array cell. */
  static int length(Object cell) {
    if (cell instanceof Vector) {
      return ((Vector) cell).size();
    }
    if (cell instanceof scala.collection.Seq) {
      return ((scala.collection.Seq<?>) cell).length();
    }
    if (cell instanceof List) {
      return ((List<?>) cell).size();
    }
    throw new IllegalArgumentException("expected a vector or an array, got " + cell.getClass().getName());
  }

  /**
   * Copies the sample of {@code cell} into {@code x[off, off + m)} when it is valid.
   *
   * @return null for a valid sample, else what is wrong ("is null", "value 3 is NaN", "20
   *         values, expected m = 32"); {@code x} may then hold part of the values
   */
  static String read(Object cell, int m, double[] x, int off) {
    if (cell == null) {
      return "is null";
    }
    int len = length(cell);
    if (len != m) {
      return len + " values, expected m = " + m;
    }
    String bad = copy(cell, x, off);
    if (bad != null) {
      return bad;
    }
    for (int i = 0; i < m; i++) {
      if (!Double.isFinite(x[off + i])) {
        return "value " + i + " is " + x[off + i];
      }
    }
    return null;
  }

  /**
   * What is wrong with a cell whatever m is (null, a null or non-finite value), or null; a valid
   * cell's values go to {@code scratch}, which is grown as needed and returned through
   * {@code holder[0]}.
   */
  static String check(Object cell, double[][] holder) {
    if (cell == null) {
      return "is null";
    }
    int len = length(cell);
    if (holder[0].length < len) {
      holder[0] = new double[len];
    }
    return read(cell, len, holder[0], 0);
  }

  private static String copy(Object cell, double[] x, int off) {
    if (cell instanceof DenseVector) {
      double[] v = ((DenseVector) cell).values();
      System.arraycopy(v, 0, x, off, v.length);
    } else if (cell instanceof SparseVector) {
      SparseVector s = (SparseVector) cell;
      java.util.Arrays.fill(x, off, off + s.size(), 0.0);
      int[] idx = s.indices();
      double[] val = s.values();
      for (int k = 0; k < idx.length; k++) {
        x[off + idx[k]] = val[k];
      }
    } else if (cell instanceof Vector) {
      double[] v = ((Vector) cell).toArray();
      System.arraycopy(v, 0, x, off, v.length);
    } else if (cell instanceof scala.collection.Seq) {
      scala.collection.Seq<?> s = (scala.collection.Seq<?>) cell;
      int n = s.length();
      for (int i = 0; i < n; i++) {
        Object e = s.apply(i);
        if (e == null) {
          return "value " + i + " is null";
        }
        x[off + i] = ((Number) e).doubleValue();
      }
    } else {
      List<?> s = (List<?>) cell;
      for (int i = 0; i < s.size(); i++) {
        Object e = s.get(i);
        if (e == null) {
          return "value " + i + " is null";
        }
        x[off + i] = ((Number) e).doubleValue();
      }
    }
    return null;
  }
}
