package org.pudle.kernels.structure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** No package of pudle-kernels' main classes depends, through others, on itself. */
class PackageCyclesTest {

  @Test
  void theMainClassesHaveNoPackageCycle() {
    Map<String, Set<String>> edges = PackageCycles.edges(Path.of("target", "classes"), "org.pudle.kernels");
    assertTrue(edges.keySet().containsAll(List.of("org.pudle.kernels", "org.pudle.kernels.cuda",
        "org.pudle.kernels.conv", "org.pudle.kernels.pool")), "jdeps saw the packages: " + edges.keySet());
    assertTrue(edges.get("org.pudle.kernels.pool").contains("org.pudle.kernels.cuda"), edges.toString());
    for (List<String> cycle : PackageCycles.cycles(edges)) {
      fail("package cycle " + cycle + ":" + PackageCycles.describe(edges, cycle));
    }
  }

  @Test
  void cyclesAreTheStronglyConnectedComponents() {
    Map<String, Set<String>> g = Map.of("a", Set.of("b"), "b", Set.of("c", "d"), "c", Set.of("a"), "d", Set.of("e"),
        "e", Set.of("d"), "f", Set.of("a"));
    assertEquals(List.of(List.of("a", "b", "c"), List.of("d", "e")), PackageCycles.cycles(g));
    assertEquals(List.of(List.of("a", "b", "c")),
        PackageCycles.cycles(PackageCycles.without(g, List.of(List.of("d", "e")))));
    assertEquals(List.of(), PackageCycles.cycles(Map.of("a", Set.of("b"), "b", Set.of())));
  }
}
