package io.weft.control.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Queries on {@code pre_auth_keys}, each inside the caller's transaction. The secret itself is
 * never stored: rows hold its SHA-256 and its public prefix. A secret reads {@code
 * weft-auth-<public id>.<secret part>}; the prefix is the part before the dot, drawn apart from the
 * secret part, so showing it reveals no secret bits. Other secrets get the prefix {@code key}.
 */
public final class PreAuthKeys {
  private static final String COLUMNS =
      "id, domain_id, user_id, key_prefix, reusable, ephemeral, pre_approved, tags, expires_at, used_count, revoked, created_at";

  private PreAuthKeys() {}

  /** The stored hash of a secret. */
  public static String hash(String secret) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The part of {@code secret} that may be stored and shown: {@code weft-auth-<public id>}. */
  public static String publicPrefix(String secret) {
    int dot = secret.indexOf('.');
    return secret.startsWith("weft-auth-") && dot > "weft-auth-".length() && dot <= 32
        ? secret.substring(0, dot)
        : "key";
  }

  /** Inserts a key for {@code secret} (stored hashed). */
  public static PreAuthKeyRecord create(
      Connection c,
      long domainId,
      Long userId,
      String secret,
      boolean reusable,
      boolean ephemeral,
      boolean preApproved,
      List<String> tags,
      long expiresAt,
      long now)
      throws SQLException {
    String prefix = publicPrefix(secret);
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO pre_auth_keys (domain_id, user_id, key_prefix, key_hash, reusable, ephemeral,"
                + " pre_approved, tags, expires_at, used_count, revoked, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
            Statement.RETURN_GENERATED_KEYS)) {
      p.setLong(1, domainId);
      if (userId == null) {
        p.setNull(2, Types.BIGINT);
      } else {
        p.setLong(2, userId);
      }
      p.setString(3, prefix);
      p.setString(4, hash(secret));
      p.setInt(5, reusable ? 1 : 0);
      p.setInt(6, ephemeral ? 1 : 0);
      p.setInt(7, preApproved ? 1 : 0);
      p.setString(8, StringLists.encode(tags));
      p.setLong(9, expiresAt);
      p.setLong(10, now);
      p.executeUpdate();
      return new PreAuthKeyRecord(
          Domains.generatedId(p),
          domainId,
          userId,
          prefix,
          reusable,
          ephemeral,
          preApproved,
          tags,
          expiresAt,
          0,
          false,
          now);
    }
  }

  /** The key whose secret is {@code secret}. */
  public static Optional<PreAuthKeyRecord> bySecret(Connection c, String secret)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("SELECT " + COLUMNS + " FROM pre_auth_keys WHERE key_hash = ?")) {
      p.setString(1, hash(secret));
      return first(p);
    }
  }

  public static Optional<PreAuthKeyRecord> byId(Connection c, long id) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("SELECT " + COLUMNS + " FROM pre_auth_keys WHERE id = ?")) {
      p.setLong(1, id);
      return first(p);
    }
  }

  /** Counts one use; for a one-off key only if it was unused (returns false if another won). */
  public static boolean markUsed(Connection c, PreAuthKeyRecord key) throws SQLException {
    String sql =
        key.reusable()
            ? "UPDATE pre_auth_keys SET used_count = used_count + 1 WHERE id = ?"
            : "UPDATE pre_auth_keys SET used_count = used_count + 1 WHERE id = ? AND used_count = 0";
    try (PreparedStatement p = c.prepareStatement(sql)) {
      p.setLong(1, key.id());
      return p.executeUpdate() == 1;
    }
  }

  /** Revokes a key; returns false when there is no such key. */
  public static boolean revoke(Connection c, long id) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("UPDATE pre_auth_keys SET revoked = 1 WHERE id = ?")) {
      p.setLong(1, id);
      return p.executeUpdate() == 1;
    }
  }

  public static List<PreAuthKeyRecord> all(Connection c) throws SQLException {
    try (PreparedStatement p =
            c.prepareStatement("SELECT " + COLUMNS + " FROM pre_auth_keys ORDER BY id");
        ResultSet rs = p.executeQuery()) {
      List<PreAuthKeyRecord> out = new ArrayList<>();
      while (rs.next()) {
        out.add(read(rs));
      }
      return out;
    }
  }

  private static Optional<PreAuthKeyRecord> first(PreparedStatement p) throws SQLException {
    try (ResultSet rs = p.executeQuery()) {
      return rs.next() ? Optional.of(read(rs)) : Optional.empty();
    }
  }

  private static PreAuthKeyRecord read(ResultSet rs) throws SQLException {
    long user = rs.getLong(3);
    Long userId = rs.wasNull() ? null : user;
    return new PreAuthKeyRecord(
        rs.getLong(1),
        rs.getLong(2),
        userId,
        rs.getString(4),
        rs.getInt(5) != 0,
        rs.getInt(6) != 0,
        rs.getInt(7) != 0,
        StringLists.decode(rs.getString(8)),
        rs.getLong(9),
        rs.getInt(10),
        rs.getInt(11) != 0,
        rs.getLong(12));
  }
}
