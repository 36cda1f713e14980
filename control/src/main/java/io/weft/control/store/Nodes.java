package io.weft.control.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Queries on {@code nodes}, each inside the caller's transaction.
 *
 * <p>Addresses are allocated inside the inserting transaction: the next index after the highest in
 * use, or the lowest gap once the range's end is reached. Two PostgreSQL transactions that pick the
 * same index would collide on the unique constraint and {@link Database} would retry the loser; on
 * PostgreSQL allocators first take a transaction-scoped advisory lock so that they do not race at
 * all (replicas included).
 */
public final class Nodes {
  private static final String COLUMNS =
      "id, domain_id, user_id, machine_key, node_key, disco_key, hostname, given_name, os, endpoints,"
          + " ip_index, ipv4, ipv6, created_at, key_expiry, last_seen, approved, ephemeral, tags, online,"
          + " auth_key_id";

  /** The PostgreSQL advisory lock key that serialises address allocation ("weftaddr"). */
  private static final long ADDRESS_LOCK = 0x7765667461646472L;

  private Nodes() {}

  /**
   * Inserts {@code n} (its id, index and addresses are ignored) with freshly allocated addresses.
   *
   * @return the stored node with its id and addresses
   */
  public static NodeRecord insert(Connection c, NodeRecord n) throws SQLException {
    long index = allocateIndex(c);
    String v4 = Addresses.ipv4(index);
    String v6 = Addresses.ipv6(index);
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO nodes (domain_id, user_id, machine_key, node_key, disco_key, hostname, given_name,"
                + " os, endpoints, ip_index, ipv4, ipv6, created_at, key_expiry, last_seen, approved, ephemeral,"
                + " tags, online, auth_key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            Statement.RETURN_GENERATED_KEYS)) {
      p.setLong(1, n.domainId());
      setNullableLong(p, 2, n.userId());
      p.setString(3, n.machineKey());
      p.setString(4, n.nodeKey());
      p.setString(5, n.discoKey());
      p.setString(6, n.hostname());
      p.setString(7, n.givenName());
      p.setString(8, n.os());
      p.setString(9, StringLists.encode(n.endpoints()));
      p.setLong(10, index);
      p.setString(11, v4);
      p.setString(12, v6);
      p.setLong(13, n.createdAt());
      p.setLong(14, n.keyExpiry());
      p.setLong(15, n.lastSeen());
      p.setInt(16, n.approved() ? 1 : 0);
      p.setInt(17, n.ephemeral() ? 1 : 0);
      p.setString(18, StringLists.encode(n.tags()));
      p.setInt(19, n.online() ? 1 : 0);
      setNullableLong(p, 20, n.authKeyId());
      p.executeUpdate();
      long id = Domains.generatedId(p);
      return new NodeRecord(
          id,
          n.domainId(),
          n.userId(),
          n.machineKey(),
          n.nodeKey(),
          n.discoKey(),
          n.hostname(),
          n.givenName(),
          n.os(),
          n.endpoints(),
          index,
          v4,
          v6,
          n.createdAt(),
          n.keyExpiry(),
          n.lastSeen(),
          n.approved(),
          n.ephemeral(),
          n.tags(),
          n.online(),
          n.authKeyId());
    }
  }

