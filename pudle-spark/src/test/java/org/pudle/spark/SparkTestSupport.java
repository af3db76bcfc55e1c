package org.pudle.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * One local[2] Spark for every test class of the JVM (starting one costs seconds), with the
 * security defaults of an embedded run; stopped when the JVM exits.
 */
public final class SparkTestSupport {
  private static JavaSparkContext sc;

  private SparkTestSupport() {}

  public static synchronized JavaSparkContext sc() {
    if (sc == null) {
      SparkConf conf = new SparkConf()
          .setMaster("local[2]")
          .setAppName("pudle-tests")
          .set("spark.ui.showConsoleProgress", "false");
      // as an embedded run: on 127.0.0.1 only, authenticated, without the UI
      SparkSecurity.embedded(conf);
      SparkSession session = SparkSession.builder().config(conf).getOrCreate();
      sc = JavaSparkContext.fromSparkContext(session.sparkContext());
      Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
    }
    return sc;
  }
}
