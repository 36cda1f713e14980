package io.weft.control.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parser for HuJSON ("human JSON"): RFC 8259 JSON plus {@code //} line comments, {@code /* *}
 * {@code /} block comments and a trailing comma after the last element of an object or array.
 *
 * <p>It never throws on its input: {@link #parse} returns either a tree in which every value knows
 * its line and column, or one {@link PolicyError} naming the position and the offending token.
 * Nesting is bounded ({@link #MAX_DEPTH}) so that hostile input cannot exhaust the stack. Duplicate
 * object keys are refused (Go's decoder would silently keep the last one, which hides mistakes in a
 * policy file).
 */
public final class HuJson {

  /** Deepest nesting of objects and arrays accepted. */
  public static final int MAX_DEPTH = 200;

  /** A parsed value and where it starts (1-based line and column). */
  public sealed interface Value {
    int line();

    int column();

    /** What the value is, in words, for error messages. */
    String kind();
  }

  /** An object; members keep their order of appearance. */
  public record Obj(int line, int column, Map<String, Member> members) implements Value {
    @Override
    public String kind() {
      return "an object";
    }
  }

  /** An object member: the key's position and the value. */
  public record Member(String key, int line, int column, Value value) {}

  /** An array. */
  public record Arr(int line, int column, List<Value> items) implements Value {
    @Override
    public String kind() {
      return "an array";
    }
  }

  /** A string, unescaped. */
  public record Str(int line, int column, String value) implements Value {
    @Override
    public String kind() {
      return "a string";
    }
  }

  /** A number, as written. */
  public record Num(int line, int column, String text) implements Value {
    @Override
    public String kind() {
      return "a number";
    }
  }

  /** {@code true} or {@code false}. */
  public record Bool(int line, int column, boolean value) implements Value {
    @Override
    public String kind() {
      return "a boolean";
    }
  }

  /** {@code null}. */
  public record Null(int line, int column) implements Value {
    @Override
    public String kind() {
      return "null";
    }
  }

  /** Either a value or the first error. */
  public record Result(Value value, PolicyError error) {
    public boolean ok() {
      return error == null;
    }
  }

  private final String in;
  private int pos;
  private int line = 1;
  private int lineStart;
  private PolicyError error;

  private HuJson(final String in) {
    this.in = in;
  }

  /** Parses one HuJSON document (a single value, comments and whitespace around it). */
  public static Result parse(final String text) {
    if (text == null) {
      return new Result(null, new PolicyError(1, 1, "no input"));
    }
    final HuJson p = new HuJson(text);
    p.skipSpace();
    if (p.error != null) {
      return new Result(null, p.error);
    }
    if (p.pos >= p.in.length()) {
      return new Result(null, new PolicyError(1, 1, "empty document"));
    }
    final Value v = p.value(0);
    if (p.error == null) {
      p.skipSpace();
      if (p.error == null && p.pos < p.in.length()) {
        p.fail("unexpected " + p.describeHere() + " after the end of the document");
      }
    }
    return p.error != null ? new Result(null, p.error) : new Result(v, null);
  }

  private Value value(final int depth) {
    if (depth > MAX_DEPTH) {
      return fail("nesting deeper than " + MAX_DEPTH);
    }
    if (pos >= in.length()) {
      return fail("unexpected end of input, expected a value");
    }
    final int l = line;
    final int c = column();
    final char ch = in.charAt(pos);
    return switch (ch) {
      case '{' -> object(l, c, depth);
      case '[' -> array(l, c, depth);
      case '"' -> {
        final String s = string();
        yield s == null ? null : new Str(l, c, s);
      }
      case 't' -> literal("true", new Bool(l, c, true));
      case 'f' -> literal("false", new Bool(l, c, false));
      case 'n' -> literal("null", new Null(l, c));
      default ->
          ch == '-' || (ch >= '0' && ch <= '9')
              ? number(l, c)
              : fail("unexpected " + describeHere() + ", expected a value");
    };
  }

  private Value object(final int l, final int c, final int depth) {
    pos++; // '{'
    final Map<String, Member> members = new LinkedHashMap<>();
    while (true) {
      if (!skipSpace()) {
        return null;
      }
      if (pos >= in.length()) {
        return fail("unterminated object (opened at line " + l + ", column " + c + ")");
      }
      if (in.charAt(pos) == '}') {
        pos++;
        return new Obj(l, c, Collections.unmodifiableMap(members));
      }
      if (in.charAt(pos) != '"') {
        return fail("unexpected " + describeHere() + ", expected a quoted key or '}'");
      }
      final int kl = line;
      final int kc = column();
      final String key = string();
      if (key == null) {
        return null;
      }
      if (members.containsKey(key)) {
        error = new PolicyError(kl, kc, "duplicate key \"" + key + "\"");
        return null;
      }
      if (!skipSpace()) {
        return null;
      }
      if (pos >= in.length() || in.charAt(pos) != ':') {
        return fail("expected ':' after key \"" + key + "\", found " + describeHere());
      }
      pos++;
      if (!skipSpace()) {
        return null;
      }
      final Value v = value(depth + 1);
      if (v == null) {
        return null;
      }
      members.put(key, new Member(key, kl, kc, v));
      if (!skipSpace()) {
        return null;
      }
      if (pos < in.length() && in.charAt(pos) == ',') {
        pos++;
      } else if (pos < in.length() && in.charAt(pos) != '}') {
        return fail(
            "expected ',' or '}' after the value of \"" + key + "\", found " + describeHere());
      }
    }
  }

  private Value array(final int l, final int c, final int depth) {
    pos++; // '['
    final List<Value> items = new ArrayList<>();
    while (true) {
      if (!skipSpace()) {
        return null;
      }
      if (pos >= in.length()) {
        return fail("unterminated array (opened at line " + l + ", column " + c + ")");
      }
      if (in.charAt(pos) == ']') {
        pos++;
        return new Arr(l, c, Collections.unmodifiableList(items));
      }
      final Value v = value(depth + 1);
      if (v == null) {
        return null;
      }
      items.add(v);
      if (!skipSpace()) {
        return null;
      }
      if (pos < in.length() && in.charAt(pos) == ',') {
        pos++;
      } else if (pos < in.length() && in.charAt(pos) != ']') {
        return fail("expected ',' or ']' in array, found " + describeHere());
      }
    }
  }

  private String string() {
    final int l = line;
    final int c = column();
    pos++; // opening quote
    final StringBuilder sb = new StringBuilder();
    while (pos < in.length()) {
      final char ch = in.charAt(pos);
      if (ch == '"') {
        pos++;
        return sb.toString();
      }
      if (ch == '\\') {
        if (pos + 1 >= in.length()) {
          break;
        }
        final char e = in.charAt(pos + 1);
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 6 > in.length()) {
              fail("truncated \\u escape");
              return null;
            }
            int cp = 0;
            for (int i = pos + 2; i < pos + 6; i++) {
              final int d = Character.digit(in.charAt(i), 16);
              if (d < 0) {
                fail("bad \\u escape \"" + in.substring(pos, pos + 6) + "\"");
                return null;
              }
              cp = cp * 16 + d;
            }
            sb.append((char) cp);
            pos += 4;
          }
          default -> {
            fail("bad escape \"\\" + printable(e) + "\" in string");
            return null;
          }
        }
        pos += 2;
        continue;
      }
      if (ch < 0x20) {
        fail("control character " + printable(ch) + " in string (newlines must be escaped)");
        return null;
      }
      sb.append(ch);
      pos++;
    }
    error = new PolicyError(l, c, "unterminated string");
    return null;
  }

  private Value number(final int l, final int c) {
    final int start = pos;
    if (in.charAt(pos) == '-') {
      pos++;
    }
    if (!digits(true)) {
      return fail("bad number \"" + token(start) + "\"");
    }
    if (pos < in.length() && in.charAt(pos) == '.') {
      pos++;
      if (!digits(false)) {
        return fail("bad number \"" + token(start) + "\"");
      }
    }
    if (pos < in.length() && (in.charAt(pos) == 'e' || in.charAt(pos) == 'E')) {
      pos++;
      if (pos < in.length() && (in.charAt(pos) == '+' || in.charAt(pos) == '-')) {
        pos++;
      }
      if (!digits(false)) {
        return fail("bad number \"" + token(start) + "\"");
      }
    }
    if (pos < in.length() && isWordChar(in.charAt(pos))) {
      return fail("bad number \"" + token(start) + "\"");
    }
    return new Num(l, c, in.substring(start, pos));
  }

  // JSON integers have no leading zeros; fractions and exponents need at least one digit.
  private boolean digits(final boolean integerPart) {
    final int start = pos;
    while (pos < in.length() && in.charAt(pos) >= '0' && in.charAt(pos) <= '9') {
      pos++;
    }
    if (pos == start) {
      return false;
    }
    return !integerPart || pos - start == 1 || in.charAt(start) != '0';
  }

  private Value literal(final String word, final Value v) {
    if (in.startsWith(word, pos)
        && (pos + word.length() >= in.length() || !isWordChar(in.charAt(pos + word.length())))) {
      pos += word.length();
      return v;
    }
    return fail("unexpected token \"" + token(pos) + "\", expected a value");
  }

  /** Skips whitespace and comments; false (with the error set) on an unterminated comment. */
  private boolean skipSpace() {
    while (pos < in.length()) {
      final char ch = in.charAt(pos);
      if (ch == '\n') {
        pos++;
        line++;
        lineStart = pos;
      } else if (ch == ' ' || ch == '\t' || ch == '\r') {
        pos++;
      } else if (ch == '/' && pos + 1 < in.length() && in.charAt(pos + 1) == '/') {
        while (pos < in.length() && in.charAt(pos) != '\n') {
          pos++;
        }
      } else if (ch == '/' && pos + 1 < in.length() && in.charAt(pos + 1) == '*') {
        final int l = line;
        final int c = column();
        pos += 2;
        while (true) {
          if (pos + 1 >= in.length()) {
            error = new PolicyError(l, c, "unterminated /* comment");
            return false;
          }
          if (in.charAt(pos) == '*' && in.charAt(pos + 1) == '/') {
            pos += 2;
            break;
          }
          if (in.charAt(pos) == '\n') {
            line++;
            lineStart = pos + 1;
          }
          pos++;
        }
      } else {
        return true;
      }
    }
    return true;
  }

  private int column() {
    return pos - lineStart + 1;
  }

  private Value fail(final String message) {
    if (error == null) {
      error = new PolicyError(line, column(), message);
    }
    return null;
  }

  private String describeHere() {
    if (pos >= in.length()) {
      return "end of input";
    }
    final char ch = in.charAt(pos);
    return isWordChar(ch) ? "token \"" + token(pos) + "\"" : "character " + printable(ch);
  }

  private String token(final int start) {
    int end = start;
    while (end < in.length() && end - start < 40 && isWordChar(in.charAt(end))) {
      end++;
    }
    return end == start ? printable(in.charAt(start)) : in.substring(start, end);
  }

  private static boolean isWordChar(final char ch) {
    return Character.isLetterOrDigit(ch) || ch == '_' || ch == '-' || ch == '+' || ch == '.';
  }

  private static String printable(final char ch) {
    return ch >= 0x20 && ch < 0x7f ? "'" + ch + "'" : String.format("U+%04X", (int) ch);
  }
}
