package io.weft.control.flowlogs;

import io.weft.control.protocol.FlowRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code weft control logs verify}: checks each node's hash chain and sequence numbers, then pairs
 * the source and destination records of each flow between mesh nodes and reports flows only one
 * side logged and counters that disagree beyond an in-flight slack.
 *
 * <ul>
 *   <li>A sequence gap alone (chain intact) is records the node never delivered (its spool was
 *       full); a gap with a broken chain is records deleted from the store.
 *   <li>A row whose hash is not the hash of its previous hash and record was edited; a row whose
 *       previous hash is not the hash of the row before was moved or has a neighbour deleted; a
 *       record whose own {@code seq} is not its row's was moved.
 *   <li>Counters are compared between the last records of a flow on both sides, when both are
 *       final; a flow is the same on both sides with the same 5-tuple and starts within {@link
 *       #START_SLACK_MS} of each other.
 * </ul>
 */
public final class FlowLogVerifier {
  /** How far apart two ends' first-seen times of one flow may be. */
  public static final long START_SLACK_MS = 60_000;

  private FlowLogVerifier() {}

  /** What verify found. */
  public record Report(
      int records,
      int flows,
      int paired,
      List<String> chainBreaks,
      List<String> gaps,
      List<String> oneSided,
      List<String> mismatches) {
    /** Whether nothing was found. */
    public boolean ok() {
      return chainBreaks.isEmpty() && gaps.isEmpty() && oneSided.isEmpty() && mismatches.isEmpty();
    }

    /** Human-readable, one finding a line. */
    public String toText() {
      StringBuilder sb = new StringBuilder();
      sb.append(records)
          .append(" records, ")
          .append(flows)
          .append(" flows, ")
          .append(paired)
          .append(" paired at both ends\n");
      section(sb, "broken hash chains", chainBreaks);
      section(sb, "sequence gaps", gaps);
      section(sb, "flows logged at one end only", oneSided);
      section(sb, "counters disagreeing", mismatches);
      sb.append(ok() ? "OK\n" : "PROBLEMS FOUND\n");
      return sb.toString();
    }

    private static void section(StringBuilder sb, String title, List<String> items) {
      sb.append(title).append(": ").append(items.size()).append('\n');
      for (String s : items) {
        sb.append("  ").append(s).append('\n');
      }
    }
  }

  private record FlowKey(int proto, String src, int sport, String dst, int dport) {}

  /** Verifies {@code rows} (ordered by node, then seq) against the nodes' {@code chains}. */
  public static Report verify(
      List<FlowLogs.Chain> chains,
      List<FlowLogs.Stored> rows,
      long slackPackets,
      double slackFraction) {
    List<String> breaks = new ArrayList<>();
    List<String> gaps = new ArrayList<>();
    List<String> oneSided = new ArrayList<>();
    List<String> mismatches = new ArrayList<>();
    Map<Long, List<FlowLogs.Stored>> byNode = new LinkedHashMap<>();
    for (FlowLogs.Stored s : rows) {
      byNode.computeIfAbsent(s.node(), k -> new ArrayList<>()).add(s);
    }
    Map<Long, FlowLogs.Chain> chainOf = new HashMap<>();
    for (FlowLogs.Chain c : chains) {
      chainOf.put(c.node(), c);
      byNode.putIfAbsent(c.node(), new ArrayList<>());
    }
    // The last record of each flow instance, per observer: (observer, key, start) -> record.
    Map<Long, Map<FlowKey, List<FlowRecord>>> flows = new HashMap<>();
    for (Map.Entry<Long, List<FlowLogs.Stored>> e : byNode.entrySet()) {
      long node = e.getKey();
      FlowLogs.Chain chain = chainOf.get(node);
      long expectSeq = chain == null ? 1 : chain.firstSeq();
      String expectPrev = chain == null ? FlowLogs.GENESIS : chain.firstPrevHash();
      FlowLogs.Stored last = null;
      for (FlowLogs.Stored s : e.getValue()) {
        if (s.seq() > expectSeq) {
          gaps.add(
              "node "
                  + node
                  + ": records "
                  + expectSeq
                  + (s.seq() - 1 > expectSeq ? ".." + (s.seq() - 1) : "")
                  + " missing");
        }
        if (!FlowLogs.hash(s.prevHash(), s.record()).equals(s.hash())) {
          breaks.add(
              "node " + node + " seq " + s.seq() + ": record does not match its hash (edited)");
        }
        if (!s.prevHash().equals(expectPrev)) {
          breaks.add(
              "node "
                  + node
                  + " seq "
                  + s.seq()
                  + ": does not chain from the record before it"
                  + " (records deleted or reordered)");
        }
        FlowRecord r;
        try {
          r = FlowRecord.fromJson(s.record());
        } catch (IOException ex) {
          breaks.add(
              "node " + node + " seq " + s.seq() + ": unreadable record (" + ex.getMessage() + ")");
          r = null;
        }
        if (r != null) {
          if (r.seq() != s.seq() || r.node() != node) {
            breaks.add(
                "node "
                    + node
                    + " seq "
                    + s.seq()
                    + ": holds the record of node "
                    + r.node()
                    + " seq "
                    + r.seq()
                    + " (moved)");
          }
          FlowKey k = new FlowKey(r.proto(), r.src(), r.sport(), r.dst(), r.dport());
          List<FlowRecord> instances =
              flows
                  .computeIfAbsent(node, x -> new HashMap<>())
                  .computeIfAbsent(k, x -> new ArrayList<>());
          boolean merged = false;
          for (int i = 0; i < instances.size(); i++) {
            if (instances.get(i).start() == r.start()) {
              if (r.seq() > instances.get(i).seq()) {
                instances.set(i, r);
              }
              merged = true;
            }
          }
          if (!merged) {
            instances.add(r);
          }
        }
        expectPrev = s.hash();
        expectSeq = s.seq() + 1;
        last = s;
      }
      if (chain != null) {
        if (last == null
            ? chain.lastSeq() >= chain.firstSeq()
            : last.seq() != chain.lastSeq() || !last.hash().equals(chain.lastHash())) {
          breaks.add(
              "node "
                  + node
                  + ": the chain ends at seq "
                  + chain.lastSeq()
                  + " but the last record kept is "
                  + (last == null ? "none" : "seq " + last.seq())
                  + " (records deleted at the end)");
        }
      }
    }
    // Pair the ends.
    int total = 0;
    int paired = 0;
    for (Map.Entry<Long, Map<FlowKey, List<FlowRecord>>> e : flows.entrySet()) {
      long observer = e.getKey();
      for (Map.Entry<FlowKey, List<FlowRecord>> f : e.getValue().entrySet()) {
        for (FlowRecord r : f.getValue()) {
          total++;
          long other;
          boolean source;
          if (r.srcNode() == observer && r.dstNode() != 0 && r.dstNode() != observer) {
            other = r.dstNode();
            source = true;
          } else if (r.dstNode() == observer && r.srcNode() != 0 && r.srcNode() != observer) {
            other = r.srcNode();
            source = false;
          } else {
            continue; // not between two mesh nodes (subnet, exit, or unknown): one end only
          }
          FlowRecord match = null;
          for (FlowRecord o :
              flows.getOrDefault(other, Map.of()).getOrDefault(f.getKey(), List.of())) {
            if (Math.abs(o.start() - r.start()) <= START_SLACK_MS) {
              match = o;
              break;
            }
          }
          String name =
              r.proto() + " " + r.src() + ":" + r.sport() + " -> " + r.dst() + ":" + r.dport()
                  + " from " + r.start();
          if (match == null) {
            oneSided.add(
                name
                    + ": logged by node "
                    + observer
                    + " (the "
                    + (source ? "source" : "destination")
                    + "), not by node "
                    + other);
            continue;
          }
          if (!source) {
            continue; // each pair is checked once, from its source side
          }
          paired++;
          if (r.last() && match.last()) {
            compare(
                mismatches,
                name,
                "packets src->dst",
                r.fwdPackets(),
                match.fwdPackets(),
                slackPackets,
                slackFraction);
            compare(
                mismatches,
                name,
                "packets dst->src",
                r.revPackets(),
                match.revPackets(),
                slackPackets,
                slackFraction);
            compare(
                mismatches,
                name,
                "bytes src->dst",
                r.fwdBytes(),
                match.fwdBytes(),
                slackPackets * 1500,
                slackFraction);
            compare(
                mismatches,
                name,
                "bytes dst->src",
                r.revBytes(),
                match.revBytes(),
                slackPackets * 1500,
                slackFraction);
          }
        }
      }
    }
    oneSided.sort(null);
    mismatches.sort(null);
    return new Report(rows.size(), total, paired, breaks, gaps, oneSided, mismatches);
  }

  private static void compare(
      List<String> out,
      String flow,
      String what,
      long source,
      long destination,
      long slack,
      double fraction) {
    long allowed = Math.max(slack, (long) (fraction * Math.max(source, destination)));
    if (Math.abs(source - destination) > allowed) {
      out.add(
          flow
              + ": "
              + what
              + " "
              + source
              + " at the source, "
              + destination
              + " at the destination");
    }
  }
}
