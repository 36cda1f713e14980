package io.weft.control.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.policy.HuJson.Arr;
import io.weft.control.policy.HuJson.Num;
import io.weft.control.policy.HuJson.Obj;
import io.weft.control.policy.HuJson.Str;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HuJsonTest {

  @Test
  void shouldAcceptCommentsAndTrailingCommas() {
    var r =
        HuJson.parse(
            """
            // a policy
            {
              /* groups */ "groups": {"group:eng": ["a@x.com", "b@x.com",],},
              "n": -1.5e3, // trailing
              "t": true, "f": false, "z": null,
            }
            """);
    assertThat(r.error()).isNull();
    var obj = (Obj) r.value();
    assertThat(obj.members()).containsOnlyKeys("groups", "n", "t", "f", "z");
    var groups = (Obj) obj.members().get("groups").value();
    var eng = (Arr) groups.members().get("group:eng").value();
    assertThat(eng.items()).hasSize(2);
    assertThat(((Str) eng.items().get(1)).value()).isEqualTo("b@x.com");
    assertThat(((Num) obj.members().get("n").value()).text()).isEqualTo("-1.5e3");
    assertThat(obj.members().get("n").line()).isEqualTo(4);
    assertThat(obj.members().get("n").column()).isEqualTo(3);
  }

  @Test
  void shouldUnescapeStrings() {
    var r = HuJson.parse("\"a\\n\\u0041\\\"\\/\"");
    assertThat(((Str) r.value()).value()).isEqualTo("a\nA\"/");
  }

  @Test
  void shouldNameLineColumnAndTokenOfErrors() {
    assertThat(HuJson.parse("{\n  \"a\": tru\n}").error())
        .isEqualTo(new PolicyError(2, 8, "unexpected token \"tru\", expected a value"));
    assertThat(HuJson.parse("{\"a\": 1 \"b\": 2}").error().toString())
        .isEqualTo(
            "line 1, column 9: expected ',' or '}' after the value of \"a\", found character '\"'");
    assertThat(HuJson.parse("[1, 2").error().message()).startsWith("unterminated array");
    assertThat(HuJson.parse("{\"a\": \"x").error())
        .isEqualTo(new PolicyError(1, 7, "unterminated string"));
    assertThat(HuJson.parse("/* open").error().message()).isEqualTo("unterminated /* comment");
    assertThat(HuJson.parse("{\"a\":1,\"a\":2}").error())
        .isEqualTo(new PolicyError(1, 8, "duplicate key \"a\""));
    assertThat(HuJson.parse("01").error().message()).isEqualTo("bad number \"01\"");
    assertThat(HuJson.parse("{} x").error().message())
        .isEqualTo("unexpected token \"x\" after the end of the document");
    assertThat(HuJson.parse("").error().message()).isEqualTo("empty document");
    assertThat(HuJson.parse("\"a\nb\"").error().message()).startsWith("control character U+000A");
    assertThat(HuJson.parse("[,]").error().message())
        .isEqualTo("unexpected character ',', expected a value");
  }

  @Test
  void shouldRefuseNestingBeyondTheLimitWithoutOverflowingTheStack() {
    var deep = "[".repeat(100_000);
    assertThat(HuJson.parse(deep).error().message()).isEqualTo("nesting deeper than 200");
    var ok = "[".repeat(150) + "]".repeat(150);
    assertThat(HuJson.parse(ok).ok()).isTrue();
  }

  private static final String SEED_DOC =
      """
      {
        // comment
        "groups": {"group:eng": ["alice@example.com", "bob@example.com"]},
        "tagOwners": {"tag:server": ["group:eng"]},
        "hosts": {"db": "10.0.0.5", "net": "10.1.0.0/16"},
        "acls": [
          {"action": "accept", "src": ["group:eng"], "dst": ["tag:server:22,80-443"]},
          /* block */ {"action": "accept", "src": ["*"], "dst": ["db:5432"], "proto": "tcp",},
        ],
        "tests": [{"src": "alice@example.com", "accept": ["tag:server:22"], "deny": ["db:80"]}],
        "nodeAttrs": [0, -1, 2.5e-3, true, false, null, "\\u00e9\\n"],
      }
      """;

  private static final String ALPHABET = "{}[]\",:/*\\ \n\tab01-.eEtrufnl\u0000\u00e9";

  /** Garbage and mutated policies never throw, and every error has a position inside the text. */
  @Test
  void shouldNeverThrowOnRandomOrMutatedInput() {
    final long seed = Long.getLong("fuzz.seed", System.nanoTime());
    final Random random = new Random(seed);
    for (int i = 0; i < 20_000; i++) {
      final String input =
          i % 2 == 0 ? randomText(random) : mutate(SEED_DOC, random, 1 + random.nextInt(8));
      try {
        var r = HuJson.parse(input);
        assertThat(r.ok() ^ (r.error() != null)).isTrue();
        if (r.error() != null) {
          assertThat(r.error().line()).isBetween(1, (int) input.lines().count() + 1);
          assertThat(r.error().column()).isPositive();
          assertThat(r.error().message()).isNotBlank();
        }
        // The policy parser takes any tree without throwing either.
        var policy = PolicyParser.parse(input);
        assertThat(policy.ok() == (policy.policy() != null)).isTrue();
      } catch (Throwable t) {
        throw new AssertionError(
            "seed "
                + seed
                + " (-Dfuzz.seed="
                + seed
                + "), case "
                + i
                + ", input: "
                + input.replace("\n", "\\n"),
            t);
      }
    }
    assertThat(PolicyParser.parse(SEED_DOC).errors()).isEmpty();
  }

  private static String randomText(final Random random) {
    final int n = random.nextInt(200);
    final StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  private static String mutate(final String doc, final Random random, final int edits) {
    final StringBuilder sb = new StringBuilder(doc);
    for (int e = 0; e < edits && !sb.isEmpty(); e++) {
      final int at = random.nextInt(sb.length());
      switch (random.nextInt(4)) {
        case 0 -> sb.deleteCharAt(at);
        case 1 -> sb.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        case 2 -> sb.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        default -> {
          final int len = Math.min(sb.length() - at, 1 + random.nextInt(20));
          sb.insert(random.nextInt(sb.length()), sb.substring(at, at + len));
        }
      }
    }
    return sb.toString();
  }
}
