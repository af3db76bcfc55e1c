package org.pudle.kernels.structure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.LineMap;
import com.sun.source.tree.MethodTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.Trees;

/**
 * The sizes of a source tree's classes and methods, from javac's own parser (the JDK's compiler
 * tree API: no dependency, and exactly the boundaries the compiler sees). A class's size is its
 * file's line count; a method's (or constructor's) runs from its first modifier, after the
 * javadoc, to its closing brace.
 */
public final class SourceSizes {
  private SourceSizes() {}

  /**
   * The line counts of the classes and methods of every {@code .java} file under {@code root}:
   * files by their top-level class's name ({@code org.pudle.kernels.UnfoldedIstaCpu}), methods by
   * their class and name ({@code org.pudle.kernels.UnfoldedIstaCpu.forwardAll}; a nested class
   * as {@code Outer.Inner}); overloads by their longest.
   */
  public record Sizes(Map<String, Integer> classes, Map<String, Integer> methods) {
    /** The entries of {@code sizes} above {@code limit} lines. */
    public static Map<String, Integer> over(Map<String, Integer> sizes, int limit) {
      Map<String, Integer> out = new TreeMap<>();
      sizes.forEach((k, v) -> {
        if (v > limit) {
          out.put(k, v);
        }
      });
      return out;
    }
  }

  /** Parses every source file under {@code root}. */
  public static Sizes of(Path root) {
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(f -> f.toString().endsWith(".java")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no .java files under " + root.toAbsolutePath());
    }
    Map<String, Integer> classes = new TreeMap<>();
    Map<String, Integer> methods = new TreeMap<>();
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
      Iterable<? extends JavaFileObject> units = fm.getJavaFileObjectsFromPaths(files);
      JavacTask task = (JavacTask) javac.getTask(null, fm, null, List.of("-proc:none"), null, units);
      SourcePositions positions = Trees.instance(task).getSourcePositions();
      for (CompilationUnitTree cu : task.parse()) {
        String pkg = cu.getPackageName() == null ? "" : cu.getPackageName() + ".";
        Path file = Path.of(cu.getSourceFile().toUri());
        String top = file.getFileName().toString().replaceFirst("\\.java$", "");
        classes.put(pkg + top, lineCount(file));
        new TreePathScanner<Void, List<String>>() {
          @Override
          public Void visitClass(ClassTree node, List<String> names) {
            List<String> inner = new ArrayList<>(names);
            inner.add(node.getSimpleName().toString());
            return super.visitClass(node, inner);
          }

          @Override
          public Void visitMethod(MethodTree node, List<String> names) {
            if (node.getBody() != null) {
              LineMap lines = cu.getLineMap();
              long first = lines.getLineNumber(positions.getStartPosition(cu, node));
              long last = lines.getLineNumber(positions.getEndPosition(cu, node));
              String name = pkg + String.join(".", names) + "." + node.getName();
              methods.merge(name, (int) (last - first + 1), Math::max);
            }
            return super.visitMethod(node, names);
          }
        }.scan(cu, List.of());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Sizes(classes, methods);
  }

  private static int lineCount(Path file) {
    try {
      return (int) Files.lines(file, StandardCharsets.UTF_8).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
