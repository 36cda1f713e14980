package io.weft.control.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every storage backend must do; one subclass per dialect. */
abstract class StorageContract {
  private static final AtomicLong KEYS = new AtomicLong();

  protected Database db;

  /** A fresh, empty, migrated database. */
  protected abstract Database open() throws Exception;

  /** The same database again, as after a restart. */
  protected abstract Database reopen() throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    db = open();
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  static NodeRecord newNode(long domainId, String host) {
    long k = KEYS.incrementAndGet();
    return new NodeRecord(
        0,
        domainId,
        null,
        "mkey" + k + "-" + System.nanoTime(),
        "nkey" + k + "-" + System.nanoTime(),
        "dkey" + k,
        host,
        host,
        "linux",
        List.of("127.0.0.1:41641"),
        0,
        null,
        null,
        1000,
        2000,
        1000,
        true,
        false,
        List.of("tag:server"),
        false,
        null);
  }

  @Test
  void shouldRecordTheSchemaVersion() {
    int v = db.inTransaction(Migrator::currentVersion);
    assertThat(v).isEqualTo(Migrator.MIGRATIONS.size());
  }

  @Test
  void shouldRoundTripEveryEntity() {
    NodeRecord stored =
        db.inTransaction(
            c -> {
              DomainRecord d = Domains.create(c, "example", 5);
              UserRecord u =
                  Users.create(c, d.id(), "alice@example.com", "Alice", "https://idp", "sub-1", 6);
              PreAuthKeyRecord k =
                  PreAuthKeys.create(
                      c,
                      d.id(),
                      u.id(),
                      "weft-auth-secret-abc",
                      true,
                      true,
                      false,
                      List.of("tag:a"),
                      99,
                      7);
              NodeRecord n = newNode(d.id(), "box");
              n =
                  new NodeRecord(
                      0,
                      d.id(),
                      u.id(),
                      n.machineKey(),
                      n.nodeKey(),
                      n.discoKey(),
                      "box",
                      "box",
                      "linux",
                      List.of("192.0.2.1:1", "[2001:db8::1]:2"),
                      0,
                      null,
                      null,
                      10,
                      20,
                      30,
                      false,
                      true,
                      List.of("tag:a", "tag:b"),
                      true,
                      k.id());
              return Nodes.insert(c, n);
            });
    NodeRecord loaded = db.inTransaction(c -> Nodes.byId(c, stored.id()).orElseThrow());
    assertThat(loaded).isEqualTo(stored);
    assertThat(loaded.ipv4()).isEqualTo("100.64.0.1");
    assertThat(loaded.ipv6()).isEqualTo("fd7a:115c:a1e0::1");
    PreAuthKeyRecord key =
        db.inTransaction(c -> PreAuthKeys.bySecret(c, "weft-auth-secret-abc").orElseThrow());
    assertThat(key.tags()).containsExactly("tag:a");
    assertThat(key.reusable()).isTrue();
    assertThat(key.userId()).isEqualTo(loaded.userId());
    UserRecord user = db.inTransaction(c -> Users.byOidc(c, "https://idp", "sub-1").orElseThrow());
    assertThat(user.loginName()).isEqualTo("alice@example.com");
  }

  @Test
  void shouldStoreOnlyTheHashOfAPreAuthKey() throws Exception {
    db.inTransaction(
        c -> {
          DomainRecord d = Domains.create(c, "d", 1);
          return PreAuthKeys.create(
              c, d.id(), null, "weft-auth-verysecretvalue", false, false, false, List.of(), 9, 1);
        });
    String dump = db.inTransaction(c -> dumpTable(c, "pre_auth_keys"));
    assertThat(dump)
        .doesNotContain("weft-auth-verysecretvalue")
        .contains(PreAuthKeys.hash("weft-auth-verysecretvalue"));
  }

  @Test
  void shouldUseAOneOffKeyOnlyOnce() {
    PreAuthKeyRecord k =
        db.inTransaction(
            c ->
                PreAuthKeys.create(
                    c,
                    Domains.create(c, "d", 1).id(),
                    null,
                    "one-off",
                    false,
                    false,
                    false,
                    List.of(),
                    9,
                    1));
    boolean first = db.inTransaction(c -> PreAuthKeys.markUsed(c, k));
    boolean second = db.inTransaction(c -> PreAuthKeys.markUsed(c, k));
    assertThat(first).isTrue();
    assertThat(second).isFalse();
    PreAuthKeyRecord after = db.inTransaction(c -> PreAuthKeys.byId(c, k.id()).orElseThrow());
    assertThat(after.unusableReason(0)).isEqualTo("one-off pre-auth key already used");
  }

  @Test
  void shouldRollBackEveryStepOfAFailedTransaction() {
    long domain = db.inTransaction(c -> Domains.create(c, "d", 1).id());
    assertThatThrownBy(
            () ->
                db.inTransaction(
                    c -> {
                      Nodes.insert(c, newNode(domain, "a"));
                      throw new IllegalStateException("boom");
                    }))
        .hasMessage("boom");
    List<NodeRecord> left = db.inTransaction(c -> Nodes.byDomain(c, domain));
    assertThat(left).isEmpty();
  }

