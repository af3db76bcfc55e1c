package org.pudle.spark.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A job's settings: a {@code .properties} file (any Hadoop path) with {@code --set key=value}
 * overrides on top. Typed getters record which keys were read, so that {@link #requireAllUsed}
 * can reject unknown keys; every error names the key and the source of its value.
 */
public final class Config {
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");

  private final Map<String, String> values = new LinkedHashMap<>();
  private final Map<String, String> sources = new LinkedHashMap<>();
  private final Set<String> used = new LinkedHashSet<>();
  private final String name;

  private Config(String name) {
    this.name = name;
  }

  /** An empty configuration, for tests and programmatic use. */
  public static Config empty() {
    return new Config("defaults");
  }

  /**
   * Reads {@code path} (or nothing, when null) and applies the overrides in order.
   *
   * @param overrides {@code key=value} strings
   * @throws ConfigException when the file is missing or an override is malformed
   */
  public static Config load(String path, List<String> overrides) {
    Config c = new Config(path == null ? "defaults" : baseName(path));
    if (path != null) {
      Properties props = new Properties();
      try {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(new Configuration());
        if (!fs.exists(p)) {
          throw new ConfigException("config file " + path + " does not exist");
        }
        try (InputStream in = fs.open(p); Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
          props.load(r);
        }
      } catch (IOException | IllegalArgumentException e) {
        if (e instanceof ConfigException) {
          throw (ConfigException) e;
        }
        throw new ConfigException("cannot read config file " + path + ": " + e.getMessage(), e);
      }
      for (String key : new TreeMap<>(toMap(props)).keySet()) {
        c.put(key, props.getProperty(key).trim(), path);
      }
    }
    for (String o : overrides) {
      c.set(o);
    }
    return c;
  }

  /** Parses and applies one {@code key=value} override. */
  public Config set(String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException("--set " + override + ": expected key=value");
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

  /** Whether the key has a value. */
  public boolean has(String key) {
    used.add(key);
    return values.containsKey(key) && !values.get(key).isEmpty();
  }

  /**
   * The raw value, or null. {@code ${other}} in a value expands to the value of key
   * {@code other}, so that for example {@code output = runs/fig4c-${gradient}} follows
   * {@code --set gradient=dec}.
   */
  public String raw(String key) {
    used.add(key);
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

  public String string(String key, String def) {
    String v = raw(key);
    return v == null ? def : v;
  }

  public int integer(String key, int def) {
    return parse(key, def, s -> {
      double d = Double.parseDouble(s);
      if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
        throw new NumberFormatException();
      }
      return (int) d;
    }, "an integer");
  }

  public long longValue(String key, long def) {
    return parse(key, def, s -> {
      double d = Double.parseDouble(s);
      if (d != Math.rint(d) || Math.abs(d) > 9.0e18) {
        throw new NumberFormatException();
      }
      return s.matches("[+-]?\\d+") ? Long.parseLong(s) : (long) d;
    }, "an integer");
  }

  public double real(String key, double def) {
    return parse(key, def, Double::parseDouble, "a number");
  }

  public boolean bool(String key, boolean def) {
    return parse(key, def, s -> {
      switch (s.toLowerCase(Locale.ROOT)) {
        case "true":
        case "yes":
        case "1":
          return true;
        case "false":
        case "no":
        case "0":
          return false;
        default:
          throw new IllegalArgumentException();
      }
    }, "true or false");
  }

  /** Parses a value with {@code parser}; its IllegalArgumentException becomes a named error. */
  public <T> T parse(String key, T def, Function<String, T> parser, String expected) {
    String v = raw(key);
    if (v == null) {
      return def;
    }
    try {
      return parser.apply(v);
    } catch (IllegalArgumentException e) {
      String why = e.getMessage() == null || e instanceof NumberFormatException ? "" : " (" + e.getMessage() + ")";
      throw error(key, "expected " + expected + ", got '" + v + "'" + why);
    }
  }

  /** An error about a key's value, naming the key and its source. */
  public ConfigException error(String key, String message) {
    return new ConfigException("config key '" + key + "' (" + source(key) + "): " + message);
  }

  /**
   * Rejects keys that no getter asked for, suggesting the closest known key.
   *
   * @param known every key the job understands
   */
  public void requireAllUsed(Set<String> known) {
    List<String> unknown = new ArrayList<>();
    for (String k : values.keySet()) {
      if (!used.contains(k) && !known.contains(k)) {
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
   * passes {@code keep}; nothing is marked as read. {@code pudle compare} derives each run's config
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
    Properties props = new Properties();
    try {
      props.load(new StringReader(text));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
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
