package io.weft.control.flowlogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.control.protocol.FlowRecord;
import io.weft.control.store.Database;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector's store and verify: both ends' records pair; uploads are all or nothing and
 * idempotent; a malformed, oversized or foreign upload stores nothing; deleting, editing or
 * reordering a node's stored records is reported; retention is not mistaken for tampering; export
 * is the records as JSON lines.
 */
class FlowLogsTest {
  static final long T0 = 1_700_000_000_000L;
  @TempDir Path dir;
  Database db;
  FlowLogs logs;
  Instant now = Instant.ofEpochMilli(T0 + 3_600_000);

  @BeforeEach
  void open() throws Exception {
    db = Database.sqlite(dir.resolve("weft.db"));
    logs =
        new FlowLogs(
            db,
            new Clock() {
              @Override
              public ZoneOffset getZone() {
                return ZoneOffset.UTC;
              }

              @Override
              public Clock withZone(java.time.ZoneId zone) {
                return this;
              }

              @Override
              public Instant instant() {
                return now;
              }
            });
  }

  @AfterEach
  void close() {
    db.close();
  }

  /** Flow {@code i} from node 1 (100.64.0.1) to node 2, as {@code observer} logs it. */
  static FlowRecord flow(long observer, long seq, int i, long packets) {
    return new FlowRecord(
        observer,
        seq,
        6,
        "100.64.0.1",
        40000 + i,
        "100.64.0.2",
        80,
        1,
        "k1",
        "alice",
        2,
        "k2",
        "bob",
        T0 + i * 1000L + observer,
        T0 + i * 1000L + 500,
        packets,
        packets * 100,
        packets,
        packets * 1000,
        "accepted",
        -1,
        "fin");
  }

  static String lines(List<FlowRecord> rs) {
    StringBuilder sb = new StringBuilder();
    for (FlowRecord r : rs) {
      sb.append(r.toJson()).append('\n');
    }
    return sb.toString();
  }