  /** Writes every mutable column of {@code n} (all but id, machine key, addresses and creation). */
  public static void update(Connection c, NodeRecord n) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "UPDATE nodes SET domain_id = ?, user_id = ?, node_key = ?, disco_key = ?, hostname = ?,"
                + " given_name = ?, os = ?, endpoints = ?, key_expiry = ?, last_seen = ?, approved = ?,"
                + " ephemeral = ?, tags = ?, online = ?, auth_key_id = ? WHERE id = ?")) {
      p.setLong(1, n.domainId());
      setNullableLong(p, 2, n.userId());
      p.setString(3, n.nodeKey());
      p.setString(4, n.discoKey());
      p.setString(5, n.hostname());
      p.setString(6, n.givenName());
      p.setString(7, n.os());
      p.setString(8, StringLists.encode(n.endpoints()));
      p.setLong(9, n.keyExpiry());
      p.setLong(10, n.lastSeen());
      p.setInt(11, n.approved() ? 1 : 0);
      p.setInt(12, n.ephemeral() ? 1 : 0);
      p.setString(13, StringLists.encode(n.tags()));
      p.setInt(14, n.online() ? 1 : 0);
      setNullableLong(p, 15, n.authKeyId());
      p.setLong(16, n.id());
      if (p.executeUpdate() != 1) {
        throw new SQLException("node " + n.id() + " vanished during update");
      }
    }
  }

  /** Deletes a node; returns false when there was none. */
  public static boolean delete(Connection c, long id) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("DELETE FROM nodes WHERE id = ?")) {
      p.setLong(1, id);
      return p.executeUpdate() == 1;
    }
  }

  /** Marks every node offline (a server start: no stream survives it). */
  public static int markAllOffline(Connection c) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("UPDATE nodes SET online = 0 WHERE online <> 0")) {
      return p.executeUpdate();
    }
  }

  public static Optional<NodeRecord> byId(Connection c, long id) throws SQLException {
    return first(c, "SELECT " + COLUMNS + " FROM nodes WHERE id = ?", id);
  }

  public static Optional<NodeRecord> byMachineKey(Connection c, String machineKey)
      throws SQLException {
    return first(c, "SELECT " + COLUMNS + " FROM nodes WHERE machine_key = ?", machineKey);
  }

  public static Optional<NodeRecord> byNodeKey(Connection c, String nodeKey) throws SQLException {
    return first(c, "SELECT " + COLUMNS + " FROM nodes WHERE node_key = ?", nodeKey);
  }

  public static List<NodeRecord> byDomain(Connection c, long domainId) throws SQLException {
    return list(c, "SELECT " + COLUMNS + " FROM nodes WHERE domain_id = ? ORDER BY id", domainId);
  }

  public static List<NodeRecord> all(Connection c) throws SQLException {
    return list(c, "SELECT " + COLUMNS + " FROM nodes ORDER BY id", null);
  }

  /** How many nodes domain {@code domainId} holds. */
  public static int countByDomain(Connection c, long domainId) throws SQLException {
    return count(c, "SELECT COUNT(*) FROM nodes WHERE domain_id = ?", domainId);
  }

  /** How many nodes registered with pre-auth key {@code keyId} exist. */
  public static int countByAuthKey(Connection c, long keyId) throws SQLException {
    return count(c, "SELECT COUNT(*) FROM nodes WHERE auth_key_id = ?", keyId);
  }

  private static int count(Connection c, String sql, long arg) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      p.setLong(1, arg);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** The index for a new node: after the highest in use, else the lowest free gap. */
  static long allocateIndex(Connection c) throws SQLException {
    if ("PostgreSQL".equals(c.getMetaData().getDatabaseProductName())) {
      // Allocators queue on one transaction-scoped lock instead of racing and retrying.
      try (Statement s = c.createStatement()) {
        s.execute("SELECT pg_advisory_xact_lock(" + ADDRESS_LOCK + ")");
      }
    }
    long max;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(ip_index), 0) FROM nodes")) {
      rs.next();
      max = rs.getLong(1);
    }
    long next = max + 1;
    if (next == Addresses.RESERVED_QUAD_100) {
      next++;
    }
    if (Addresses.usable(next)) {
      return next;
    }
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM nodes WHERE ip_index = 1) THEN 1 ELSE"
                    + " (SELECT MIN(n.ip_index + 1) FROM nodes n WHERE n.ip_index + 1 <> "
                    + Addresses.RESERVED_QUAD_100
                    + " AND NOT EXISTS (SELECT 1 FROM nodes m WHERE m.ip_index = n.ip_index + 1)) END")) {
      rs.next();
      long gap = rs.getLong(1);
      if (!Addresses.usable(gap)) {
        throw new SQLException("address range 100.64.0.0/10 exhausted");
      }
      return gap;
    }
  }

  private static void setNullableLong(PreparedStatement p, int i, Long v) throws SQLException {
    if (v == null) {
      p.setNull(i, Types.BIGINT);
    } else {
      p.setLong(i, v);
    }
  }

  private static Optional<NodeRecord> first(Connection c, String sql, Object arg)
      throws SQLException {
    List<NodeRecord> l = list(c, sql, arg);
    return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
  }

  private static List<NodeRecord> list(Connection c, String sql, Object arg) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      if (arg != null) {
        p.setObject(1, arg);
      }
      try (ResultSet rs = p.executeQuery()) {
        List<NodeRecord> out = new ArrayList<>();
        while (rs.next()) {
          out.add(read(rs));
        }
        return out;
      }
    }
  }

  private static NodeRecord read(ResultSet rs) throws SQLException {
    long user = rs.getLong(3);
    Long userId = rs.wasNull() ? null : user;
    long authKey = rs.getLong(21);
    Long authKeyId = rs.wasNull() ? null : authKey;
    return new NodeRecord(
        rs.getLong(1),
        rs.getLong(2),
        userId,
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        rs.getString(8),
        rs.getString(9),
        StringLists.decode(rs.getString(10)),
        rs.getLong(11),
        rs.getString(12),
        rs.getString(13),
        rs.getLong(14),
        rs.getLong(15),
        rs.getLong(16),
        rs.getInt(17) != 0,
        rs.getInt(18) != 0,
        StringLists.decode(rs.getString(19)),
        rs.getInt(20) != 0,
        authKeyId);
  }
}
