package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The defaults SparkSessions gives a local master, and only a local one. */
class SparkSessionsTest {
  @Test
  void aLocalMasterSendsTaskResultsStraightToTheDriver() {
    for (String master : new String[] {"local", "local[*]", "local[2]"}) {
      SparkConf conf = new SparkConf(false).setMaster(master);
      SparkSessions.localDefaults(conf);
      assertEquals("128m", conf.get("spark.task.maxDirectResultSize"), master);
      assertEquals("0", conf.get("spark.executor.killOnFatalError.depth"), master);
    }
  }

  @Test
  void theUsersSettingsWinAndClustersKeepSparksDefaults() {
    SparkConf own = new SparkConf(false).setMaster("local[2]").set("spark.task.maxDirectResultSize", "4m");
    SparkSessions.localDefaults(own);
    assertEquals("4m", own.get("spark.task.maxDirectResultSize"));
    for (String master : new String[] {"local-cluster[2,1,1024]", "spark://127.0.0.1:7077", "yarn"}) {
      SparkConf conf = new SparkConf(false).setMaster(master);
      SparkSessions.localDefaults(conf);
      assertFalse(conf.contains("spark.task.maxDirectResultSize"), master);
      assertFalse(conf.contains("spark.executor.killOnFatalError.depth"), master);
    }
  }
}
