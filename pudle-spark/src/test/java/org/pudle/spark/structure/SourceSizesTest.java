package org.pudle.spark.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.structure.SourceSizes;

/**
 * No main class of pudle-spark over {@value #CLASS_LINES} lines and no method over
 * {@value #METHOD_LINES}, except those listed here with the reason. An entry that no longer
 * exceeds its limit fails too, so the list stays true.
 */
class SourceSizesTest {
  static final int CLASS_LINES = 500;
  static final int METHOD_LINES = 100;

  /** Classes allowed over the limit, with the reason. */
  private static final Map<String, String> LONG_CLASSES = Map.of();

  /** Methods allowed over the limit, with the reason. */
  private static final Map<String, String> LONG_METHODS = Map.of();

  @Test
  void classesAndMethodsStayShort() {
    SourceSizes.Sizes sizes = SourceSizes.of(Path.of("src", "main", "java"));
    assertTrue(sizes.methods().containsKey("org.pudle.spark.train.TrainJob.run"), "parsed: " + sizes.classes().keySet());
    assertEquals(LONG_CLASSES.keySet(), SourceSizes.Sizes.over(sizes.classes(), CLASS_LINES).keySet(),
        "classes over " + CLASS_LINES + " lines (split them, or list them with the reason)");
    assertEquals(LONG_METHODS.keySet(), SourceSizes.Sizes.over(sizes.methods(), METHOD_LINES).keySet(),
        "methods over " + METHOD_LINES + " lines (split them, or list them with the reason)");
  }
}
