package org.pudle.kernels.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Python literals a {@code .npy} header may hold, parsed as numpy parses them
 * ({@code ast.literal_eval} in {@code numpy.lib.format}): a dict of strings, booleans, ints and
 * tuples, with Python's spelling (single or double quotes, escapes, adjacent strings joined,
 * underscores in and signs before numbers, hexadecimal, a trailing comma, comments). Lists, floats
 * and {@code None} are read too, so that the header check can say what a key holds.
 *
 * <p>A duplicate dict key keeps its last value, as in Python. With {@code longSuffix} an
 * {@code L} after an int is skipped, as numpy does for headers of format versions 1 and 2 written
 * by Python 2.
 */
final class PythonLiteral {
  /** Python's {@code None}. */
  static final Object NONE = new Object() {
    @Override
    public String toString() {
      return "None";
    }
  };

  /** A Python tuple (a Java list is a Python list). */
  record Tuple(List<Object> items) {
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder("(");
      for (int i = 0; i < items.size(); i++) {
        sb.append(i > 0 ? ", " : "").append(repr(items.get(i)));
      }
      return sb.append(items.size() == 1 ? ",)" : ")").toString();
    }
  }

  private final String s;
  private final boolean longSuffix;
  private int pos;

  private PythonLiteral(String s, boolean longSuffix) {
    this.s = s;
    this.longSuffix = longSuffix;
  }

  /**
   * The one literal in {@code text}.
   *
   * @throws IllegalArgumentException saying where the text stops being a literal
   */
  static Object parse(String text, boolean longSuffix) {
    PythonLiteral p = new PythonLiteral(text, longSuffix);
    p.skipSpace();
    Object v = p.value();
    p.skipSpace();
    if (p.pos < text.length()) {
      throw p.error("unexpected text after the literal");
    }
    return v;
  }

  /** Python's {@code repr} of a parsed value, for messages. */
  static String repr(Object v) {
    if (v instanceof String str) {
      return "'" + str.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof List<?> list) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < list.size(); i++) {
        sb.append(i > 0 ? ", " : "").append(repr(list.get(i)));
      }
      return sb.append(']').toString();
    }
    if (v instanceof Map<?, ?> map) {
      StringBuilder sb = new StringBuilder("{");
      int i = 0;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        sb.append(i++ > 0 ? ", " : "").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
      }
      return sb.append('}').toString();
    }
    return String.valueOf(v);
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(what + " at character " + pos);
  }

  /** Skips blanks, line breaks (Python joins lines inside brackets) and comments. */
  private void skipSpace() {
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        pos++;
      } else if (c == '\\' && pos + 1 < s.length() && s.charAt(pos + 1) == '\n') {
        pos += 2;
      } else if (c == '#') {
        while (pos < s.length() && s.charAt(pos) != '\n') {
          pos++;
        }
      } else {
        break;
      }
    }
  }

  private Object value() {
    if (pos >= s.length()) {
      throw error("the text ends where a value should start");
    }
    char c = s.charAt(pos);
    if (c == '{') {
      return dict();
    }
    if (c == '(') {
      return tupleOrGroup();
    }
    if (c == '[') {
      return list();
    }
    if (c == '\'' || c == '"' || isStringPrefix()) {
      return strings();
    }
    if (c == '+' || c == '-') {
      pos++;
      skipSpace();
      Object v = value();
      if (v instanceof BigInteger i) {
        return c == '-' ? i.negate() : i;
      }
      if (v instanceof Double d) {
        return c == '-' ? -d : d;
      }
      throw error("a sign before something that is not a number");
    }
    if (Character.isDigit(c) || c == '.' && pos + 1 < s.length() && Character.isDigit(s.charAt(pos + 1))) {
      return number();
    }
    if (Character.isLetter(c) || c == '_') {
      int start = pos;
      while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
        pos++;
      }
      String name = s.substring(start, pos);
      switch (name) {
        case "True":
          return Boolean.TRUE;
        case "False":
          return Boolean.FALSE;
        case "None":
          return NONE;
        default:
          pos = start;
          throw error("'" + name + "' is not a literal");
      }
    }
    throw error("'" + c + "' cannot start a value");
  }

  private Map<Object, Object> dict() {
    pos++; // {
    Map<Object, Object> map = new LinkedHashMap<>();
    skipSpace();
    while (true) {
      if (pos >= s.length()) {
        throw error("the dict is not closed (no '}')");
      }
      if (s.charAt(pos) == '}') {
        pos++;
        return map;
      }
      Object key = value();
      if (key instanceof List<?> || key instanceof Map<?, ?>) {
        throw error("an unhashable dict key");
      }
      skipSpace();
      expect(':');
      skipSpace();
      Object v = value();
      map.remove(key);
      map.put(key, v);
      skipSpace();
      if (pos < s.length() && s.charAt(pos) == ',') {
        pos++;
        skipSpace();
      } else if (pos >= s.length() || s.charAt(pos) != '}') {
        throw error(pos >= s.length() ? "the dict is not closed (no '}')" : "expected ',' or '}' in the dict");
      }
    }
  }

  private Object tupleOrGroup() {
    pos++; // (
    skipSpace();
    List<Object> items = new ArrayList<>();
    boolean comma = false;
    while (true) {
      if (pos < s.length() && s.charAt(pos) == ')') {
        pos++;
        // (x) is x; (x,) and () are tuples
        return items.size() == 1 && !comma ? items.get(0) : new Tuple(items);
      }
      items.add(value());
      skipSpace();
      if (pos < s.length() && s.charAt(pos) == ',') {
        pos++;
        comma = true;
        skipSpace();
      } else if (pos >= s.length() || s.charAt(pos) != ')') {
        throw error(pos >= s.length() ? "the tuple is not closed (no ')')" : "expected ',' or ')' in the tuple");
      }
    }
  }

  private List<Object> list() {
    pos++; // [
    skipSpace();
    List<Object> items = new ArrayList<>();
    while (true) {
      if (pos < s.length() && s.charAt(pos) == ']') {
        pos++;
        return items;
      }
      items.add(value());
      skipSpace();
      if (pos < s.length() && s.charAt(pos) == ',') {
        pos++;
        skipSpace();
      } else if (pos >= s.length() || s.charAt(pos) != ']') {
        throw error(pos >= s.length() ? "the list is not closed (no ']')" : "expected ',' or ']' in the list");
      }
    }
  }

  private void expect(char c) {
    if (pos >= s.length() || s.charAt(pos) != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  /** Whether a string prefix (u, r, b and their pairs) starts a string literal here. */
  private boolean isStringPrefix() {
    int p = pos;
    while (p < s.length() && p - pos < 2 && "uUrRbB".indexOf(s.charAt(p)) >= 0) {
      p++;
    }
    return p > pos && p < s.length() && (s.charAt(p) == '\'' || s.charAt(p) == '"');
  }

  /** One string literal or several adjacent ones, joined as Python joins them. */
  private Object strings() {
    StringBuilder sb = new StringBuilder();
    Boolean bytes = null;
    do {
      boolean raw = false;
      boolean isBytes = false;
      while ("uUrRbB".indexOf(s.charAt(pos)) >= 0) {
        char c = Character.toLowerCase(s.charAt(pos++));
        raw |= c == 'r';
        isBytes |= c == 'b';
      }
      if (bytes != null && bytes != isBytes) {
        throw error("bytes and str literals joined");
      }
      bytes = isBytes;
      sb.append(string(raw));
      skipSpace();
    } while (pos < s.length() && (s.charAt(pos) == '\'' || s.charAt(pos) == '"' || isStringPrefix()));
    return bytes ? new Bytes(sb.toString()) : sb.toString();
  }

  /** A bytes literal: not a str (numpy rejects it as a dtype). */
  record Bytes(String value) {
    @Override
    public String toString() {
      return "b" + repr(value);
    }
  }

  private String string(boolean raw) {
    char q = s.charAt(pos);
    boolean triple = s.startsWith(String.valueOf(q).repeat(3), pos);
    pos += triple ? 3 : 1;
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= s.length()) {
        throw error("the string is not closed");
      }
      char c = s.charAt(pos);
      if (c == q && (!triple || s.startsWith(String.valueOf(q).repeat(3), pos))) {
        pos += triple ? 3 : 1;
        return sb.toString();
      }
      if (c == '\n' && !triple) {
        throw error("a line break inside a string");
      }
      if (c == '\\' && pos + 1 < s.length()) {
        if (raw) {
          sb.append(c).append(s.charAt(pos + 1));
          pos += 2;
        } else {
          escape(sb);
        }
        continue;
      }
      sb.append(c);
      pos++;
    }
  }

  private void escape(StringBuilder sb) {
    char e = s.charAt(pos + 1);
    pos += 2;
    switch (e) {
      case '\n':
        return;
      case '\\':
      case '\'':
      case '"':
        sb.append(e);
        return;
      case 'a':
        sb.append('\u0007');
        return;
      case 'b':
        sb.append('\b');
        return;
      case 'f':
        sb.append('\f');
        return;
      case 'n':
        sb.append('\n');
        return;
      case 'r':
        sb.append('\r');
        return;
      case 't':
        sb.append('\t');
        return;
      case 'v':
        sb.append('\u000b');
        return;
      case 'x':
        sb.appendCodePoint(hex(2));
        return;
      case 'u':
        sb.appendCodePoint(hex(4));
        return;
      case 'U':
        sb.appendCodePoint(hex(8));
        return;
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0';
          for (int i = 0; i < 2 && pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '7'; i++) {
            v = v * 8 + s.charAt(pos++) - '0';
          }
          sb.append((char) v);
        } else {
          sb.append('\\').append(e); // Python keeps an unknown escape as written
        }
    }
  }

  private int hex(int digits) {
    if (pos + digits > s.length()) {
      throw error("a truncated escape");
    }
    try {
      int v = Integer.parseUnsignedInt(s.substring(pos, pos + digits), 16);
      pos += digits;
      return v;
    } catch (NumberFormatException e) {
      throw error("a bad escape");
    }
  }

  /** An int (decimal, 0x, 0o, 0b; underscores between digits) or a float. */
  private Object number() {
    int start = pos;
    if (s.charAt(pos) == '0' && pos + 1 < s.length() && "xXoObB".indexOf(s.charAt(pos + 1)) >= 0) {
      char kind = Character.toLowerCase(s.charAt(pos + 1));
      int radix = kind == 'x' ? 16 : kind == 'o' ? 8 : 2;
      pos += 2;
      String digits = digits(radix, true);
      return longSuffix(new BigInteger(digits, radix));
    }
    String intPart = digits(10, false);
    boolean isFloat = false;
    if (pos < s.length() && s.charAt(pos) == '.') {
      isFloat = true;
      pos++;
      if (pos < s.length() && Character.isDigit(s.charAt(pos))) {
        digits(10, false);
      }
    }
    if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
      isFloat = true;
      pos++;
      if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
        pos++;
      }
      digits(10, false);
    }
    if (pos < s.length() && (s.charAt(pos) == 'j' || s.charAt(pos) == 'J')) {
      throw error("a complex number");
    }
    if (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')
        && !(longSuffix && !isFloat && s.charAt(pos) == 'L')) {
      throw error("a malformed number");
    }
    if (isFloat) {
      return Double.parseDouble(s.substring(start, pos).replace("_", ""));
    }
    if (intPart.length() > 1 && intPart.charAt(0) == '0' && !intPart.chars().allMatch(ch -> ch == '0')) {
      pos = start;
      throw error("a decimal int with a leading zero");
    }
    return longSuffix(new BigInteger(intPart));
  }

  private BigInteger longSuffix(BigInteger v) {
    if (longSuffix) {
      int save = pos;
      skipSpace();
      if (pos < s.length() && s.charAt(pos) == 'L'
          && (pos + 1 >= s.length() || !Character.isLetterOrDigit(s.charAt(pos + 1)) && s.charAt(pos + 1) != '_')) {
        pos++;
      } else {
        pos = save;
      }
    }
    return v;
  }

  /** Digits of {@code radix} with single underscores between them (after the prefix, one may lead). */
  private String digits(int radix, boolean leadingUnderscore) {
    StringBuilder sb = new StringBuilder();
    if (leadingUnderscore && pos < s.length() && s.charAt(pos) == '_') {
      pos++;
    }
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (Character.digit(c, radix) >= 0 && c < 128) {
        sb.append(c);
        pos++;
      } else if (c == '_' && sb.length() > 0 && pos + 1 < s.length()
          && Character.digit(s.charAt(pos + 1), radix) >= 0) {
        pos++;
      } else {
        break;
      }
    }
    if (sb.length() == 0) {
      throw error("a number without digits");
    }
    return sb.toString();
  }
}
