package org.pudle.spark.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pudle.spark.UserInputException;
import org.pudle.spark.data.FileSystems;
import org.pudle.spark.io.Storage;

/**
 * A job's settings: a {@code .properties} file (any Hadoop path) with {@code --set key=value}
 * overrides on top. A file may start from another with {@code include = base.properties} (a path
 * relative to the including file): the included keys come first and the file's own override them.
 * A key given twice in one file is an error that names both lines.
 * Values are read through the registry ({@link #get} of a {@link Setting}); {@link #requireKnown}
 * rejects keys that a command does not have. Every error names the key and the source of its
 * value.
 */
public final class Config {
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");

  /** The key of a config file that names the file it starts from; not a setting. */
  public static final String INCLUDE = "include";
  private static final int MAX_INCLUDE_DEPTH = 8;

  private final Map<String, String> values = new LinkedHashMap<>();
  private final Map<String, String> sources = new LinkedHashMap<>();
  private final String name;

  private Config(String name) {
    this.name = name;
  }

  /**
   * Reads {@code path} (or nothing, when null), the files it includes first, and applies the
   * overrides in order.
   *
   * @param overrides {@code key=value} strings
   * @throws ConfigException when a file is missing or unreadable, an include is circular, or an
   *                         override is malformed
   */
  public static Config load(String path, List<String> overrides) {
    Config c = new Config(path == null ? "defaults" : baseName(path));
    if (path != null) {
      Path file;
      try {
        // a local file, or a path on any Hadoop filesystem (spark.hadoop.* settings included)
        file = Storage.resolve(path);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("config file '" + path + "': " + e.getMessage(), e);
      }
      c.readFile(file, path, new ArrayList<>());
    }
    for (String o : overrides) {
      c.set(o);
    }
    return c;
  }

  /** Puts the keys of {@code file}, after those of the file it includes. */
  private void readFile(Path file, String shown, List<Path> chain) {
    if (chain.contains(file)) {
      throw new ConfigException("config file " + shown + ": circular include (" + chain + " -> " + file + ")");
    }
    if (chain.size() >= MAX_INCLUDE_DEPTH) {
      throw new ConfigException("config file " + shown + ": includes nest deeper than " + MAX_INCLUDE_DEPTH);
    }
    Properties props;
    try {
      FileSystem fs = FileSystems.of(file, Storage.driverConfiguration(), "config file");
      if (!fs.exists(file)) {
        throw new ConfigException("config file " + shown + " does not exist"
            + (chain.isEmpty() ? "" : " (included by " + chain.get(chain.size() - 1) + ")"));
      }
      String text;
      try (InputStream in = fs.open(file)) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      props = parse(text, "config file " + shown);
    } catch (IOException | RuntimeException e) {
      if (e instanceof UserInputException) {
        throw (UserInputException) e;
      }
      throw new ConfigException("cannot read config file " + shown + ": " + Storage.cause(shown, e), e);
    }
    String include = props.getProperty(INCLUDE);
    if (include != null && !include.isBlank()) {
      Path base = file.getParent() == null || new Path(include.trim()).isAbsolute() ? new Path(include.trim())
          : new Path(file.getParent(), include.trim());
      chain.add(file);
      readFile(base, base.toString(), chain);
      chain.remove(chain.size() - 1);
    }
    for (String key : new TreeMap<>(toMap(props)).keySet()) {
      if (!key.equals(INCLUDE)) {
        put(key, props.getProperty(key).trim(), shown);
      }
    }
  }

