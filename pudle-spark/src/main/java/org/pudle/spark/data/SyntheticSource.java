package org.pudle.spark.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.pudle.kernels.data.SyntheticModel;

/**
 * Synthetic samples generated on the executors (docs/math.md#synthetic-data). Partition {@code j}
 * of {@code P} holds samples {@code [j n / P, (j+1) n / P)} and draws each from its own stream, so
 * the data do not depend on the number of partitions and the driver never holds them.
 * {@code D_tilde} reaches the executors as a broadcast.
 */
public final class SyntheticSource implements SampleSource {
  private final SyntheticModel model;
  private final long n;
  private final double[] dTilde;

  public SyntheticSource(SyntheticModel model, long n) {
    this(model, n, model.dictionaryTilde());
  }

  /**
   * @param dTilde the model's {@link SyntheticModel#dictionaryTilde()}, when the caller has it already;
   *               not modified
   */
  public SyntheticSource(SyntheticModel model, long n, double[] dTilde) {
    if (dTilde.length != model.m() * model.p()) {
      throw new IllegalArgumentException("dTilde: expected " + model.m() + " x " + model.p() + " entries, got "
          + dTilde.length);
    }
    this.model = model;
    this.n = n;
    this.dTilde = dTilde;
  }

  @Override
  public int m() {
    return model.m();
  }

  @Override
  public long count() {
    return n;
  }

  @Override
  public String describe() {
    return "synthetic: m=" + model.m() + " p=" + model.p() + " k=" + model.k() + " n=" + n + " seed=" + model.seed();
  }

  @Override
  public Optional<double[]> generatingDictionary() {
    return Optional.of(dTilde.clone());
  }

  public SyntheticModel model() {
    return model;
  }

  @Override
  public JavaRDD<SampleBlock> blocks(JavaSparkContext sc, int partitions, int blockSize) {
    return blocks(sc, partitions, blockSize, 0, n);
  }

  /**
   * The samples {@code [start, end)} of the n, generated on the executors, in {@code partitions}
   * ranges of consecutive indices (fewer when there are fewer samples).
   */
  public JavaRDD<SampleBlock> blocks(JavaSparkContext sc, int partitions, int blockSize, long start, long end) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions: expected at least 1, got " + partitions);
    }
    if (start < 0 || end > n || start > end) {
      throw new IllegalArgumentException("samples [" + start + ", " + end + ") outside [0, " + n + ")");
    }
    long count = end - start;
    int parts = (int) Math.max(1, Math.min(partitions, count));
    List<Integer> ids = new ArrayList<>(parts);
    for (int j = 0; j < parts; j++) {
      ids.add(j);
    }
    Broadcast<double[]> bcD = sc.broadcast(dTilde);
    SyntheticModel mdl = model;
    return sc.parallelize(ids, parts).mapPartitions(it -> {
      if (!it.hasNext()) {
        return java.util.Collections.emptyIterator();
      }
      int j = it.next();
      return blockIterator(mdl, bcD.value(), start + j * count / parts, start + (j + 1) * count / parts, blockSize);
    });
  }

  /** The blocks of samples {@code [start, end)}, generated lazily. */
  public static Iterator<SampleBlock> blockIterator(SyntheticModel model, double[] dTilde, long start, long end,
      int blockSize) {
    return new Iterator<>() {
      private long next = start;

      @Override
      public boolean hasNext() {
        return next < end;
      }

      @Override
      public SampleBlock next() {
        if (next >= end) {
          throw new NoSuchElementException();
        }
        int cols = (int) Math.min(blockSize, end - next);
        int m = model.m();
        int k = model.k();
        double[] x = new double[m * cols];
        int[] support = new int[k * cols];
        double[] amplitude = new double[k * cols];
        model.generate(dTilde, next, cols, x, 0, support, amplitude);
        SampleBlock b = new SampleBlock(next, m, cols, x, k, support, amplitude);
        next += cols;
        return b;
      }
    };
  }
}
