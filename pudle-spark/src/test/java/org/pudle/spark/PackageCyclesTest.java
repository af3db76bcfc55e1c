package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The packages of pudle-spark depend on each other without cycles (read from the sources). */
class PackageCyclesTest {
  private static final Path SOURCES = Path.of("src", "main", "java");
  private static final Pattern PACKAGE = Pattern.compile("^package ([a-z0-9.]+);", Pattern.MULTILINE);
  /** A reference to a class of pudle-spark: an import or a fully qualified name. */
  private static final Pattern REFERENCE = Pattern.compile("\\borg\\.pudle\\.spark((?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]");

  /** Package -> the packages of pudle-spark it refers to. */
  static Map<String, Set<String>> dependencies() throws IOException {
    Map<String, Set<String>> deps = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(SOURCES.resolve("org/pudle/spark"))) {
      files = s.filter(p -> p.toString().endsWith(".java")).toList();
    }
    for (Path f : files) {
      // comments may name any class; only code depends on one
      String text = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
      Matcher pm = PACKAGE.matcher(text);
      assertTrue(pm.find(), f.toString());
      String pkg = pm.group(1);
      Set<String> out = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
      Matcher rm = REFERENCE.matcher(text.substring(pm.end()));
      while (rm.find()) {
        String target = "org.pudle.spark" + rm.group(1);
        if (!target.equals(pkg)) {
          out.add(target);
        }
      }
    }
    return deps;
  }

  @Test
  void thereAreNoPackageCycles() throws IOException {
    Map<String, Set<String>> deps = dependencies();
    assertTrue(deps.size() >= 10 && deps.get("org.pudle.spark.cli").contains("org.pudle.spark.config"), deps.toString());
    List<List<String>> cycles = new ArrayList<>();
    for (List<String> component : components(deps)) {
      if (component.size() > 1) {
        cycles.add(component);
      }
    }
    assertEquals(List.of(), cycles, "packages that depend on each other: " + deps);
  }

  /** Tarjan's strongly connected components. */
  private static List<List<String>> components(Map<String, Set<String>> g) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<List<String>> out = new ArrayList<>();
    int[] counter = {0};
    for (String v : g.keySet()) {
      if (!index.containsKey(v)) {
        visit(v, g, index, low, stack, onStack, out, counter);
      }
    }
    return out;
  }

  private static void visit(String v, Map<String, Set<String>> g, Map<String, Integer> index,
      Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<List<String>> out, int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]++);
    stack.push(v);
    onStack.add(v);
    for (String w : g.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        visit(w, g, index, low, stack, onStack, out, counter);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      List<String> component = new ArrayList<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      out.add(component);
    }
  }
}