  /**
   * The keys of properties text, read as {@link Properties#load} reads them, with one more rule:
   * a key given twice is an error naming both lines (Properties would keep the last silently).
   *
   * @param shown names the text in the message: {@code config file conf/x.properties}
   */
  static Properties parse(String text, String shown) {
    Properties props = new Properties();
    Map<String, Integer> lines = new LinkedHashMap<>();
    String[] physical = text.split("\r\n|\r|\n", -1);
    for (int i = 0; i < physical.length; i++) {
      int first = i + 1;
      String line = physical[i];
      String lead = line.stripLeading();
      if (lead.isEmpty() || lead.charAt(0) == '#' || lead.charAt(0) == '!') {
        continue;
      }
      // a logical line goes on while a physical one ends in an odd number of backslashes
      StringBuilder logical = new StringBuilder(line);
      while (endsInOddBackslashes(physical[i]) && i + 1 < physical.length) {
        logical.append('\n').append(physical[++i]);
      }
      Properties one = new Properties();
      try {
        one.load(new StringReader(logical.toString()));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      for (String key : one.stringPropertyNames()) {
        Integer before = lines.put(key, first);
        if (before != null) {
          throw new ConfigException(shown + ": key '" + key + "' is given twice, on line " + before + " and on line "
              + first + "; keep one");
        }
        props.setProperty(key, one.getProperty(key));
      }
    }
    return props;
  }

  private static boolean endsInOddBackslashes(String line) {
    int n = 0;
    for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
      n++;
    }
    return n % 2 == 1;
  }

