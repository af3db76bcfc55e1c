package org.pudle.spark.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.RDDInfo;
import org.pudle.kernels.io.MemoryCap;

/**
 * Where the partitions of a persisted RDD are once it has been computed, as Spark's block
 * manager reports them: in memory, spilled to disk because they did not fit, or not cached at all
 * (each pass then computes them again: reads the input or generates the data).
 */
public final class CacheReport {
  private CacheReport() {}

  /** The report of {@code rdd}, which has been persisted and computed. */
  public static String of(JavaSparkContext sc, JavaRDD<?> rdd) {
    for (RDDInfo info : sc.sc().getRDDStorageInfo()) {
      if (info.id() == rdd.id()) {
        return describe(info.numPartitions(), info.numCachedPartitions(), info.memSize(), info.diskSize());
      }
    }
    return describe(rdd.getNumPartitions(), 0, 0, 0);
  }

  /**
   * The report from the block manager's numbers.
   *
   * @param partitions the RDD's partitions
   * @param cached     those cached (in memory or on disk)
   * @param memory     bytes cached in memory
   * @param disk       bytes cached on disk
   */
  static String describe(int partitions, int cached, long memory, long disk) {
    if (cached == 0) {
      return "not cached (no room in memory or on disk): every pass computes the samples again";
    }
    String where;
    if (disk == 0) {
      where = "in memory (" + MemoryCap.size(memory) + ")";
    } else if (memory == 0) {
      where = "on disk (" + MemoryCap.size(disk) + "; they did not fit in the storage memory, so every pass reads "
          + "them back from disk)";
    } else {
      where = MemoryCap.size(memory) + " in memory and " + MemoryCap.size(disk) + " on disk (what did not fit in the "
          + "storage memory)";
    }
    if (cached < partitions) {
      return cached + " of " + partitions + " partitions cached, " + where + "; every pass computes the other "
          + (partitions - cached) + " again";
    }
    return "cached " + where;
  }
}
