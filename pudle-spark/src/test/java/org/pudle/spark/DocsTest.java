package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.pudle.spark.cli.PudleMain;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The documentation: the README stays short and names every command, docs/commands.md documents
 * every option, every relative link in README.md and docs/ resolves to a file or a heading, and no
 * page or source cites a document outside the repository.
 *
 * <p>The config keys are documented in docs/configuration.md, generated from the settings
 * registry; its own test checks that the page matches the registry. Here the README must link it.
 */
class DocsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /**
   * Pages that other branches add (the generated configuration reference, the YARN/S3 page and the
   * security page): a link to one of them may not resolve yet. Remove an entry once its page is on
   * this branch.
   */
  private static final Set<String> PENDING = Set.of();

  private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:id|name)=\"([^\"]+)\"");
  private static final Pattern DOCS_CITATION = Pattern.compile("\\b(docs/[\\w./-]+\\.md)(?:#([\\w-]+))?");
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>();
    pages.add(ROOT.resolve("README.md"));
    try (Stream<Path> s = Files.walk(ROOT.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /** The text of a page outside fenced code blocks (links in code are not links). */
  static String prose(String markdown) {
    StringBuilder sb = new StringBuilder();
    boolean fenced = false;
    for (String line : markdown.split("\n", -1)) {
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
        continue;
      }
      if (!fenced) {
        sb.append(line).append('\n');
      }
    }
    return sb.toString();
  }

  /** GitHub's anchor of a heading: the text without markup, lower case, punctuation dropped, spaces to '-'. */
  static String slug(String heading) {
    String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").replace("`", "").replace("\\", "");
    return text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "").replace(' ', '-');
  }

  /** The anchors a page defines: its headings (numbered like GitHub's when repeated) and {@code <a id>}. */
  static Set<String> anchors(String markdown) {
    Set<String> out = new LinkedHashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : prose(markdown).split("\n")) {
      Matcher h = HEADING.matcher(line);
      if (h.matches()) {
        String s = slug(h.group(1));
        int n = seen.merge(s, 1, Integer::sum);
        out.add(n == 1 ? s : s + "-" + (n - 1));
      }
      Matcher a = HTML_ANCHOR.matcher(line);
      while (a.find()) {
        out.add(a.group(1));
      }
    }
    return out;
  }

  @Test
  void slugsFollowGitHub() {
    assertEquals("gradient-studies-pudle-study", slug("Gradient studies (`pudle study`)"));
    assertEquals("the-denoisers-cuda-backend", slug("The denoiser's CUDA backend"));
    assertEquals("results-in-the-papers-setting", slug("Results in the paper's setting"));
    assertEquals(Set.of("a", "a-1", "x"), anchors("# A\ntext\n## A\n<a id=\"x\"></a>\n```\n# not a heading\n```\n"));
  }

  @Test
  void readmeIsShort() {
    long bytes = read(ROOT.resolve("README.md")).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    assertTrue(bytes <= 10 * 1024, "README.md has " + bytes + " bytes; keep it at most 10 KiB and move reference to docs/");
  }

  @Test
  void readmeNamesEveryCommandAndLinksTheReferences() {
    String readme = read(ROOT.resolve("README.md"));
    for (String name : new CommandLine(new PudleMain()).getSubcommands().keySet()) {
      if (name.equals("help")) {
        continue;
      }
      assertTrue(Pattern.compile("submit/pudle " + Pattern.quote(name) + "(?![\\w-])").matcher(readme).find(),
          "README.md does not list the command " + name);
    }
    for (String page : List.of("docs/commands.md", "docs/configuration.md", "docs/math.md")) {
      assertTrue(readme.contains("](" + page + ")"), "README.md does not link " + page);
    }
  }

  @Test
  void commandsPageDocumentsEveryOption() {
    String page = read(ROOT.resolve("docs/commands.md"));
    for (Map.Entry<String, CommandLine> c : new CommandLine(new PudleMain()).getSubcommands().entrySet()) {
      String name = c.getKey();
      if (name.equals("help")) {
        continue;
      }
      int start = page.indexOf("\n## " + name + "\n");
      assertTrue(start >= 0, "docs/commands.md has no section '## " + name + "'");
      int end = page.indexOf("\n## ", start + 1);
      String section = page.substring(start, end < 0 ? page.length() : end);
      for (OptionSpec o : c.getValue().getCommandSpec().options()) {
        String option = o.longestName();
        if (option.equals("--help") || option.equals("--version")) {
          continue;
        }
        assertTrue(Pattern.compile("(?<![\\w-])" + Pattern.quote(option) + "(?![\\w-])").matcher(section).find(),
            "docs/commands.md, section " + name + ", does not document the option " + option);
      }
    }
  }

  @Test
  void relativeLinksResolve() throws IOException {
    List<String> broken = new ArrayList<>();
    Map<Path, Set<String>> anchorCache = new HashMap<>();
    int links = 0;
    for (Path page : pages()) {
      String text = prose(read(page)).replaceAll("``[^`]*``|`[^`\n]*`", "");
      Matcher m = LINK.matcher(text);
      while (m.find()) {
        String target = m.group(1);
        if (SCHEME.matcher(target).find()) {
          continue;
        }
        links++;
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        String where = ROOT.relativize(page) + ": " + target;
        if (!Files.exists(resolved)) {
          String rel = ROOT.relativize(resolved).toString().replace('\\', '/');
          if (!PENDING.contains(rel)) {
            broken.add(where + " (no such file)");
          }
          continue;
        }
        if (anchor != null && resolved.toString().endsWith(".md")) {
          Set<String> known = anchorCache.computeIfAbsent(resolved, p -> anchors(read(p)));
          if (!known.contains(anchor)) {
            broken.add(where + " (no heading or anchor '" + anchor + "')");
          }
        }
      }
    }
    assertTrue(links > 50, "found only " + links + " relative links: the link pattern is broken");
    assertTrue(broken.isEmpty(), "broken links:\n" + String.join("\n", broken));
  }

  /** The number of cells of a table row: pipes escaped as {@code \|} (inside a cell) do not count. */
  static int cells(String row) {
    return row.strip().split("(?<!\\\\)\\|", -1).length - 2;
  }

  @Test
  void tablesHaveTheirHeadersColumns() throws IOException {
    assertEquals(3, cells("| a | `x \\|\\| y` | c |"));
    List<String> bad = new ArrayList<>();
    for (Path page : pages()) {
      int header = -1;
      int lineNo = 0;
      boolean fenced = false;
      for (String line : read(page).split("\n", -1)) {
        lineNo++;
        if (line.strip().startsWith("```")) {
          fenced = !fenced;
        }
        if (fenced || !line.startsWith("|")) {
          header = -1;
          continue;
        }
        int n = cells(line);
        if (header < 0) {
          header = n;
        } else if (n != header) {
          bad.add(ROOT.relativize(page) + ":" + lineNo + ": " + n + " cells, the header has " + header
              + " (escape a | inside a cell as \\|)");
        }
      }
    }
    assertTrue(bad.isEmpty(), "malformed tables:\n" + String.join("\n", bad));
  }

  @Test
  void nothingCitesDocumentsOutsideTheRepository() throws IOException {
    List<String> found = new ArrayList<>();
    Pattern spec = Pattern.compile("\\bSPEC sections?\\b");
    List<Path> files = new ArrayList<>(pages());
    for (String dir : List.of("pudle-kernels/src", "pudle-spark/src", "conf", "submit")) {
      try (Stream<Path> s = Files.walk(ROOT.resolve(dir))) {
        s.filter(Files::isRegularFile)
            .filter(p -> p.toString().matches(".*\\.(java|properties|conf|cu|cpp|h)$") || p.getParent().endsWith("submit"))
            .forEach(files::add);
      }
    }
    for (Path f : files) {
      if (f.endsWith("DocsTest.java")) {
        continue;
      }
      String text = read(f);
      if (!f.toString().endsWith(".md")) {
        // a source or config that cites a docs page cites one that exists, and a section of it that exists
        Matcher cite = DOCS_CITATION.matcher(text);
        while (cite.find()) {
          Path target = ROOT.resolve(cite.group(1));
          if (!Files.exists(target)) {
            if (!PENDING.contains(cite.group(1))) {
              found.add(ROOT.relativize(f) + " cites " + cite.group() + ", which does not exist");
            }
          } else if (cite.group(2) != null && !anchors(read(target)).contains(cite.group(2))) {
            found.add(ROOT.relativize(f) + " cites " + cite.group() + ": no such section");
          }
        }
      }
      if (spec.matcher(text).find()) {
        found.add(ROOT.relativize(f) + " cites SPEC");
      }
      if (f.toString().endsWith(".md") && text.contains("../shared")) {
        found.add(ROOT.relativize(f) + " refers to ../shared");
      }
    }
    assertTrue(files.size() > 100, "scanned only " + files.size() + " files");
    assertTrue(found.isEmpty(), "the repository must stand on its own (cite docs/math.md):\n" + String.join("\n", found));
  }
}