  /** Ten flows, logged by both ends, uploaded in two batches each. */
  void uploadBoth() throws Exception {
    for (long node = 1; node <= 2; node++) {
      List<FlowRecord> a = new ArrayList<>();
      List<FlowRecord> b = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        (i < 5 ? a : b).add(flow(node, i + 1, i, 10 + i));
      }
      assertThat(logs.append(node, lines(a)).stored()).isEqualTo(5);
      assertThat(logs.append(node, lines(b)).stored()).isEqualTo(5);
    }
  }

  @Test
  void shouldPairBothEndsOfEachFlow() throws Exception {
    uploadBoth();
    FlowLogVerifier.Report r = logs.verify(2, 0.01);
    assertThat(r.ok()).as(r.toText()).isTrue();
    assertThat(r.paired()).isEqualTo(10);
    assertThat(r.records()).isEqualTo(20);
  }

  @Test
  void shouldSkipARepeatedBatchAndReportOneSidedFlowsMismatchesAndGaps() throws Exception {
    uploadBoth();
    // The node missed the ack and sends again: nothing new stored.
    assertThat(logs.append(1, lines(List.of(flow(1, 9, 8, 18), flow(1, 10, 9, 19)))).duplicates())
        .isEqualTo(2);
    // Node 1 logs a flow node 2 never logged, then one whose counters disagree, after a gap.
    logs.append(1, lines(List.of(flow(1, 11, 20, 5))));
    logs.append(1, lines(List.of(flow(1, 14, 21, 100))));
    logs.append(2, lines(List.of(flow(2, 11, 21, 50))));
    FlowLogVerifier.Report r = logs.verify(2, 0.01);
    assertThat(r.oneSided()).singleElement().asString().contains("40020").contains("not by node 2");
    assertThat(r.mismatches()).isNotEmpty().allMatch(s -> s.contains("40021"));
    assertThat(r.gaps()).containsExactly("node 1: records 12..13 missing");
    assertThat(r.chainBreaks()).as("a gap the node left is not a broken chain").isEmpty();
  }

  @Test
  void shouldRefuseMalformedOversizedAndForeignUploadsStoringNothing() throws Exception {
    String good = flow(1, 1, 0, 1).toJson();
    assertThatThrownBy(() -> logs.append(1, good + "\n{not json\n"))
        .isInstanceOfSatisfying(FlowLogs.Refused.class, e -> assertThat(e.code).isEqualTo(400))
        .hasMessageContaining("line 2");
    assertThatThrownBy(() -> logs.append(1, good + "\n" + "{\"seq\":2}\n"))
        .isInstanceOfSatisfying(FlowLogs.Refused.class, e -> assertThat(e.code).isEqualTo(400));
    assertThatThrownBy(() -> logs.append(1, flow(2, 1, 0, 1).toJson()))
        .isInstanceOfSatisfying(FlowLogs.Refused.class, e -> assertThat(e.code).isEqualTo(403))
        .hasMessageContaining("not of node 1");
    assertThatThrownBy(() -> logs.append(1, "x".repeat(FlowLogs.MAX_UPLOAD_CHARS + 1)))
        .isInstanceOfSatisfying(FlowLogs.Refused.class, e -> assertThat(e.code).isEqualTo(413));
    StringBuilder many = new StringBuilder();
    for (int i = 1; i <= FlowLogs.MAX_UPLOAD_RECORDS + 1; i++) {
      many.append(flow(1, i, i, 1).toJson()).append('\n');
    }
    if (many.length() <= FlowLogs.MAX_UPLOAD_CHARS) {
      assertThatThrownBy(() -> logs.append(1, many.toString()))
          .isInstanceOfSatisfying(FlowLogs.Refused.class, e -> assertThat(e.code).isEqualTo(413));
    }
    assertThatThrownBy(() -> logs.append(1, lines(List.of(flow(1, 2, 0, 1), flow(1, 1, 1, 1)))))
        .isInstanceOfSatisfying(FlowLogs.Refused.class, e -> assertThat(e.code).isEqualTo(400))
        .hasMessageContaining("must increase");
    assertThat(logs.query(null, Long.MIN_VALUE, Long.MAX_VALUE)).isEmpty();
    assertThat(logs.chains()).isEmpty();
  }

  void sql(String statement, Object... args) {
    db.inTransaction(
        c -> {
          try (PreparedStatement p = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
              p.setObject(i + 1, args[i]);
            }
            return p.executeUpdate();
          }
        });
  }

  @Test
  void shouldReportADeletedRecord() throws Exception {
    uploadBoth();
    sql("DELETE FROM flow_logs WHERE node_id = 2 AND seq = 4");
    FlowLogVerifier.Report r = logs.verify(2, 0.01);
    assertThat(r.gaps()).containsExactly("node 2: records 4 missing");
    assertThat(r.chainBreaks())
        .singleElement()
        .asString()
        .contains("node 2 seq 5")
        .contains("deleted or reordered");
    assertThat(r.oneSided()).singleElement().asString().contains("40003").contains("not by node 2");
  }

  @Test
  void shouldReportTheLastRecordDeleted() throws Exception {
    uploadBoth();
    sql("DELETE FROM flow_logs WHERE node_id = 1 AND seq = 10");
    FlowLogVerifier.Report r = logs.verify(2, 0.01);
    assertThat(r.chainBreaks())
        .singleElement()
        .asString()
        .contains("node 1")
        .contains("deleted at the end");
  }

  @Test
  void shouldReportAnEditedRecord() throws Exception {
    uploadBoth();
    String edited = flow(1, 3, 2, 1_000).toJson();
    sql("UPDATE flow_logs SET record = ? WHERE node_id = 1 AND seq = 3", edited);
    FlowLogVerifier.Report r = logs.verify(2, 0.01);
    assertThat(r.chainBreaks())
        .singleElement()
        .asString()
        .contains("node 1 seq 3")
        .contains("edited");
    assertThat(r.mismatches()).isNotEmpty();
  }

  @Test
  void shouldReportReorderedRecords() throws Exception {
    uploadBoth();
    // Swap rows 3 and 4 of node 2 wholesale (record, hashes), as a reordering would.
    sql("UPDATE flow_logs SET seq = -1 WHERE node_id = 2 AND seq = 3");
    sql("UPDATE flow_logs SET seq = 3 WHERE node_id = 2 AND seq = 4");
    sql("UPDATE flow_logs SET seq = 4 WHERE node_id = 2 AND seq = -1");
    FlowLogVerifier.Report r = logs.verify(2, 0.01);
    assertThat(r.ok()).isFalse();
    assertThat(r.chainBreaks())
        .anyMatch(s -> s.contains("node 2 seq 3"))
        .anyMatch(s -> s.contains("moved"));
  }

  @Test
  void retentionShouldRemoveOldRecordsWithoutLookingLikeTampering() throws Exception {
    uploadBoth();
    now = Instant.ofEpochMilli(T0 + 5_000 + 60_000); // flows 0..4 ended more than a minute ago
    int deleted = logs.retain(Duration.ofSeconds(60));
    assertThat(deleted).isEqualTo(10);
    assertThat(logs.query(null, Long.MIN_VALUE, Long.MAX_VALUE)).hasSize(10);
    FlowLogVerifier.Report r = logs.verify(2, 0.01);
    assertThat(r.ok()).as(r.toText()).isTrue();
    assertThat(r.paired()).isEqualTo(5);
    // Everything old: the chains stay, empty, and new records still chain on.
    now = Instant.ofEpochMilli(T0 + 3_600_000);
    logs.retain(Duration.ofSeconds(60));
    assertThat(logs.query(null, Long.MIN_VALUE, Long.MAX_VALUE)).isEmpty();
    logs.append(1, flow(1, 11, 30, 1).toJson());
    logs.append(2, flow(2, 11, 30, 1).toJson());
    r = logs.verify(2, 0.01);
    assertThat(r.ok()).as(r.toText()).isTrue();
  }

  @Test
  void shouldExportJsonLinesByNodeAndTime() throws Exception {
    uploadBoth();
    StringWriter w = new StringWriter();
    int n = logs.export(2L, T0 + 2_000, T0 + 3_100, w);
    assertThat(n).isEqualTo(2); // flows 2 and 3 overlap the window
    List<FlowRecord> back = new ArrayList<>();
    for (String line : w.toString().split("\n")) {
      back.add(FlowRecord.fromJson(line));
    }
    assertThat(back).extracting(FlowRecord::node).containsOnly(2L);
    assertThat(back).extracting(FlowRecord::sport).containsExactly(40002, 40003);
  }

  @Test
  void cliShouldVerifyExportAndPruneTheServersDatabase() throws Exception {
    uploadBoth();
    String[] base = {"--data-dir", dir.toString()};
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    // The test's database is the data dir's weft-control.db, as the server would have it.
    db.close();
    java.nio.file.Files.move(dir.resolve("weft.db"), dir.resolve("weft-control.db"));
    for (String suffix : new String[] {"-wal", "-shm"}) {
      if (java.nio.file.Files.exists(dir.resolve("weft.db" + suffix))) {
        java.nio.file.Files.move(
            dir.resolve("weft.db" + suffix), dir.resolve("weft-control.db" + suffix));
      }
    }
    int rc =
        io.weft.control.cli.ControlCli.run(
            new String[] {"logs", "verify", base[0], base[1]},
            new java.io.PrintWriter(out),
            new java.io.PrintWriter(err));
    assertThat(rc).as(out + " " + err).isZero();
    assertThat(out.toString()).contains("20 records").contains("10 paired").endsWith("OK\n");
    out.getBuffer().setLength(0);
    rc =
        io.weft.control.cli.ControlCli.run(
            new String[] {"logs", "export", "--node", "1", base[0], base[1]},
            new java.io.PrintWriter(out),
            new java.io.PrintWriter(err));
    assertThat(rc).isZero();
    assertThat(out.toString().lines())
        .hasSize(10)
        .allMatch(l -> l.startsWith("{") && l.contains("\"node\":1"));
    db = Database.sqlite(dir.resolve("weft-control.db"));
    logs = new FlowLogs(db, Clock.systemUTC());
    sql("DELETE FROM flow_logs WHERE node_id = 1 AND seq = 2");
    out.getBuffer().setLength(0);
    rc =
        io.weft.control.cli.ControlCli.run(
            new String[] {"logs", "verify", base[0], base[1]},
            new java.io.PrintWriter(out),
            new java.io.PrintWriter(err));
    assertThat(rc).isEqualTo(io.weft.control.cli.ControlCli.EXIT_FAILED);
    assertThat(out.toString()).contains("node 1: records 2 missing").contains("PROBLEMS FOUND");
  }
}
