package org.pudle.kernels.structure;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;

/**
 * The package dependency graph of compiled classes, read by the JDK's {@code jdeps} (run in this
 * JVM through {@link ToolProvider}, so nothing outside the JDK and the repository is needed), and
 * its cycles: the strongly connected components of more than one package. Used by the
 * package-cycle tests of both modules.
 */
public final class PackageCycles {
  private PackageCycles() {}

  /**
   * The edges {@code from -> {to}} between distinct packages that start with {@code prefix}, as
   * the class files under {@code classes} reference them (imports, fully qualified names, and
   * anything else that reaches the bytecode).
   *
   * @throws IllegalStateException when the folder has no classes or jdeps fails
   */
  public static Map<String, Set<String>> edges(Path classes, String prefix) {
    if (!Files.isDirectory(classes)) {
      throw new IllegalStateException(classes.toAbsolutePath() + ": no compiled classes (run the compile phase first)");
    }
    ToolProvider jdeps = ToolProvider.findFirst("jdeps")
        .orElseThrow(() -> new IllegalStateException("jdeps is not in this JDK (module jdk.jdeps)"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", "-filter:none",
        classes.toString());
    if (status != 0) {
      throw new IllegalStateException("jdeps exited with " + status + ": " + err);
    }
    Map<String, Set<String>> edges = new TreeMap<>();
    for (String line : out.toString().split("\n")) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length >= 3 && parts[1].equals("->") && isIn(parts[0], prefix)) {
        edges.computeIfAbsent(parts[0], k -> new TreeSet<>());
        if (isIn(parts[2], prefix) && !parts[0].equals(parts[2])) {
          edges.get(parts[0]).add(parts[2]);
        }
      }
    }
    return edges;
  }

  private static boolean isIn(String pkg, String prefix) {
    return pkg.equals(prefix) || pkg.startsWith(prefix + ".");
  }

  /** {@code edges} without the edges between the two packages of each pair in {@code ignored}. */
  public static Map<String, Set<String>> without(Map<String, Set<String>> edges, List<List<String>> ignored) {
    Map<String, Set<String>> out = new TreeMap<>();
    edges.forEach((from, tos) -> {
      Set<String> kept = new TreeSet<>();
      for (String to : tos) {
        boolean skip = false;
        for (List<String> pair : ignored) {
          skip |= pair.contains(from) && pair.contains(to);
        }
        if (!skip) {
          kept.add(to);
        }
      }
      out.put(from, kept);
    });
    return out;
  }

  /** The strongly connected components of more than one package (Tarjan's algorithm), sorted. */
  public static List<List<String>> cycles(Map<String, Set<String>> edges) {
    Set<String> nodes = new TreeSet<>(edges.keySet());
    edges.values().forEach(nodes::addAll);
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new HashSet<>();
    List<List<String>> out = new ArrayList<>();
    for (String v : nodes) {
      if (!index.containsKey(v)) {
        visit(v, edges, index, low, stack, onStack, out);
      }
    }
    out.sort((a, b) -> a.get(0).compareTo(b.get(0)));
    return out;
  }

  private static void visit(String v, Map<String, Set<String>> edges, Map<String, Integer> index,
      Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<List<String>> out) {
    index.put(v, index.size());
    low.put(v, index.get(v));
    stack.push(v);
    onStack.add(v);
    for (String w : edges.getOrDefault(v, Collections.emptySet())) {
      if (!index.containsKey(w)) {
        visit(w, edges, index, low, stack, onStack, out);
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
      if (component.size() > 1) {
        Collections.sort(component);
        out.add(component);
      }
    }
  }

  /** The edges that stay inside {@code component}, one per line, for a failure message. */
  public static String describe(Map<String, Set<String>> edges, List<String> component) {
    StringBuilder sb = new StringBuilder();
    for (String from : component) {
      for (String to : edges.getOrDefault(from, Collections.emptySet())) {
        if (component.contains(to)) {
          sb.append("\n  ").append(from).append(" -> ").append(to);
        }
      }
    }
    return sb.toString();
  }
}
