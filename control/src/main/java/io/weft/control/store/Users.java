package io.weft.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Queries on {@code users}, each inside the caller's transaction. */
public final class Users {
  private static final String COLUMNS =
      "id, domain_id, login_name, display_name, oidc_issuer, oidc_subject, created_at";

  private Users() {}

  /** Inserts a user. */
  public static UserRecord create(
      Connection c,
      long domainId,
      String loginName,
      String displayName,
      String issuer,
      String subject,
      long now)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO users (domain_id, login_name, display_name, oidc_issuer, oidc_subject, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?)",
            Statement.RETURN_GENERATED_KEYS)) {
      p.setLong(1, domainId);
      p.setString(2, loginName);
      p.setString(3, displayName);
      p.setString(4, issuer);
      p.setString(5, subject);
      p.setLong(6, now);
      p.executeUpdate();
      return new UserRecord(
          Domains.generatedId(p), domainId, loginName, displayName, issuer, subject, now);
    }
  }

  public static Optional<UserRecord> byId(Connection c, long id) throws SQLException {
    return one(c, "SELECT " + COLUMNS + " FROM users WHERE id = ?", id);
  }

  public static Optional<UserRecord> byLogin(Connection c, long domainId, String loginName)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT " + COLUMNS + " FROM users WHERE domain_id = ? AND login_name = ?")) {
      p.setLong(1, domainId);
      p.setString(2, loginName);
      return first(p);
    }
  }

  public static Optional<UserRecord> byOidc(Connection c, String issuer, String subject)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT " + COLUMNS + " FROM users WHERE oidc_issuer = ? AND oidc_subject = ?")) {
      p.setString(1, issuer);
      p.setString(2, subject);
      return first(p);
    }
  }

  public static List<UserRecord> all(Connection c) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("SELECT " + COLUMNS + " FROM users ORDER BY id");
        ResultSet rs = p.executeQuery()) {
      List<UserRecord> out = new ArrayList<>();
      while (rs.next()) {
        out.add(read(rs));
      }
      return out;
    }
  }

  private static Optional<UserRecord> one(Connection c, String sql, long id) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      p.setLong(1, id);
      return first(p);
    }
  }

  private static Optional<UserRecord> first(PreparedStatement p) throws SQLException {
    try (ResultSet rs = p.executeQuery()) {
      return rs.next() ? Optional.of(read(rs)) : Optional.empty();
    }
  }

  private static UserRecord read(ResultSet rs) throws SQLException {
    return new UserRecord(
        rs.getLong(1),
        rs.getLong(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        rs.getLong(7));
  }
}
