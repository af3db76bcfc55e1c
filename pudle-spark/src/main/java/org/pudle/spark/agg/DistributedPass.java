package org.pudle.spark.agg;

import java.io.Serializable;
import java.util.function.Function;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;

/**
 * The one RDD pattern of every job: broadcast D, {@code treeAggregate} an aggregator over the
 * blocks, destroy the broadcast. The last merge runs on an executor
 * ({@code finalAggregateOnExecutor}) when there are more than {@link #DRIVER_MERGES} partitions,
 * so the driver receives one result instead of merging many; with few partitions that extra
 * shuffle stage would cost more than the driver's few merges.
 */
public final class DistributedPass {
  /** Up to this many partitions, the driver does the final merges itself. */
  public static final int DRIVER_MERGES = 8;

  private DistributedPass() {}

  /** A serializable two-argument function. */
  @FunctionalInterface
  public interface Op<A, B> extends Serializable {
    A apply(A acc, B value);
  }

  /**
   * @param zero builds the aggregator's zero value from the dictionary broadcast
   */
  public static <T, A extends Serializable> A aggregate(JavaSparkContext sc, JavaRDD<T> rdd, double[] dictionary,
      Function<Broadcast<double[]>, A> zero, Op<A, T> add, Op<A, A> merge, int depth) {
    // a copy: in local mode the tasks read the broadcast object itself, and the driver goes on
    // to update its dictionary in place
    Broadcast<double[]> bc = sc.broadcast(dictionary.clone());
    try {
      return treeAggregate(rdd, zero.apply(bc), add, merge, depth);
    } finally {
      bc.destroy();
    }
  }

  /** {@code treeAggregate} with the final merge on an executor. */
  @SuppressWarnings("unchecked")
  public static <T, A extends Serializable> A treeAggregate(JavaRDD<T> rdd, A zero, Op<A, T> add, Op<A, A> merge,
      int depth) {
    ClassTag<A> tag = (ClassTag<A>) (ClassTag<?>) ClassTag$.MODULE$.apply(zero.getClass());
    boolean finalOnExecutor = rdd.getNumPartitions() > DRIVER_MERGES;
    return rdd.rdd().treeAggregate(zero, new Fn2<>(add), new Fn2<>(merge), depth, finalOnExecutor, tag);
  }

  private static final class Fn2<A, B> extends AbstractFunction2<A, B, A> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Op<A, B> op;

    Fn2(Op<A, B> op) {
      this.op = op;
    }

    @Override
    public A apply(A a, B b) {
      return op.apply(a, b);
    }
  }
}