  @Test
  void shouldAllocateUniqueAddressesUnderConcurrentInserts() throws Exception {
    long domain = db.inTransaction(c -> Domains.create(c, "d", 1).id());
    int n = 200;
    List<Future<NodeRecord>> futures = new ArrayList<>();
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < n; i++) {
        String host = "h" + i;
        futures.add(ex.submit(() -> db.inTransaction(c -> Nodes.insert(c, newNode(domain, host)))));
      }
    }
    Set<String> v4 = new HashSet<>();
    Set<String> v6 = new HashSet<>();
    for (Future<NodeRecord> f : futures) {
      NodeRecord r = f.get();
      v4.add(r.ipv4());
      v6.add(r.ipv6());
    }
    assertThat(v4).hasSize(n);
    assertThat(v6).hasSize(n);
  }

  @Test
  void shouldReuseTheLowestFreedAddressWhenTheRangeEndIsReached() {
    long domain = db.inTransaction(c -> Domains.create(c, "d", 1).id());
    NodeRecord a = db.inTransaction(c -> Nodes.insert(c, newNode(domain, "a")));
    NodeRecord b = db.inTransaction(c -> Nodes.insert(c, newNode(domain, "b")));
    db.inTransaction(
        c -> {
          try (Statement s = c.createStatement()) {
            s.executeUpdate(
                "UPDATE nodes SET ip_index = " + Addresses.LAST_INDEX + " WHERE id = " + b.id());
          }
          return Nodes.delete(c, a.id());
        });
    NodeRecord next = db.inTransaction(c -> Nodes.insert(c, newNode(domain, "c")));
    assertThat(next.ipIndex()).isEqualTo(1);
  }

  @Test
  void shouldKeepEverythingAcrossARestart() throws Exception {
    NodeRecord stored =
        db.inTransaction(
            c -> {
              DomainRecord d = Domains.create(c, "persist", 1);
              return Nodes.insert(c, newNode(d.id(), "keep"));
            });
    db.close();
    db = reopen();
    NodeRecord again =
        db.inTransaction(c -> Nodes.byMachineKey(c, stored.machineKey()).orElseThrow());
    assertThat(again).isEqualTo(stored);
    boolean domain = db.inTransaction(c -> Domains.byName(c, "persist").isPresent());
    assertThat(domain).isTrue();
    int version = db.inTransaction(Migrator::currentVersion);
    assertThat(version).isEqualTo(Migrator.MIGRATIONS.size());
  }

  @Test
  void shouldReplaceVersion1KeyPrefixesThatHeldSecretCharacters() throws Exception {
    // A version-1 database: its keys' prefixes are the secrets' first 16 characters.
    long id =
        db.inTransaction(
            c -> {
              PreAuthKeyRecord k =
                  PreAuthKeys.create(
                      c,
                      Domains.create(c, "old", 1).id(),
                      null,
                      "weft-auth-SECRETpart",
                      true,
                      false,
                      false,
                      List.of(),
                      9,
                      1);
              try (var s = c.createStatement()) {
                s.execute("UPDATE pre_auth_keys SET key_prefix = 'weft-auth-SECRET'");
                s.execute("DROP INDEX nodes_auth_key");
                s.execute("DROP TABLE policies"); // added by V003, after version 1
                s.execute("DROP TABLE flow_logs"); // added by V004
                s.execute("DROP TABLE flow_log_chains");
                s.execute("DELETE FROM schema_version WHERE version >= 2");
              }
              return k.id();
            });
    db.close();
    db = reopen();
    PreAuthKeyRecord migrated = db.inTransaction(c -> PreAuthKeys.byId(c, id).orElseThrow());
    assertThat(migrated.prefix()).isEqualTo("legacy-" + id);
    String dump = db.inTransaction(c -> dumpTable(c, "pre_auth_keys"));
    assertThat(dump).doesNotContain("SECRET");
    int version = db.inTransaction(Migrator::currentVersion);
    assertThat(version).isEqualTo(Migrator.MIGRATIONS.size());
    // New keys store a public id drawn apart from the secret, or nothing of a foreign secret.
    assertThat(PreAuthKeys.publicPrefix("weft-auth-0123456789.s3cr3t"))
        .isEqualTo("weft-auth-0123456789");
    assertThat(PreAuthKeys.publicPrefix("weft-auth-s3cr3ts3cr3t")).isEqualTo("key");
  }

  @Test
  void shouldRejectADuplicateNodeKey() {
    long domain = db.inTransaction(c -> Domains.create(c, "d", 1).id());
    NodeRecord a = db.inTransaction(c -> Nodes.insert(c, newNode(domain, "a")));
    NodeRecord dup = newNode(domain, "b");
    NodeRecord clash =
        new NodeRecord(
            0,
            domain,
            null,
            dup.machineKey(),
            a.nodeKey(),
            "d",
            "b",
            "b",
            "linux",
            List.of(),
            0,
            null,
            null,
            1,
            2,
            3,
            true,
            false,
            List.of(),
            false,
            null);
    assertThatThrownBy(() -> db.inTransaction(c -> Nodes.insert(c, clash)))
        .isInstanceOf(StoreException.class);
  }

  static String dumpTable(Connection c, String table) throws java.sql.SQLException {
    StringBuilder sb = new StringBuilder();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
      int cols = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        for (int i = 1; i <= cols; i++) {
          sb.append(rs.getString(i)).append('|');
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }
}
