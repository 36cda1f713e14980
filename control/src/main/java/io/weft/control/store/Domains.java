package io.weft.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Queries on {@code domains}, each inside the caller's transaction. */
public final class Domains {
  private Domains() {}

  /** Inserts a domain. */
  public static DomainRecord create(Connection c, String name, long now) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO domains (name, created_at) VALUES (?, ?)",
            Statement.RETURN_GENERATED_KEYS)) {
      p.setString(1, name);
      p.setLong(2, now);
      p.executeUpdate();
      return new DomainRecord(generatedId(p), name, now);
    }
  }

  /** The domain named {@code name}, creating it when missing. */
  public static DomainRecord getOrCreate(Connection c, String name, long now) throws SQLException {
    Optional<DomainRecord> d = byName(c, name);
    return d.isPresent() ? d.get() : create(c, name, now);
  }

  public static Optional<DomainRecord> byName(Connection c, String name) throws SQLException {
    return one(c, "SELECT id, name, created_at FROM domains WHERE name = ?", name);
  }

  public static Optional<DomainRecord> byId(Connection c, long id) throws SQLException {
    return one(c, "SELECT id, name, created_at FROM domains WHERE id = ?", id);
  }

  public static List<DomainRecord> all(Connection c) throws SQLException {
    try (PreparedStatement p =
            c.prepareStatement("SELECT id, name, created_at FROM domains ORDER BY id");
        ResultSet rs = p.executeQuery()) {
      List<DomainRecord> out = new ArrayList<>();
      while (rs.next()) {
        out.add(new DomainRecord(rs.getLong(1), rs.getString(2), rs.getLong(3)));
      }
      return out;
    }
  }

  private static Optional<DomainRecord> one(Connection c, String sql, Object arg)
      throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      p.setObject(1, arg);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next()
            ? Optional.of(new DomainRecord(rs.getLong(1), rs.getString(2), rs.getLong(3)))
            : Optional.empty();
      }
    }
  }

  static long generatedId(PreparedStatement p) throws SQLException {
    try (ResultSet keys = p.getGeneratedKeys()) {
      if (!keys.next()) {
        throw new SQLException("no generated key returned");
      }
      return keys.getLong(1);
    }
  }
}
