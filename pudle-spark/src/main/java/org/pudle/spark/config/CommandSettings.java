package org.pudle.spark.config;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The config keys of one command, in the order of {@code --keys}, {@code run.properties} and the
 * configuration reference ({@code docs/configuration.md}). {@link Commands} holds one for each
 * command.
 */
public final class CommandSettings {
  private final String command;
  private final String about;
  private final CommandSettings base;
  private final List<Setting<?>> settings;
  private final Map<String, Setting<?>> byName;

  /**
   * @param command the command's name, as typed after {@code pudle}
   * @param about   one sentence on what the keys configure, for the reference
   * @param groups  the settings, group after group; a name may appear once
   */
  @SafeVarargs
  public CommandSettings(String command, String about, List<? extends Setting<?>>... groups) {
    this(command, about, null, groups);
  }

  /**
   * A command that takes the keys of {@code base} too, after its own.
   *
   * @param base the command whose keys this one also takes, or null
   */
  @SafeVarargs
  public CommandSettings(String command, String about, CommandSettings base, List<? extends Setting<?>>... groups) {
    this.command = command;
    this.about = about;
    this.base = base;
    List<List<? extends Setting<?>>> parts = new ArrayList<>(List.of(groups));
    if (base != null) {
      parts.add(base.settings());
    }
    List<Setting<?>> all = new ArrayList<>();
    Map<String, Setting<?>> names = new LinkedHashMap<>();
    for (List<? extends Setting<?>> g : parts) {
      for (Setting<?> s : g) {
        if (names.put(s.name(), s) != null) {
          throw new IllegalStateException(command + ": config key " + s.name() + " is registered twice");
        }
        all.add(s);
      }
    }
    this.settings = Collections.unmodifiableList(all);
    this.byName = Collections.unmodifiableMap(names);
  }

  public String command() {
    return command;
  }

  /** What the keys configure, in one sentence. */
  public String about() {
    return about;
  }

  /** The command whose keys this one takes too, or null. */
  public CommandSettings base() {
    return base;
  }

  /** The settings that are this command's own (not its base's), in order. */
  public List<Setting<?>> ownSettings() {
    return base == null ? settings : settings.subList(0, settings.size() - base.settings().size());
  }

  /** The settings, in order. */
  public List<Setting<?>> settings() {
    return settings;
  }

  /** The key names, in order. */
  public Set<String> names() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(byName.keySet()));
  }

  /** The setting named {@code name}, or null. */
  public Setting<?> get(String name) {
    return byName.get(name);
  }

  /**
   * Every setting's value in {@code c} (given or default) as config text, in order; settings
   * without a value, and those in {@code notApplicable} (not even read), are left out. A job then
   * states what it resolved ({@link Effective#set}) and what else does not apply
   * ({@link Effective#remove}): the result is its {@code run.properties}, a config that reproduces
   * the run.
   */
  public Effective effective(Config c, Collection<? extends Setting<?>> notApplicable) {
    Set<String> skip = new LinkedHashSet<>();
    for (Setting<?> s : notApplicable) {
      skip.add(s.name());
    }
    Effective e = new Effective();
    for (Setting<?> s : settings) {
      if (!skip.contains(s.name())) {
        e.setText(s, text(s, c));
      }
    }
    return e;
  }

  /** {@link #effective(Config, Collection)} with every setting applicable. */
  public Effective effective(Config c) {
    return effective(c, List.of());
  }

  private static <T> String text(Setting<T> s, Config c) {
    return s.format(c.get(s));
  }

  /** The settings in effect of one run, being assembled: values as config text, in the command's order. */
  public final class Effective {
    private final Map<String, String> values = new LinkedHashMap<>();

    private Effective() {}

    private void setText(Setting<?> s, String text) {
      if (!byName.containsKey(s.name())) {
        throw new IllegalArgumentException(command + " has no config key " + s.name());
      }
      if (text == null) {
        values.remove(s.name());
      } else {
        values.put(s.name(), text);
      }
    }

    /** The value the run uses for {@code s} (a resolved one), as {@link Setting#format} writes it. */
    public <T> Effective set(Setting<T> s, T value) {
      setText(s, s.format(value));
      return this;
    }

    /** Leaves keys out that do not apply to the run. */
    public Effective remove(Setting<?>... keys) {
      for (Setting<?> s : keys) {
        setText(s, null);
      }
      return this;
    }

    /** Leaves the keys of {@code group} out. */
    public Effective removeAll(List<? extends Setting<?>> group) {
      for (Setting<?> s : group) {
        setText(s, null);
      }
      return this;
    }

    /** The settings as {@code key -> value}, in the command's order. */
    public Map<String, String> toMap() {
      Map<String, String> out = new LinkedHashMap<>();
      for (Setting<?> s : settings) {
        String v = values.get(s.name());
        if (v != null) {
          out.put(s.name(), v);
        }
      }
      return Collections.unmodifiableMap(out);
    }
  }

  /** The {@code --keys} listing: one line per key, with its default and meaning. */
  public void printKeys(PrintWriter out) {
    for (Setting<?> s : settings) {
      out.printf(Locale.ROOT, "%-22s %-22s %s%n", s.name(), s.defaultText(), s.doc());
    }
    out.flush();
  }

  /** The command's own keys as a Markdown table: key, default, meaning. */
  public String markdownTable() {
    StringBuilder sb = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
    for (Setting<?> s : ownSettings()) {
      sb.append("| `").append(s.name()).append("` | ").append(cell(s.defaultText())).append(" | ")
          .append(cell(s.doc())).append(" |\n");
    }
    return sb.toString();
  }

  /**
   * Text for a Markdown table cell: pipes escaped, and a {@code <} that would open an HTML tag
   * ({@code <config name>}) written as {@code &lt;}, so that it shows as typed.
   */
  static String cell(String text) {
    return text.replace("|", "\\|").replaceAll("<(?=[A-Za-z/])", "&lt;");
  }
}
