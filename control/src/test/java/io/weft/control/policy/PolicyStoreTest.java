package io.weft.control.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.store.Database;
import io.weft.control.store.Domains;
import io.weft.control.store.PolicyRecord;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyStoreTest {
  @TempDir Path dir;
  private Database db;
  private long domain;

  private static final String V1 =
      """
      // everyone may reach the web server
      {"tagOwners": {"tag:web": ["alice@example.com"]},
       "acls": [{"action": "accept", "src": ["*"], "dst": ["tag:web:443"]}],
       "tests": [{"src": "bob@example.com", "accept": ["tag:web:443"], "deny": ["tag:web:22"]}]}
      """;

  @BeforeEach
  void open() throws Exception {
    db = Database.sqlite(dir.resolve("weft.db"));
    domain = db.inTransaction(c -> Domains.getOrCreate(c, "example.com", 1L)).id();
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void shouldKeepEveryVersionWithAuthorAndTime() {
    var store = new PolicyStore(db);
    assertThat(store.current(domain)).isEmpty();
    var first = store.set(domain, V1, "alice@example.com", 1000);
    assertThat(first.ok()).isTrue();
    assertThat(first.stored().version()).isEqualTo(1);
    var second =
        store.set(
            domain, V1.replace("443\"]}]", "443\", \"tag:web:80\"]}]"), "bob@example.com", 2000);
    assertThat(second.errors()).isEmpty();
    assertThat(store.history(domain))
        .extracting(PolicyRecord::version, PolicyRecord::author, PolicyRecord::createdAt)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, "alice@example.com", 1000L),
            org.assertj.core.groups.Tuple.tuple(2, "bob@example.com", 2000L));
    assertThat(store.current(domain).orElseThrow().version()).isEqualTo(2);
    assertThat(store.version(domain, 1).orElseThrow().text()).isEqualTo(V1);
    assertThat(store.currentPolicy(domain).orElseThrow().rules()).hasSize(1);
  }

  @Test
  void shouldRefuseAFailingPolicyAndKeepTheOldOne() {
    var store = new PolicyStore(db);
    store.set(domain, V1, "alice@example.com", 1000);
    // The new policy drops port 443, so its own test fails.
    var refused =
        store.set(
            domain,
            V1.replace("tag:web:443\"]}]", "tag:web:8443\"]}]"),
            "mallory@example.com",
            2000);
    assertThat(refused.ok()).isFalse();
    assertThat(refused.errors())
        .singleElement()
        .asString()
        .contains("tests[0] failed: bob@example.com should reach tag:web:443");
    var garbage = store.set(domain, "{\"acls\": [", "mallory@example.com", 3000);
    assertThat(garbage.errors()).singleElement().asString().startsWith("line 1, column 11");
    assertThat(store.history(domain)).hasSize(1);
    assertThat(store.current(domain).orElseThrow().author()).isEqualTo("alice@example.com");
  }
}
