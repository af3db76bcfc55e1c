package org.pudle.spark.ml;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.IhtCoding;
import org.pudle.kernels.OrthogonalMatchingPursuit;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.linalg.Blas;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.agg.OperatorCache;
import org.pudle.spark.data.SampleNormalization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Codes the rows of one partition in blocks of up to {@value #BLOCK} samples with one
 * GEMM-based kernel call per block. Rows keep their columns and get the code appended, then the
 * reconstruction {@code D z} and the error {@code 1/2 ||x - D z||^2} when asked for. An invalid
 * row (see {@link RowSamples}) fails the task naming the row ({@code error}), is dropped
 * ({@code skip}) or gets nulls ({@code keep}); skipped and kept rows are counted in an
 * accumulator.
 */
final class Coder implements MapPartitionsFunction<Row, Row>, Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PudleModel.class);
  /** The models that have warned of all-zero codes in this JVM. */
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
  static final int BLOCK = 256;

  /** How to code, what to add, how to treat invalid rows. */
  record Plan(String who, int m, int p, String how, EncoderParams encoder, FistaLasso.Options lasso,
      IhtCoding.Options iht, int maxNonZeros, KernelSpec kernels, SampleNormalization normalize, int input,
      String inputName, int id, String idName, String handleInvalid, boolean reconstruction, boolean error)
      implements Serializable {}

  private final Broadcast<double[]> dictionary;
  private final Plan plan;
  private final LongAccumulator invalid;
  private transient OrthogonalMatchingPursuit omp;

  Coder(Broadcast<double[]> dictionary, Plan plan, LongAccumulator invalid) {
    this.dictionary = dictionary;
    this.plan = plan;
    this.invalid = invalid;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    TaskContext task = TaskContext.get();
    int partition = task == null ? 0 : task.partitionId();
    return new Iterator<>() {
      private final List<Row> pending = new ArrayList<>();
      private final List<Row> ready = new ArrayList<>();
      private int next;
      private long position;
      private long coded;
      private long nonZeros;

      @Override
      public boolean hasNext() {
        while (next >= ready.size()) {
          ready.clear();
          next = 0;
          pending.clear();
          while (rows.hasNext() && pending.size() < BLOCK) {
            pending.add(rows.next());
          }
          if (pending.isEmpty()) {
            warnIfAllZero(coded, nonZeros);
            return false;
          }
          long[] stats = code(pending, ready, position, partition);
          position += pending.size();
          coded += stats[0];
          nonZeros += stats[1];
        }
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return ready.get(next++);
      }
    };
  }

  /**
   * Codes {@code rows} (the rows from {@code position} of the partition) into {@code out}.
   *
   * @return {the valid rows, the non-zero code entries}
   */
  long[] code(List<Row> rows, List<Row> out, long position, int partition) {
    int m = plan.m();
    int p = plan.p();
    double[] x = new double[m * rows.size()];
    int[] col = new int[rows.size()];
    int cols = 0;
    long bad = 0;
    for (int r = 0; r < rows.size(); r++) {
      Row row = rows.get(r);
      String why = RowSamples.read(row.get(plan.input()), m, x, cols * m);
      if (why != null) {
        if (plan.handleInvalid().equals("error")) {
          String name = plan.id() >= 0 ? "row " + plan.idName() + "=" + row.get(plan.id())
              : "row " + (position + r) + " of partition " + partition;
          throw new IllegalArgumentException(plan.who() + ".transform: " + name + " of column '" + plan.inputName()
              + "': " + (why.startsWith("is ") ? "the sample " + why : why) + " (handleInvalid = skip drops invalid "
              + "rows, keep gives them null codes)");
        }
        col[r] = -1;
        bad++;
        continue;
      }
      plan.normalize().apply(x, cols * m, m);
      col[r] = cols++;
    }
    if (bad > 0 && invalid != null) {
      invalid.add(bad);
    }
    double[] z = codes(x, cols);
    double[] xhat = plan.reconstruction() || plan.error() ? reconstruct(z, cols) : null;
    long nonZeros = 0;
    for (double v : z) {
      nonZeros += v != 0 ? 1 : 0;
    }
    int extra = 1 + (plan.reconstruction() ? 1 : 0) + (plan.error() ? 1 : 0);
    for (int r = 0; r < rows.size(); r++) {
      if (col[r] < 0 && plan.handleInvalid().equals("skip")) {
        continue;
      }
      Row row = rows.get(r);
      Object[] values = new Object[row.length() + extra];
      for (int i = 0; i < row.length(); i++) {
        values[i] = row.get(i);
      }
      int k = row.length();
      int c = col[r];
      values[k++] = c < 0 ? null : sparse(z, c * p, p);
      if (plan.reconstruction()) {
        values[k++] = c < 0 ? null : Vectors.dense(java.util.Arrays.copyOfRange(xhat, c * m, (c + 1) * m));
      }
      if (plan.error()) {
        values[k] = c < 0 ? null : halfSquaredError(x, xhat, c * m, m);
      }
      out.add(RowFactory.create(values));
    }
    return new long[] {cols, nonZeros};
  }

  private static double halfSquaredError(double[] x, double[] xhat, int off, int m) {
    double s = 0;
    for (int i = off; i < off + m; i++) {
      double e = x[i] - xhat[i];
      s += e * e;
    }
    return 0.5 * s;
  }

  /** D Z for the {@code cols} codes of {@code z}, m x cols. */
  private double[] reconstruct(double[] z, int cols) {
    double[] xhat = new double[plan.m() * cols];
    if (cols > 0) {
      Blas.blas().dgemm("N", "N", plan.m(), cols, plan.p(), 1.0, dictionary.value(), 0, plan.m(), z, 0, plan.p(), 0.0,
          xhat, 0, plan.m());
    }
    return xhat;
  }

  /** The codes of the {@code cols} samples of {@code x}, p x cols. */
  double[] codes(double[] x, int cols) {
    int m = plan.m();
    int p = plan.p();
    double[] d = dictionary.value();
    if (cols == 0) {
      return new double[0];
    }
    switch (plan.how()) {
      case "lasso":
        return OperatorCache.lasso(dictionary.id(), d, m, p, plan.encoder().lambda(), plan.lasso()).solve(x, 0, cols)
            .z();
      case "iht":
        return OperatorCache.iht(dictionary.id(), d, m, p, plan.iht()).solve(x, 0, cols).z();
      case "omp":
        if (omp == null) {
          omp = new OrthogonalMatchingPursuit(d, m, p, plan.maxNonZeros());
        }
        return omp.solve(x, 0, cols);
      default:
        DictionaryOperator op = OperatorCache.get(dictionary.id(), d, m, p, plan.encoder().alpha());
        double[] z = new double[p * cols];
        try (KernelPool.Lease<UnfoldedIsta> lease = KernelPool.of(plan.kernels()).unfoldedIsta(op, plan.encoder(),
            UnfoldedIsta.DEFAULT_SCRATCH_BYTES)) {
          lease.kernel().encode(x, 0, cols, z, 0);
        }
        return z;
    }
  }

  private void warnIfAllZero(long coded, long nonZeros) {
    if (coded > 0 && nonZeros == 0 && WARNED.add(plan.who())) {
      LOG.warn("{}: every code of the {} rows of a partition is zero (coding {}): {}", plan.who(), coded, plan.how(),
          zeroCodesHint(plan.how(), plan.encoder(), plan.iht()));
    }
  }

  /** Why every code is zero, and what to lower, for the coding {@code how}. */
  static String zeroCodesHint(String how, EncoderParams encoder, IhtCoding.Options iht) {
    switch (how) {
      case "iht":
        return "the IHT thresholds (noodlTau = " + iht.tau() + ", noodlC / 2 = " + iht.c() / 2
            + ") are above every correlation; lower them";
      case "lasso":
        return "lambda = " + encoder.lambda() + " is above every correlation |D^T x|; lower lambda";
      case "omp":
        return "every sample is zero or orthogonal to every atom";
      default:
        return encoder.threshold() == org.pudle.kernels.ThresholdKind.HARD
            ? "the hard threshold b = " + encoder.htB() + " is above every |alpha D^T x|; lower hardThreshold"
            : "alpha lambda = " + encoder.alpha() * encoder.lambda() + " is above every |alpha D^T x|; lower lambda";
    }
  }

  private static Vector sparse(double[] z, int off, int p) {
    int nnz = 0;
    for (int i = off; i < off + p; i++) {
      if (z[i] != 0) {
        nnz++;
      }
    }
    int[] idx = new int[nnz];
    double[] val = new double[nnz];
    int k = 0;
    for (int i = 0; i < p; i++) {
      if (z[off + i] != 0) {
        idx[k] = i;
        val[k++] = z[off + i];
      }
    }
    return Vectors.sparse(p, idx, val);
  }
}
