package org.pudle.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.spark.ml.param.Param;
import org.junit.jupiter.api.Test;

/** docs/spark-ml.md lists every param with its default, as generated from the params. */
class SparkMlReferenceTest {

  @Test
  void thePageMatchesTheParams() throws IOException {
    String page = Files.readString(Path.of("..", SparkMlReference.FILE));
    assertEquals(SparkMlReference.update(page), page, SparkMlReference.FILE + " differs from the params; write its "
        + "table again with org.pudle.spark.ml.SparkMlReference (see the page)");
    String table = SparkMlReference.table();
    for (Param<?> p : new PudleDictionaryLearning().params()) {
      assertTrue(table.contains("| `" + p.name() + "` |"), p.name());
    }
    assertTrue(table.contains("| `numLayers` | 200 |") && table.contains("| `stepSize` | 1e-3 |")
        && table.contains("| `initialDictionary` | (unset) |") && table.contains("| `reconstructionCol` | \"\" (none) |"),
        table);
  }
}
