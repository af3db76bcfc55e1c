package org.pudle.spark.ml;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.pudle.kernels.DictionaryOperator;
import org.pudle.kernels.EncoderParams;
import org.pudle.kernels.FistaLasso;
import org.pudle.kernels.IhtCoding;
import org.pudle.kernels.UnfoldedIsta;
import org.pudle.kernels.pool.KernelPool;
import org.pudle.kernels.pool.KernelSpec;
import org.pudle.spark.agg.OperatorCache;

/**
 * Codes the rows of one partition in blocks of up to {@value #BLOCK} samples with one GEMM-based
 * kernel call per block; rows keep their columns and get the code appended (null for a null
 * input).
 */
final class Coder implements MapPartitionsFunction<Row, Row>, Serializable {
  private static final long serialVersionUID = 1L;
  static final int BLOCK = 256;

  private final Broadcast<double[]> dictionary;
  private final int m;
  private final int p;
  private final String how;
  private final EncoderParams encoder;
  private final FistaLasso.Options lasso;
  private final IhtCoding.Options iht;
  private final KernelSpec kernels;
  private final int input;

  Coder(Broadcast<double[]> dictionary, int m, int p, String how, EncoderParams encoder, FistaLasso.Options lasso,
      IhtCoding.Options iht, KernelSpec kernels, int input) {
    this.dictionary = dictionary;
    this.m = m;
    this.p = p;
    this.how = how;
    this.encoder = encoder;
    this.lasso = lasso;
    this.iht = iht;
    this.kernels = kernels;
    this.input = input;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    return new Iterator<>() {
      private final List<Row> pending = new ArrayList<>();
      private final List<Row> ready = new ArrayList<>();
      private int next;

      @Override
      public boolean hasNext() {
        if (next < ready.size()) {
          return true;
        }
        ready.clear();
        next = 0;
        pending.clear();
        while (rows.hasNext() && pending.size() < BLOCK) {
          pending.add(rows.next());
        }
        if (!pending.isEmpty()) {
          code(pending, ready);
        }
        return !ready.isEmpty();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return ready.get(next++);
      }
    };
  }

  /** Codes {@code rows} into {@code out}, in order. */
  void code(List<Row> rows, List<Row> out) {
    double[] x = new double[m * rows.size()];
    int[] col = new int[rows.size()];
    int cols = 0;
    for (int r = 0; r < rows.size(); r++) {
      Row row = rows.get(r);
      if (row.isNullAt(input)) {
        col[r] = -1;
        continue;
      }
      col[r] = cols;
      PudleDictionaryLearning.copySample(row.get(input), x, cols * m, m, "PudleModel.transform");
      cols++;
    }
    double[] z = codes(x, cols);
    for (int r = 0; r < rows.size(); r++) {
      Row row = rows.get(r);
      Object[] values = new Object[row.length() + 1];
      for (int i = 0; i < row.length(); i++) {
        values[i] = row.get(i);
      }
      values[row.length()] = col[r] < 0 ? null : sparse(z, col[r] * p, p);
      out.add(RowFactory.create(values));
    }
  }

  /** The codes of the {@code cols} samples of {@code x}, p x cols. */
  double[] codes(double[] x, int cols) {
    double[] d = dictionary.value();
    if (cols == 0) {
      return new double[0];
    }
    switch (how) {
      case "lasso":
        return OperatorCache.lasso(dictionary.id(), d, m, p, encoder.lambda(), lasso).solve(x, 0, cols).z();
      case "iht":
        return OperatorCache.iht(dictionary.id(), d, m, p, iht).solve(x, 0, cols).z();
      default:
        DictionaryOperator op = OperatorCache.get(dictionary.id(), d, m, p, encoder.alpha());
        double[] z = new double[p * cols];
        try (KernelPool.Lease<UnfoldedIsta> lease = KernelPool.of(kernels).unfoldedIsta(op, encoder,
            UnfoldedIsta.DEFAULT_SCRATCH_BYTES)) {
          lease.kernel().encode(x, 0, cols, z, 0);
        }
        return z;
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
