package org.pudle.spark.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.pudle.spark.agg.DistributedPass;
import org.pudle.spark.agg.SumAggregator;

/**
 * A {@link GradientOracle} by one distributed pass per update, written once for every method:
 * broadcast the parameters, {@code treeAggregate} the method's {@link SumAggregator} over the
 * cached items, destroy the broadcast ({@link DistributedPass#aggregate}). A method says which
 * aggregator an update uses ({@link #aggregator}) and what it reads from it afterwards
 * ({@link #result}).
 *
 * @param <T> the items: sample blocks, or images
 * @param <A> the method's aggregator
 */
public abstract class PassOracle<T, A extends SumAggregator<T, A>> implements GradientOracle {
  protected final JavaSparkContext sc;
  protected final JavaRDD<T> items;
  private final int depth;

  /**
   * @param items cached by the caller
   * @param depth the depth of the {@code treeAggregate}
   */
  protected PassOracle(JavaSparkContext sc, JavaRDD<T> items, int depth) {
    this.sc = sc;
    this.items = items;
    this.depth = depth;
  }

  /** The zero aggregator of update {@code update} on the parameters' broadcast. */
  protected abstract A aggregator(Broadcast<double[]> parameters, int update);

  /** The result of the pass of update {@code update}: by default the sums and the kernel time. */
  protected Result result(A aggregated, int update) {
    return new Result(aggregated.sums(), aggregated.kernelSeconds());
  }

  @Override
  public final Result gradient(double[] d, int update) {
    A agg = DistributedPass.aggregate(sc, items, d, bc -> aggregator(bc, update), (a, item) -> a.add(item),
        (a, b) -> a.merge(b), depth);
    return result(agg, update);
  }
}
