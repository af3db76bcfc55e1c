package org.pudle.spark.config;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One config key of the registry ({@link Commands}): its name, the type of its value (a parser and
 * the text that says what it accepts), its default, a validator, how a value is written back
 * ({@code run.properties}), and what it means. A job reads a value with {@link Config#get}; every
 * error names the key and the source of its value.
 *
 * <p>A default is written as a user would write it ({@code integer("T", "200")}) and parsed by the
 * setting's own parser, so that the documentation shows a value that a config may contain. Some
 * defaults are not a value but a rule ({@code output}: {@code runs/<config name>}); they are
 * {@link #derived}.
 *
 * @param <T> the type of the value
 */
public final class Setting<T> {

  /** Turns a value's text into a value; throws an {@link IllegalArgumentException} when it cannot. */
  @FunctionalInterface
  public interface Parser<T> {
    T parse(String text);
  }

  private final String name;
  private final Parser<T> parser;
  private final String expected;
  private final Function<T, String> format;
  private final T defaultValue;
  private final Function<Config, T> derivedDefault;
  private final String defaultText;
  private final Predicate<T> valid;
  private final String validExpected;
  private final String doc;
  private final String nullText;
  private final boolean defaultTextIsValue;

  private Setting(String name, Parser<T> parser, String expected, Function<T, String> format, T defaultValue,
      Function<Config, T> derivedDefault, String defaultText, Predicate<T> valid, String validExpected, String doc,
      String nullText, boolean defaultTextIsValue) {
    this.name = Objects.requireNonNull(name);
    this.parser = Objects.requireNonNull(parser);
    this.expected = Objects.requireNonNull(expected);
    this.format = Objects.requireNonNull(format);
    this.defaultValue = defaultValue;
    this.derivedDefault = derivedDefault;
    this.defaultText = Objects.requireNonNull(defaultText);
    this.valid = valid;
    this.validExpected = validExpected;
    this.doc = doc == null ? "" : doc;
    this.nullText = nullText;
    this.defaultTextIsValue = defaultTextIsValue;
  }

  /**
   * A setting whose values {@code parser} reads.
   *
   * @param def      the default as a user would write it, or null for none (the value is then null)
   * @param expected what the parser accepts, for errors: {@code "soft or hard"}
   */
  public static <T> Setting<T> of(String name, String def, Parser<T> parser, String expected) {
    T value = def == null ? null : parser.parse(def);
    return new Setting<>(name, parser, expected, String::valueOf, value, null, def == null ? "(none)" : def, null,
        null, "", null, def != null);
  }

  /** An integer; {@code 1e4} is accepted as 10000. */
  public static Setting<Integer> integer(String name, String def) {
    return of(name, def, Setting::parseInt, "an integer");
  }

  /** A long integer; {@code 1e6} is accepted as 1000000. */
  public static Setting<Long> longInteger(String name, String def) {
    return of(name, def, Setting::parseLong, "an integer");
  }

  /** A number. */
  public static Setting<Double> real(String name, String def) {
    return of(name, def, Double::parseDouble, "a number");
  }

  /** A number whose default is a constant of the code (the kernels' defaults), shown as {@link #shown}. */
  public static Setting<Double> real(String name, double def) {
    return real(name, shown(def));
  }

  /** {@code true}/{@code yes}/{@code 1} or {@code false}/{@code no}/{@code 0}. */
  public static Setting<Boolean> bool(String name, String def) {
    return of(name, def, Setting::parseBool, "true or false");
  }

  /** Text taken as written (trimmed). */
  public static Setting<String> text(String name, String def) {
    return of(name, def, s -> s, "text");
  }

  /** The same setting with another check: a value that fails it is an error "expected {@code what}, got v". */
  public Setting<T> check(Predicate<T> test, String what) {
    return new Setting<>(name, parser, expected, format, defaultValue, derivedDefault, defaultText, test, what, doc,
        nullText, defaultTextIsValue);
  }

  /** The same setting with its documentation. */
  public Setting<T> doc(String meaning) {
    return new Setting<>(name, parser, expected, format, defaultValue, derivedDefault, defaultText, valid,
        validExpected, meaning, nullText, defaultTextIsValue);
  }

  /** The same setting written back by {@code writer} instead of {@code String.valueOf}. */
  public Setting<T> format(Function<T, String> writer) {
    return new Setting<>(name, parser, expected, writer, defaultValue, derivedDefault, defaultText, valid,
        validExpected, doc, nullText, defaultTextIsValue);
  }

  /**
   * The same setting with a value for "none" that is written back as {@code text}
   * ({@code input.format = auto} parses to null, to be told from the files).
   */
  public Setting<T> nullAs(String text) {
    return new Setting<>(name, parser, expected, format, defaultValue, derivedDefault, defaultText, valid,
        validExpected, doc, text, defaultTextIsValue);
  }

  /** The same setting with another default, written as a user would write it (another command's). */
  public Setting<T> withDefault(String def) {
    return new Setting<>(name, parser, expected, format, def == null ? null : parser.parse(def), null,
        def == null ? "(none)" : def, valid, validExpected, doc, nullText, def != null);
  }

  /**
   * The same setting with a default that is not a config value: an empty list shown as
   * {@code (none)}, say.
   */
  public Setting<T> withDefault(T value, String shownAs) {
    return new Setting<>(name, parser, expected, format, value, null, shownAs, valid, validExpected, doc, nullText,
        false);
  }

  /** The same setting with a default that follows from the config: {@code runs/<config name>}. */
  public Setting<T> derived(String shownAs, Function<Config, T> rule) {
    return new Setting<>(name, parser, expected, format, null, rule, shownAs, valid, validExpected, doc, nullText,
        false);
  }

  public String name() {
    return name;
  }

  /** What the key means. */
  public String doc() {
    return doc;
  }

  /** The default as users see it in {@code --keys} and the configuration reference. */
  public String defaultText() {
    return defaultText;
  }

  /** The default value, or null when it has none or follows from the config ({@link #derived}). */
  public T defaultValue() {
    return defaultValue;
  }

  /** Whether the default follows from the config. */
  public boolean hasDerivedDefault() {
    return derivedDefault != null;
  }

  /**
   * Whether {@link #defaultText} is the default as a config would write it (it parses to the
   * default), rather than a description such as {@code (none)} or {@code runs/<config name>}.
   */
  public boolean defaultTextIsAValue() {
    return defaultTextIsValue;
  }

  /**
   * The value as config text, as {@code run.properties} writes it; null (a value that is left out)
   * for null, unless the setting writes null as a word ({@link #nullAs}).
   */
  public String format(T value) {
    return value == null ? nullText : format.apply(value);
  }

  /** Whether {@code value} passes the check (always, without one). */
  public boolean accepts(T value) {
    return valid == null || value == null || valid.test(value);
  }

  /**
   * Checks a value that does not come from a config (a Spark ML param's): text that the key's
   * parser reads, or a value of the key's type (its default's class).
   *
   * @return null when the key accepts it, else what the key expects ({@code "dec, ae-ls or
   *         ae-lasso"}, {@code "a positive number of atoms"})
   */
  @SuppressWarnings("unchecked")
  public String rejection(Object value) {
    T v;
    if (value instanceof String) {
      try {
        v = parser.parse(((String) value).trim());
      } catch (IllegalArgumentException e) {
        return expected;
      }
    } else if (value != null && defaultValue != null && defaultValue.getClass().isInstance(value)) {
      v = (T) value;
    } else {
      return expected;
    }
    return v != null && accepts(v) ? null : validExpected != null ? validExpected : expected;
  }

  /** The text of a value as {@code run.properties} writes it: {@code text} parsed and written back. */
  public String canonical(String text) {
    return format(parser.parse(text.trim()));
  }

  /** The value of this key in {@code c}: given, or the default; errors name the key and its source. */
  T read(Config c) {
    String text = c.raw(name);
    if (text == null) {
      return derivedDefault != null ? derivedDefault.apply(c) : defaultValue;
    }
    T value;
    try {
      value = parser.parse(text);
    } catch (IllegalArgumentException e) {
      String why = e.getMessage() == null || e instanceof NumberFormatException ? "" : " (" + e.getMessage() + ")";
      throw c.error(name, "expected " + expected + ", got '" + text + "'" + why);
    }
    if (!accepts(value)) {
      throw c.error(name, "expected " + validExpected + ", got " + value);
    }
    return value;
  }

  @Override
  public String toString() {
    return name;
  }

  /**
   * A number as a config would write it: {@code 0.2}, {@code 20000}, {@code 1e-11} (small numbers
   * in scientific notation).
   */
  public static String shown(double v) {
    BigDecimal b = new BigDecimal(Double.toString(v)).stripTrailingZeros();
    if (v != 0 && Math.abs(v) < 0.01) {
      int exponent = b.precision() - b.scale() - 1;
      return b.movePointLeft(exponent).toPlainString() + "e" + exponent;
    }
    return b.toPlainString();
  }

  static int parseInt(String s) {
    double d = Double.parseDouble(s);
    if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
      throw new NumberFormatException();
    }
    return (int) d;
  }

  static long parseLong(String s) {
    double d = Double.parseDouble(s);
    if (d != Math.rint(d) || Math.abs(d) > 9.0e18) {
      throw new NumberFormatException();
    }
    return s.trim().matches("[+-]?\\d+") ? Long.parseLong(s.trim()) : (long) d;
  }

  static boolean parseBool(String s) {
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
  }
}
