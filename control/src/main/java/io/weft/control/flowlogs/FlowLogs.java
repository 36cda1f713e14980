package io.weft.control.flowlogs;

import io.weft.control.protocol.FlowRecord;
import io.weft.control.protocol.Message;
import io.weft.control.store.Database;
import io.weft.control.store.NodeRecord;
import io.weft.control.store.Nodes;
import java.io.IOException;
import java.io.Writer;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The flow-log collector (issue 18): stores the records nodes upload over their Noise control
 * channel (so an upload is authenticated as the node by its machine key, nothing more to check),
 * append-only, with a hash chain per node; retention by age; query and JSON-lines export by node
 * and time. An upload is parsed and checked whole before anything is stored: a malformed or
 * oversized one, or one claiming another node's records, is refused with a clear error and nothing
 * of it stored. A re-sent batch (the node missed the acknowledgement) is skipped record by record
 * (sequence numbers already stored), so uploads are idempotent.
 */
public final class FlowLogs {
  private static final System.Logger LOG = System.getLogger(FlowLogs.class.getName());

  /** Bytes of JSON lines one upload may carry. */
  public static final int MAX_UPLOAD_CHARS = 4 << 20;

  /** Records one upload may carry. */
  public static final int MAX_UPLOAD_RECORDS = 10_000;

  /** The hash the first record of a node's chain chains from. */
  public static final String GENESIS = "0".repeat(64);

  private final Database db;
  private final Clock clock;

  public FlowLogs(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** One stored row. */
  public record Stored(
      long node, long seq, long receivedAt, String record, String prevHash, String hash) {}

  /** A node's chain ends. */
  public record Chain(
      long node, long firstSeq, String firstPrevHash, long lastSeq, String lastHash) {}

  /** What an upload did. */
  public record Appended(int stored, int duplicates) {}

  /** A refused upload: {@code code} 400 (malformed), 403 (not the node's), 413 (too large). */
  public static final class Refused extends Exception {
    public final int code;

    Refused(int code, String message) {
      super(message);
      this.code = code;
    }
  }

  /**
   * The control channel's handler: the reply to {@code u} from the node with {@code machineKey}.
   */
  public Message upload(String machineKey, Message.FlowLogUpload u) {
    try {
      Optional<NodeRecord> node = db.inTransaction(c -> Nodes.byMachineKey(c, machineKey));
      if (node.isEmpty()) {
        return new Message.Error(u.id(), 403, "flow logs: this machine is not a registered node");
      }
      Appended a = append(node.get().id(), u.records());
      LOG.log(
          Level.DEBUG,
          "flow logs from node {0}: {1} stored, {2} already had",
          node.get().id(),
          a.stored(),
          a.duplicates());
      return new Message.Ack(u.id());
    } catch (Refused e) {
      LOG.log(Level.INFO, "flow log upload refused: {0}", e.getMessage());
      return new Message.Error(u.id(), e.code, "flow logs: " + e.getMessage());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "flow log upload failed", e);
      return new Message.Error(u.id(), 500, "flow logs: could not store the records");
    }
  }

