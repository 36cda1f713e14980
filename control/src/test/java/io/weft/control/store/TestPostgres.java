package io.weft.control.store;

import io.weft.testing.Prerequisites;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The PostgreSQL that tests use: {@code WEFT_TEST_POSTGRES_URL} (default {@code
 * jdbc:postgresql://127.0.0.1:5432/weft_test}), user {@code WEFT_TEST_POSTGRES_USER} (default
 * {@code weft}), password {@code WEFT_TEST_POSTGRES_PASSWORD} (default {@code weft}). {@code
 * .ci/run} installs Debian's {@code postgresql}, starts it and creates that role and database.
 */
public final class TestPostgres {
  public static final String URL =
      System.getenv()
          .getOrDefault("WEFT_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/weft_test");
  static final String USER = System.getenv().getOrDefault("WEFT_TEST_POSTGRES_USER", "weft");
  static final String PASSWORD =
      System.getenv().getOrDefault("WEFT_TEST_POSTGRES_PASSWORD", "weft");

  private TestPostgres() {}

  /** Skips (developer machine) or fails (CI) unless the server answers. */
  public static void require() {
    try (Connection c = DriverManager.getConnection(URL + "?connectTimeout=3", USER, PASSWORD)) {
      c.isValid(3);
    } catch (SQLException e) {
      Prerequisites.unmet(
          "a PostgreSQL server at "
              + URL
              + " (user "
              + USER
              + "): "
              + e.getMessage()
              + " - .ci/run installs Debian's postgresql and starts it");
    }
  }

  /** Drops and recreates the public schema: an empty database. */
  public static void resetSchema() throws SQLException {
    try (Connection c = DriverManager.getConnection(URL, USER, PASSWORD);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS public CASCADE");
      s.execute("CREATE SCHEMA public");
    }
  }

  /** A migrated database on the test server. */
  public static Database open() throws SQLException {
    return Database.open(URL, USER, PASSWORD);
  }
}
