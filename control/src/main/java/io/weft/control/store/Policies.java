package io.weft.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Queries on {@code policies}, each inside the caller's transaction. Versions only grow: setting a
 * policy appends a row, so the history is the table.
 */
public final class Policies {
  private static final String COLUMNS = "id, domain_id, version, text, author, created_at";

  private Policies() {}

  /** Appends the next version of the domain's policy. */
  public static PolicyRecord append(
      Connection c, long domainId, String text, String author, long now) throws SQLException {
    int version = current(c, domainId).map(PolicyRecord::version).orElse(0) + 1;
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO policies (domain_id, version, text, author, created_at)"
                + " VALUES (?, ?, ?, ?, ?)",
            Statement.RETURN_GENERATED_KEYS)) {
      p.setLong(1, domainId);
      p.setInt(2, version);
      p.setString(3, text);
      p.setString(4, author);
      p.setLong(5, now);
      p.executeUpdate();
      return new PolicyRecord(Domains.generatedId(p), domainId, version, text, author, now);
    }
  }

  /** The domain's current (highest) version. */
  public static Optional<PolicyRecord> current(Connection c, long domainId) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT "
                + COLUMNS
                + " FROM policies WHERE domain_id = ? ORDER BY version DESC"
                + " LIMIT 1")) {
      p.setLong(1, domainId);
      return first(p);
    }
  }

  /** One version. */
  public static Optional<PolicyRecord> byVersion(Connection c, long domainId, int version)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT " + COLUMNS + " FROM policies WHERE domain_id = ? AND version = ?")) {
      p.setLong(1, domainId);
      p.setInt(2, version);
      return first(p);
    }
  }

  /** Every version, oldest first. */
  public static List<PolicyRecord> history(Connection c, long domainId) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT " + COLUMNS + " FROM policies WHERE domain_id = ? ORDER BY version")) {
      p.setLong(1, domainId);
      try (ResultSet rs = p.executeQuery()) {
        List<PolicyRecord> out = new ArrayList<>();
        while (rs.next()) {
          out.add(read(rs));
        }
        return out;
      }
    }
  }

  private static Optional<PolicyRecord> first(PreparedStatement p) throws SQLException {
    try (ResultSet rs = p.executeQuery()) {
      return rs.next() ? Optional.of(read(rs)) : Optional.empty();
    }
  }

  private static PolicyRecord read(ResultSet rs) throws SQLException {
    return new PolicyRecord(
        rs.getLong(1),
        rs.getLong(2),
        rs.getInt(3),
        rs.getString(4),
        rs.getString(5),
        rs.getLong(6));
  }
}