  /** Parses, checks and stores {@code jsonLines} as records of {@code nodeId}; all or nothing. */
  public Appended append(long nodeId, String jsonLines) throws Refused {
    if (jsonLines == null || jsonLines.isEmpty()) {
      throw new Refused(400, "empty upload");
    }
    if (jsonLines.length() > MAX_UPLOAD_CHARS) {
      throw new Refused(
          413, "upload of " + jsonLines.length() + " characters exceeds " + MAX_UPLOAD_CHARS);
    }
    List<FlowRecord> records = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    int lineNo = 0;
    long prevSeq = 0;
    for (String line : jsonLines.split("\n")) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      if (records.size() == MAX_UPLOAD_RECORDS) {
        throw new Refused(413, "upload exceeds " + MAX_UPLOAD_RECORDS + " records");
      }
      FlowRecord r;
      try {
        r = FlowRecord.fromJson(line);
      } catch (IOException e) {
        throw new Refused(400, "line " + lineNo + ": " + e.getMessage());
      }
      if (r.node() != nodeId) {
        throw new Refused(
            403, "line " + lineNo + " is a record of node " + r.node() + ", not of node " + nodeId);
      }
      if (r.seq() <= prevSeq) {
        throw new Refused(
            400,
            "line "
                + lineNo
                + ": sequence numbers must increase ("
                + r.seq()
                + " after "
                + prevSeq
                + ")");
      }
      prevSeq = r.seq();
      records.add(r);
      lines.add(r.toJson()); // the canonical form is what is hashed and stored
    }
    if (records.isEmpty()) {
      throw new Refused(400, "no records");
    }
    final long now = clock.millis();
    return db.inTransaction(
        c -> {
          Chain chain = chain(c, nodeId).orElse(null);
          long lastSeq = chain == null ? 0 : chain.lastSeq();
          String lastHash = chain == null ? GENESIS : chain.lastHash();
          int stored = 0;
          int duplicates = 0;
          try (PreparedStatement p =
              c.prepareStatement(
                  "INSERT INTO flow_logs (node_id, seq, received_at, start_ms, end_ms, record, prev_hash, hash)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < records.size(); i++) {
              FlowRecord r = records.get(i);
              if (r.seq() <= lastSeq) {
                duplicates++;
                continue;
              }
              String hash = hash(lastHash, lines.get(i));
              p.setLong(1, nodeId);
              p.setLong(2, r.seq());
              p.setLong(3, now);
              p.setLong(4, r.start());
              p.setLong(5, r.end());
              p.setString(6, lines.get(i));
              p.setString(7, lastHash);
              p.setString(8, hash);
              p.addBatch();
              lastHash = hash;
              lastSeq = r.seq();
              stored++;
            }
            if (stored > 0) {
              p.executeBatch();
            }
          }
          if (stored > 0) {
            if (chain == null) {
              try (PreparedStatement p =
                  c.prepareStatement(
                      "INSERT INTO flow_log_chains (node_id, first_seq,"
                          + " first_prev_hash, last_seq, last_hash) VALUES (?, ?, ?, ?, ?)")) {
                p.setLong(1, nodeId);
                p.setLong(2, 1);
                p.setString(3, GENESIS);
                p.setLong(4, lastSeq);
                p.setString(5, lastHash);
                p.executeUpdate();
              }
            } else {
              try (PreparedStatement p =
                  c.prepareStatement(
                      "UPDATE flow_log_chains SET last_seq = ?, last_hash = ? WHERE node_id = ?")) {
                p.setLong(1, lastSeq);
                p.setString(2, lastHash);
                p.setLong(3, nodeId);
                p.executeUpdate();
              }
            }
          }
          return new Appended(stored, duplicates);
        });
  }

  /** SHA-256 of the previous hash and the record's JSON, hex. */
  public static String hash(String prevHash, String recordJson) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(prevHash.getBytes(StandardCharsets.US_ASCII));
      d.update((byte) '\n');
      d.update(recordJson.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Optional<Chain> chain(Connection c, long nodeId) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT node_id, first_seq, first_prev_hash, last_seq, last_hash"
                + " FROM flow_log_chains WHERE node_id = ?")) {
      p.setLong(1, nodeId);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? Optional.of(chain(rs)) : Optional.empty();
      }
    }
  }

  private static Chain chain(ResultSet rs) throws SQLException {
    return new Chain(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getString(5));
  }

  /** Every node's chain ends. */
  public List<Chain> chains() {
    return db.inTransaction(
        c -> {
          List<Chain> out = new ArrayList<>();
          try (PreparedStatement p =
                  c.prepareStatement(
                      "SELECT node_id, first_seq, first_prev_hash, last_seq,"
                          + " last_hash FROM flow_log_chains ORDER BY node_id");
              ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              out.add(chain(rs));
            }
          }
          return out;
        });
  }

  /**
   * The stored rows of {@code node} (null: every node) whose flow overlaps {@code [fromMs, toMs]},
   * by node then sequence number.
   */
  public List<Stored> query(Long node, long fromMs, long toMs) {
    return db.inTransaction(
        c -> {
          List<Stored> out = new ArrayList<>();
          String sql =
              "SELECT node_id, seq, received_at, record, prev_hash, hash FROM flow_logs WHERE end_ms >= ?"
                  + " AND start_ms <= ?"
                  + (node == null ? "" : " AND node_id = ?")
                  + " ORDER BY node_id, seq";
          try (PreparedStatement p = c.prepareStatement(sql)) {
            p.setLong(1, fromMs);
            p.setLong(2, toMs);
            if (node != null) {
              p.setLong(3, node);
            }
            try (ResultSet rs = p.executeQuery()) {
              while (rs.next()) {
                out.add(
                    new Stored(
                        rs.getLong(1),
                        rs.getLong(2),
                        rs.getLong(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6)));
              }
            }
          }
          return out;
        });
  }

  /** Writes the records of {@link #query} as JSON lines (the records as the nodes sent them). */
  public int export(Long node, long fromMs, long toMs, Writer out) throws IOException {
    int n = 0;
    for (Stored s : query(node, fromMs, toMs)) {
      out.write(s.record());
      out.write('\n');
      n++;
    }
    out.flush();
    return n;
  }

  /**
   * Deletes records that ended more than {@code maxAge} ago. Per node only a prefix of the chain
   * goes (up to the first record still young enough), and the chain's start moves past it, so
   * {@link FlowLogVerifier} tells retention from a deletion. Returns the records deleted.
   */
  public int retain(Duration maxAge) {
    final long cutoff = clock.millis() - maxAge.toMillis();
    return db.inTransaction(
        c -> {
          int deleted = 0;
          for (Chain ch : chainsIn(c)) {
            long keepFrom = ch.lastSeq() + 1; // the first seq that stays
            String keepPrev = ch.lastHash();
            try (PreparedStatement p =
                c.prepareStatement(
                    "SELECT seq, prev_hash FROM flow_logs WHERE node_id = ?"
                        + " AND end_ms >= ? ORDER BY seq LIMIT 1")) {
              p.setLong(1, ch.node());
              p.setLong(2, cutoff);
              try (ResultSet rs = p.executeQuery()) {
                if (rs.next()) {
                  keepFrom = rs.getLong(1);
                  keepPrev = rs.getString(2);
                }
              }
            }
            if (keepFrom <= ch.firstSeq()) {
              continue;
            }
            try (PreparedStatement p =
                c.prepareStatement("DELETE FROM flow_logs WHERE node_id = ? AND seq < ?")) {
              p.setLong(1, ch.node());
              p.setLong(2, keepFrom);
              deleted += p.executeUpdate();
            }
            try (PreparedStatement p =
                c.prepareStatement(
                    "UPDATE flow_log_chains SET first_seq = ?, first_prev_hash = ? WHERE node_id = ?")) {
              p.setLong(1, keepFrom);
              p.setString(2, keepPrev);
              p.setLong(3, ch.node());
              p.executeUpdate();
            }
          }
          return deleted;
        });
  }

  private static List<Chain> chainsIn(Connection c) throws SQLException {
    List<Chain> out = new ArrayList<>();
    try (PreparedStatement p =
            c.prepareStatement(
                "SELECT node_id, first_seq, first_prev_hash, last_seq,"
                    + " last_hash FROM flow_log_chains");
        ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        out.add(chain(rs));
      }
    }
    return out;
  }

  /** Checks everything stored ({@link FlowLogVerifier}). */
  public FlowLogVerifier.Report verify(long slackPackets, double slackFraction) {
    return FlowLogVerifier.verify(
        chains(), query(null, Long.MIN_VALUE, Long.MAX_VALUE), slackPackets, slackFraction);
  }
}
