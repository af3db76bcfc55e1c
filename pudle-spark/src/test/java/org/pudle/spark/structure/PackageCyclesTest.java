package org.pudle.spark.structure;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.pudle.kernels.structure.PackageCycles;

/** No package of pudle-spark's main classes depends, through others, on itself. */
class PackageCyclesTest {

  @Test
  void theMainClassesHaveNoPackageCycle() {
    Map<String, Set<String>> edges = PackageCycles.edges(Path.of("target", "classes"), "org.pudle.spark");
    assertTrue(edges.keySet().containsAll(List.of("org.pudle.spark.agg", "org.pudle.spark.train",
        "org.pudle.spark.cli", "org.pudle.spark.denoise")), "jdeps saw the packages: " + edges.keySet());
    assertTrue(edges.get("org.pudle.spark.cli").contains("org.pudle.spark.train"), edges.toString());
    for (List<String> cycle : PackageCycles.cycles(edges)) {
      fail("package cycle " + cycle + ":" + PackageCycles.describe(edges, cycle));
    }
  }
}
