package io.weft.control.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies the numbered migrations {@code migrations/V001__*.sql}, {@code V002__*.sql}, ... found
 * through {@link #MIGRATIONS}, each in its own transaction together with its row in {@code
 * schema_version}. On PostgreSQL the version table is locked first, so replicas starting at once
 * migrate one after another.
 */
final class Migrator {
  /** The migrations in order; the index plus one is the schema version. */
  static final List<String> MIGRATIONS =
      List.of(
          "V001__init.sql",
          "V002__public_key_prefixes.sql",
          "V003__policies.sql",
          "V004__flow_logs.sql");

  private final Database db;

  Migrator(Database db) {
    this.db = db;
  }

  /** Applies every migration newer than the recorded schema version. */
  void migrate() {
    db.inTransaction(
        c -> {
          try (Statement s = c.createStatement()) {
            s.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
          }
          return null;
        });
    for (int i = 0; i < MIGRATIONS.size(); i++) {
      int version = i + 1;
      String sql = load(MIGRATIONS.get(i)).replace("${ID}", db.dialect().idColumn);
      db.inTransaction(c -> apply(c, version, sql));
    }
  }

  /** The highest applied version. */
  static int currentVersion(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private Void apply(Connection c, int version, String sql) throws SQLException {
    if (db.dialect() == Database.Dialect.POSTGRESQL) {
      try (Statement s = c.createStatement()) {
        s.execute("LOCK TABLE schema_version IN EXCLUSIVE MODE");
      }
    }
    if (currentVersion(c) >= version) {
      return null;
    }
    try (Statement s = c.createStatement()) {
      for (String statement : statements(sql)) {
        s.execute(statement);
      }
    }
    try (PreparedStatement p =
        c.prepareStatement("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)")) {
      p.setInt(1, version);
      p.setLong(2, System.currentTimeMillis());
      p.executeUpdate();
    }
    return null;
  }

  /** Splits a migration at semicolons that end a line, dropping {@code --} comment lines. */
  static List<String> statements(String sql) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : sql.split("\n")) {
      String t = line.strip();
      if (t.startsWith("--") || t.isEmpty()) {
        continue;
      }
      cur.append(line).append('\n');
      if (t.endsWith(";")) {
        String stmt = cur.toString().strip();
        out.add(stmt.substring(0, stmt.length() - 1));
        cur.setLength(0);
      }
    }
    if (!cur.toString().isBlank()) {
      out.add(cur.toString().strip());
    }
    return out;
  }

  private static String load(String name) {
    try (InputStream in = Migrator.class.getResourceAsStream("migrations/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing migration resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration " + name, e);
    }
  }
}
