package io.weft.agent.flowlog;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.protocol.FlowRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool: records numbered 1, 2, 3 ... across restarts, files 0600 in a 0700 directory, kept
 * until the collector acknowledges them (through failures and a reopen), and the oldest dropped and
 * counted when full.
 */
class FlowSpoolTest {
  @TempDir Path dir;

  static FlowRecord rec(int sport) {
    return new FlowRecord(
        1,
        0,
        17,
        "100.64.0.1",
        sport,
        "100.64.0.2",
        53,
        1,
        "k1",
        "alice",
        2,
        "k2",
        "bob",
        10,
        20,
        1,
        29,
        1,
        29,
        "accepted",
        -1,
        "idle");
  }

  static List<FlowRecord> parse(List<byte[]> batches) throws IOException {
    List<FlowRecord> out = new ArrayList<>();
    for (byte[] b : batches) {
      for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
        out.add(FlowRecord.fromJson(line));
      }
    }
    return out;
  }

  @Test
  void shouldKeepRecordsUntilAcknowledgedAcrossFailuresAndRestarts() throws Exception {
    Path spoolDir = dir.resolve("flowlog");
    FlowSpool s = new FlowSpool(spoolDir, 1 << 20);
    s.accept(List.of(rec(1), rec(2)));
    s.accept(List.of(rec(3)));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(spoolDir)))
        .isEqualTo("rwx------");
    for (Path f : s.pending()) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
          .isEqualTo("rw-------");
    }
    // The collector is down: nothing leaves the spool.
    assertThat(
            s.upload(
                b -> {
                  throw new IOException("collector unreachable");
                }))
        .isZero();
    assertThat(s.pending()).hasSize(2);

    // The node restarts; numbering continues; then the collector takes one batch and fails.
    s = new FlowSpool(spoolDir, 1 << 20);
    assertThat(s.nextSeq()).isEqualTo(4);
    s.accept(List.of(rec(4)));
    List<byte[]> got = new ArrayList<>();
    int[] calls = {0};
    assertThat(
            s.upload(
                b -> {
                  if (calls[0]++ == 1) {
                    throw new IOException("collector went away");
                  }
                  got.add(b);
                }))
        .isEqualTo(1);
    assertThat(s.pending()).hasSize(2);
    assertThat(s.upload(got::add)).isEqualTo(2);
    assertThat(s.pending()).isEmpty();
    assertThat(parse(got)).extracting(FlowRecord::seq).containsExactly(1L, 2L, 3L, 4L);
    assertThat(parse(got)).extracting(FlowRecord::sport).containsExactly(1, 2, 3, 4);
    assertThat(new FlowSpool(spoolDir, 1 << 20).nextSeq())
        .as("after everything was sent")
        .isEqualTo(5);
  }

  @Test
  void shouldDropAndCountTheOldestWhenFull() throws Exception {
    FlowSpool s = new FlowSpool(dir.resolve("flowlog"), 2_000);
    for (int i = 0; i < 20; i++) {
      s.accept(List.of(rec(i), rec(i + 100)));
    }
    assertThat(s.droppedRecords()).isPositive();
    List<byte[]> got = new ArrayList<>();
    s.upload(got::add);
    List<FlowRecord> left = parse(got);
    assertThat(left.size() + s.droppedRecords()).isEqualTo(40);
    assertThat(left.getLast().seq()).as("the newest are kept").isEqualTo(40);
    assertThat(left.getFirst().seq()).isEqualTo(s.droppedRecords() + 1);
  }

  @Test
  void shouldRecoverNumberingFromTheBatchesWhenNextSeqIsStale() throws Exception {
    Path spoolDir = dir.resolve("flowlog");
    FlowSpool s = new FlowSpool(spoolDir, 1 << 20);
    s.accept(List.of(rec(1), rec(2), rec(3)));
    Files.writeString(
        spoolDir.resolve("next-seq"), "1"); // as if the crash came between the two writes
    assertThat(new FlowSpool(spoolDir, 1 << 20).nextSeq()).isEqualTo(4);
  }
}
