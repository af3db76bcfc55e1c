package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.util.JsonProtocol;
import org.junit.jupiter.api.Test;

/**
 * Spark's event log ({@code spark.eventLog.enabled}, what a history server reads) writes every
 * event as JSON with Jackson; with a jackson-core older than jackson-databind on the classpath
 * (Avro's 2.14 beside Spark's 2.15) its first event failed with NoClassDefFoundError and the run
 * never started.
 */
class EventLogClasspathTest {
  @Test
  void jacksonCoreMatchesDatabind() {
    com.fasterxml.jackson.core.Version core = com.fasterxml.jackson.core.json.PackageVersion.VERSION;
    com.fasterxml.jackson.core.Version databind = com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION;
    assertEquals(databind.getMajorVersion() + "." + databind.getMinorVersion(),
        core.getMajorVersion() + "." + core.getMinorVersion(), "jackson-core against jackson-databind");
  }

  @Test
  void sparkWritesAnEventAsJson() {
    String json = JsonProtocol.sparkEventToJsonString(new SparkListenerApplicationEnd(1234L));
    assertTrue(json.contains("\"Event\":\"SparkListenerApplicationEnd\"") && json.contains("1234"), json);
  }
}
