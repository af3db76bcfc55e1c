package org.pudle.spark.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code pudle compare}: several learning runs on the same data from the same initial dictionary
 * (the paper's Figures 5 and 6). The config is a {@code train} config, shared by every run, plus
 * <pre>
 *   compare = ae-ls, ae-ls-decay, ae-ls-ht, noodl, altmin
 *   compare.ae-ls-ht.threshold = hard
 *   compare.noodl.method = noodl
 * </pre>
 * Each run is the shared config with its own {@code compare.<run>.<key>} overrides, read and
 * validated like a {@code train} config. The data, its partitioning and the output are shared:
 * runs may not override them.
 *
 * @param base   the shared settings (data, execution, output)
 * @param runs   the runs, in the order of {@code compare}
 * @param target the error level whose first crossing the summary reports
 */
public record CompareParams(String name, TrainParams base, List<Run> runs, double target) {

  /**
   * One run of the comparison.
   *
   * @param config    its config (the shared one with its overrides), for error messages
   * @param overrides its {@code compare.<run>.<key>} values by key
   */
  public record Run(String name, TrainParams params, Config config, Map<String, String> overrides) {}

  private static final Pattern RUN_NAME = Pattern.compile("[A-Za-z0-9_+-]+");

  /** The keys every run shares: the data, how it is cut and cached, and where outputs go. */
  public static Set<String> sharedKeys() {
    Set<String> s = new LinkedHashSet<>();
    for (Setting<?> k : SyntheticSettings.ALL) {
      s.add(k.name());
    }
    s.add(ExecutionSettings.PARTITIONS.name());
    s.add(ExecutionSettings.BLOCK_SIZE.name());
    s.add(TrainSettings.OUTPUT.name());
    s.add(TrainSettings.PROGRESS_SECONDS.name());
    return s;
  }

  public static CompareParams from(Config c) {
    String list = c.get(CompareSettings.COMPARE);
    if (list == null) {
      throw c.error("compare", "expected the runs as a comma-separated list of names, for example "
          + "'compare = ae-ls, noodl' with 'compare.noodl.method = noodl'");
    }
    List<String> names = new ArrayList<>();
    for (String part : list.split(",")) {
      String n = part.trim();
      if (!RUN_NAME.matcher(n).matches()) {
        throw c.error("compare", "run names are letters, digits, '_', '+' and '-'; got '" + n + "' in '" + list + "'");
      }
      if (names.contains(n)) {
        throw c.error("compare", "run '" + n + "' is listed twice in '" + list + "'");
      }
      if (n.equals("target") || n.equals("only")) {
        throw c.error("compare", "'" + n + "' is reserved (compare." + n + "); name the run otherwise");
      }
      names.add(n);
    }
    double target = c.get(CompareSettings.TARGET);

    Map<String, Map<String, String>> overrides = new LinkedHashMap<>();
    for (String n : names) {
      overrides.put(n, new LinkedHashMap<>());
    }
    Set<String> shared = sharedKeys();
    for (String key : c.values().keySet()) {
      if (!key.startsWith("compare.") || key.equals(CompareSettings.TARGET.name())
          || key.equals(CompareSettings.ONLY.name())) {
        continue;
      }
      String rest = key.substring("compare.".length());
      int dot = rest.indexOf('.');
      if (dot <= 0 || dot == rest.length() - 1) {
        throw c.error(key, "expected compare.<run>.<key>, for example compare.noodl.method");
      }
      String run = rest.substring(0, dot);
      String k = rest.substring(dot + 1);
      if (!overrides.containsKey(run)) {
        throw c.error(key, "'" + run + "' is not a run of compare = " + String.join(", ", names));
      }
      if (shared.contains(k)) {
        throw c.error(key, "every run shares the data, its partitioning and the output; set '" + k
            + "' once, outside compare.*");
      }
      overrides.get(run).put(k, c.values().get(key));
    }

    List<String> only = new ArrayList<>(names);
    String onlyText = c.get(CompareSettings.ONLY);
    if (onlyText != null) {
      only.clear();
      for (String part : onlyText.split(",")) {
        String n = part.trim();
        if (!names.contains(n)) {
          throw c.error("compare.only", "'" + n + "' is not a run of compare = " + String.join(", ", names));
        }
        if (!only.contains(n)) {
          only.add(n);
        }
      }
    }

    Config baseConfig = c.subset(c.name(), k -> !k.equals("compare") && !k.startsWith("compare."));
    TrainParams base = TrainParams.from(baseConfig);
    String notHere = base.input() != null ? "input" : base.dictionaries().init() != null ? "init"
        : base.dictionaries().reference() != null ? "reference" : null;
    if (notHere != null) {
      throw c.error(notHere, "pudle compare runs every method on synthetic data (m, p, k, n, seed) from the model's "
          + "D0 and measures the error to D_tilde; '" + notHere + "' is for pudle train");
    }
    List<Run> runs = new ArrayList<>();
    for (String n : names) {
      if (!only.contains(n)) {
        continue;
      }
      Config rc = c.subset(c.name(), k -> !k.equals("compare") && !k.startsWith("compare."));
      for (var e : overrides.get(n).entrySet()) {
        String from = "compare." + n + "." + e.getKey();
        rc.put(e.getKey(), e.getValue(), c.source(from) + ", as " + from);
      }
      runs.add(new Run(n, TrainParams.from(rc), rc, Collections.unmodifiableMap(overrides.get(n))));
    }
    return new CompareParams(c.name(), base, List.copyOf(runs), target);
  }
}