  /** Parses and applies one {@code key=value} override. */
  public Config set(String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException("--set " + override + ": expected key=value");
    }
    if (override.substring(0, eq).trim().equals(INCLUDE)) {
      throw new ConfigException("--set " + override + ": include is read from config files only");
    }
    put(override.substring(0, eq).trim(), override.substring(eq + 1).trim(), "--set");
    return this;
  }

  /** Sets a value programmatically. */
  public Config put(String key, String value, String source) {
    values.put(key, value);
    sources.put(key, source);
    return this;
  }

  /** The config's name: its file's base name without {@code .properties}. */
  public String name() {
    return name;
  }

  /**
   * The raw value, or null. {@code ${other}} in a value expands to the value of key
   * {@code other}, so that for example {@code output = runs/fig4c-${gradient}} follows
   * {@code --set gradient=dec}.
   */
  public String raw(String key) {
    String v = values.get(key);
    return v == null || v.isEmpty() ? null : expand(key, v, 0);
  }

  private String expand(String key, String value, int depth) {
    if (!value.contains("${")) {
      return value;
    }
    if (depth > 8) {
      throw error(key, "${...} references nest too deeply (a cycle?) in '" + value + "'");
    }
    Matcher mt = REFERENCE.matcher(value);
    StringBuilder sb = new StringBuilder();
    while (mt.find()) {
      String ref = mt.group(1);
      String v = values.get(ref);
      if (v == null) {
        throw error(key, "'" + value + "' refers to ${" + ref + "}, which is not set in the config or by --set");
      }
      mt.appendReplacement(sb, Matcher.quoteReplacement(expand(ref, v, depth + 1)));
    }
    mt.appendTail(sb);
    return sb.toString();
  }

  /** Where the key's value came from: a file path or {@code --set}. */
  public String source(String key) {
    return sources.getOrDefault(key, "default");
  }

  /**
   * The value of {@code setting}: parsed from the config, checked, or its default.
   *
   * @throws ConfigException naming the key and its source when the value is not one
   */
  public <T> T get(Setting<T> setting) {
    return setting.read(this);
  }

  /** Whether the config gives {@code setting} a (non-empty) value. */
  public boolean isSet(Setting<?> setting) {
    return raw(setting.name()) != null;
  }

  /**
   * Builds a value whose constructor validates its arguments (a kernels record such as
   * {@code EncoderParams} or {@code Adam}): the constructor's {@link IllegalArgumentException},
   * whose message starts with the config key ({@code "alpha: expected a positive step, got 0.0"}),
   * becomes an error naming that key and the source of its value.
   */
  public <T> T construct(Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      String msg = String.valueOf(e.getMessage());
      int colon = msg.indexOf(": ");
      if (colon > 0 && msg.substring(0, colon).matches("[A-Za-z0-9_.]+")) {
        throw error(msg.substring(0, colon), msg.substring(colon + 2));
      }
      throw new ConfigException("config " + name + ": " + msg, e);
    }
  }

  /** An error about a key's value, naming the key and its source. */
  public ConfigException error(String key, String message) {
    return new ConfigException("config key '" + key + "' (" + source(key) + "): " + message);
  }

  /**
   * Rejects keys that {@code command} does not have, suggesting the closest one it has.
   */
  public void requireKnown(CommandSettings command) {
    requireKnown(command.names());
  }

  /** Rejects keys outside {@code known}, suggesting the closest known key. */
  public void requireKnown(Set<String> known) {
    List<String> unknown = new ArrayList<>();
    for (String k : values.keySet()) {
      if (!known.contains(k)) {
        unknown.add(k);
      }
    }
    if (!unknown.isEmpty()) {
      StringBuilder sb = new StringBuilder("unknown config key");
      sb.append(unknown.size() > 1 ? "s: " : ": ");
      for (int i = 0; i < unknown.size(); i++) {
        String k = unknown.get(i);
        sb.append(i > 0 ? "; " : "").append("'").append(k).append("' (").append(source(k)).append(")");
        String near = closest(k, known);
        if (near != null) {
          sb.append(", did you mean '").append(near).append("'?");
        }
      }
      throw new ConfigException(sb.toString());
    }
  }

  /** The values as given (file and overrides), for the record of a run. */
  public Map<String, String> values() {
    return Collections.unmodifiableMap(values);
  }

  /**
   * A new config named {@code name} holding this config's values (with their sources) whose key
   * passes {@code keep}. {@code pudle compare} derives each run's config
   * this way and then {@link #put}s the run's overrides.
   */
  public Config subset(String name, java.util.function.Predicate<String> keep) {
    Config c = new Config(name);
    for (var e : values.entrySet()) {
      if (keep.test(e.getKey())) {
        c.put(e.getKey(), e.getValue(), sources.get(e.getKey()));
      }
    }
    return c;
  }

  /**
   * A run's {@code run.properties}: {@code header} (comment lines), then the settings in effect
   * that were given, then those left at their defaults, each as {@code key = value}: a config
   * that reproduces the run. A value whose key names a secret is redacted ({@link SecretRedaction}).
   */
  public static String settingsText(String header, Map<String, String> effective, Map<String, String> given) {
    StringBuilder sb = new StringBuilder(header);
    sb.append("\n# given\n");
    for (var en : effective.entrySet()) {
      if (given.containsKey(en.getKey())) {
        sb.append(en.getKey()).append(" = ").append(SecretRedaction.value(en.getKey(), en.getValue())).append('\n');
      }
    }
    sb.append("\n# defaults\n");
    for (var en : effective.entrySet()) {
      if (!given.containsKey(en.getKey())) {
        sb.append(en.getKey()).append(" = ").append(SecretRedaction.value(en.getKey(), en.getValue())).append('\n');
      }
    }
    return sb.toString();
  }

  /** Reads properties text, for tests. */
  public static Config fromString(String text) {
    Properties props = parse(text, "inline config");
    Config c = new Config("inline");
    for (String key : new TreeMap<>(toMap(props)).keySet()) {
      c.put(key, props.getProperty(key).trim(), "inline");
    }
    return c;
  }

  private static Map<String, String> toMap(Properties props) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String k : props.stringPropertyNames()) {
      m.put(k, props.getProperty(k));
    }
    return m;
  }

  private static String baseName(String path) {
    String n = path.substring(path.lastIndexOf('/') + 1);
    return n.endsWith(".properties") ? n.substring(0, n.length() - ".properties".length()) : n;
  }

  private static String closest(String key, Set<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(key, k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return bestDistance <= Math.max(2, key.length() / 3) ? best : null;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
