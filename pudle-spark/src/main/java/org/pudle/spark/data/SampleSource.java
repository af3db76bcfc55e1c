package org.pudle.spark.data;

import java.util.Optional;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Where a job's samples come from. Every job reads its data through this interface as an RDD of
 * column blocks; nothing is collected to the driver.
 */
public interface SampleSource {

  /** The signal dimension. */
  int m();

  /** The number of samples. */
  long count();

  /** A short description for logs. */
  String describe();

  /**
   * The samples as blocks of at most {@code blockSize} columns in {@code partitions} partitions.
   * The RDD is not cached; callers cache and name it.
   */
  JavaRDD<SampleBlock> blocks(JavaSparkContext sc, int partitions, int blockSize);

  /**
   * The number of partitions when the {@code partitions} key leaves it to the job (0): Spark's
   * default parallelism (one per core in local mode), or more where the source says so.
   */
  default int defaultPartitions(JavaSparkContext sc) {
    return sc.defaultParallelism();
  }

  /** The dictionary that generated the data, when known. */
  Optional<double[]> generatingDictionary();
}
