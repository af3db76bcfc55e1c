package org.pudle.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.pudle.spark.SparkTestSupport;

/** The console says where the cached samples are, as Spark's block manager reports it. */
class CacheReportTest {

  @Test
  void saysWhereThePartitionsAre() {
    List<double[]> rows = List.of(new double[1000], new double[1000], new double[1000], new double[1000]);
    JavaRDD<double[]> memory = SparkTestSupport.sc().parallelize(rows, 2).persist(StorageLevel.MEMORY_ONLY());
    JavaRDD<double[]> disk = SparkTestSupport.sc().parallelize(rows, 2).persist(StorageLevel.DISK_ONLY());
    JavaRDD<double[]> none = SparkTestSupport.sc().parallelize(rows, 2);
    try {
      memory.count();
      disk.count();
      none.count();
      String m = CacheReport.of(SparkTestSupport.sc(), memory);
      assertTrue(m.startsWith("cached in memory (") && m.endsWith(" KB)"), m);
      String d = CacheReport.of(SparkTestSupport.sc(), disk);
      assertTrue(d.startsWith("cached on disk (") && d.contains("did not fit in the storage memory"), d);
      assertEquals("not cached (no room in memory or on disk): every pass computes the samples again",
          CacheReport.of(SparkTestSupport.sc(), none));
    } finally {
      memory.unpersist(true);
      disk.unpersist(true);
    }
    // what the block manager reports when part of the data did not fit
    assertEquals("cached 96 MB in memory and 1.9 GB on disk (what did not fit in the storage memory)",
        CacheReport.describe(16, 16, 96L << 20, 1946L << 20));
    assertEquals("3 of 8 partitions cached, in memory (20 MB); every pass computes the other 5 again",
        CacheReport.describe(8, 3, 20L << 20, 0));
  }
}
