package io.weft.agent.flowlog;

import io.weft.control.protocol.FlowRecord;
import io.weft.wg.local.OwnerOnlyFiles;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The node's on-disk queue of flow records (issue 18), in a private directory (0700) of the state
 * directory: each {@link #accept}ed batch gets the next sequence numbers and becomes one file
 * {@code b-<first seq>.jsonl} (0600, written whole and renamed into place through {@link
 * OwnerOnlyFiles#writeSecret}), and the next number is kept in {@code next-seq} the same way, so
 * numbering continues across restarts. {@link #upload} sends the files oldest first and deletes
 * each only once the collector acknowledged it: nothing is lost across collector outages or node
 * restarts. Bounded: past {@code maxBytes} the oldest files are deleted, their records counted in
 * {@link #droppedRecords()} and logged (the collector then sees the sequence gap).
 */
public final class FlowSpool implements FlowSink {
  private static final System.Logger LOG = System.getLogger(FlowSpool.class.getName());

  /** Records per batch file at most (one upload each). */
  public static final int MAX_BATCH = 2_000;

  private final Path dir;
  private final long maxBytes;
  private long nextSeq;
  private long droppedRecords;
  private long uploadedRecords;

  /** Opens (or creates) the spool in {@code dir}, holding at most about {@code maxBytes}. */
  public FlowSpool(Path dir, long maxBytes) throws IOException {
    this.dir = Objects.requireNonNull(dir, "dir");
    this.maxBytes = maxBytes;
    OwnerOnlyFiles.openPrivateDirectory(dir, "flow log spool");
    long seq = 1;
    Path seqFile = dir.resolve("next-seq");
    if (Files.exists(seqFile)) {
      try {
        seq = Long.parseLong(Files.readString(seqFile, StandardCharsets.US_ASCII).strip());
      } catch (NumberFormatException e) {
        LOG.log(
            Level.WARNING,
            "flow log spool {0}: unreadable next-seq, recovering from the batches",
            dir);
      }
    }
    // A crash between a batch and next-seq: the batches know better.
    for (Path f : batches()) {
      seq = Math.max(seq, lastSeq(f) + 1);
    }
    nextSeq = Math.max(seq, 1);
  }

  /** The sequence number the next record will get. */
  public synchronized long nextSeq() {
    return nextSeq;
  }

  /** Records deleted unsent because the spool was full. */
  public synchronized long droppedRecords() {
    return droppedRecords;
  }

  /** Records acknowledged by the collector (this process). */
  public synchronized long uploadedRecords() {
    return uploadedRecords;
  }

  /** Numbers {@code records} and writes them to the spool, in batches of {@link #MAX_BATCH}. */
  @Override
  public synchronized void accept(List<FlowRecord> records) throws IOException {
    for (int from = 0; from < records.size(); from += MAX_BATCH) {
      List<FlowRecord> part = records.subList(from, Math.min(records.size(), from + MAX_BATCH));
      long first = nextSeq;
      StringBuilder sb = new StringBuilder(part.size() * 400);
      for (FlowRecord r : part) {
        sb.append(r.withSeq(nextSeq++).toJson()).append('\n');
      }
      OwnerOnlyFiles.writeSecret(
          dir.resolve(name(first)), sb.toString().getBytes(StandardCharsets.UTF_8));
      OwnerOnlyFiles.writeSecret(
          dir.resolve("next-seq"), Long.toString(nextSeq).getBytes(StandardCharsets.US_ASCII));
    }
    enforceBound();
  }

  private void enforceBound() throws IOException {
    List<Path> files = batches();
    long total = 0;
    for (Path f : files) {
      total += Files.size(f);
    }
    int k = 0;
    while (total > maxBytes && k < files.size() - 1) {
      Path f = files.get(k++);
      long size = Files.size(f);
      long lines = lines(f);
      Files.deleteIfExists(f);
      total -= size;
      droppedRecords += lines;
      LOG.log(
          Level.WARNING,
          "flow log spool {0} is full ({1} bytes max): dropped {2} unsent records ({3} so far)",
          dir,
          maxBytes,
          lines,
          droppedRecords);
    }
  }

  /** Batch files waiting, oldest first. */
  public synchronized List<Path> pending() throws IOException {
    return batches();
  }

  /**
   * Sends the waiting batches oldest first, deleting each once acknowledged; stops at the first
   * failure (kept for the next call). Returns the number of batches sent.
   */
  public int upload(FlowUploader uploader) throws IOException {
    int sent = 0;
    while (true) {
      Path f;
      byte[] content;
      synchronized (this) {
        List<Path> files = batches();
        if (files.isEmpty()) {
          return sent;
        }
        f = files.getFirst();
        try {
          content = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
          continue; // dropped by the bound meanwhile
        }
      }
      try {
        uploader.upload(content);
      } catch (IOException e) {
        LOG.log(Level.DEBUG, "flow log upload failed, kept in the spool: {0}", e.getMessage());
        return sent;
      }
      synchronized (this) {
        if (Files.deleteIfExists(f)) {
          uploadedRecords += count(content);
        }
      }
      sent++;
    }
  }

  private List<Path> batches() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "b-*.jsonl")) {
      for (Path p : ds) {
        out.add(p);
      }
    }
    out.sort(null); // zero-padded first sequence numbers: name order is age order
    return out;
  }

  private static String name(long firstSeq) {
    return String.format("b-%020d.jsonl", firstSeq);
  }

  private static long lastSeq(Path f) throws IOException {
    String s = Files.readString(f, StandardCharsets.UTF_8).strip();
    int nl = s.lastIndexOf('\n');
    try {
      return FlowRecord.fromJson(s.substring(nl + 1)).seq();
    } catch (IOException e) {
      String n = f.getFileName().toString();
      return Long.parseLong(n.substring(2, n.length() - 6)) + lines(f) - 1;
    }
  }

  private static long lines(Path f) throws IOException {
    return count(Files.readAllBytes(f));
  }

  private static long count(byte[] b) {
    long n = 0;
    for (byte x : b) {
      if (x == '\n') {
        n++;
      }
    }
    return n;
  }
}
