package io.weft.control.protocol;

import java.io.IOException;

/**
 * One flow-log record (issue 18): what one node saw of one flow, metadata only (never payload
 * bytes). A flow is named by the node that started it ({@code src}) and the one it reached ({@code
 * dst}); both ends write records of the same flow, which {@code weft control logs verify} pairs.
 * Counters are cumulative from {@link #start}: an interim record ({@code reason} "interim") is
 * followed by a later one with larger counters, the last one ends the flow.
 *
 * @param node the node that wrote the record (the observer)
 * @param seq the observer's record sequence number: 1, 2, 3 ... without gaps
 * @param proto IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6)
 * @param src the initiator's address; {@code sport} its port (ICMP echo: the identifier)
 * @param dst the responder's address; {@code dport} its port (ICMP echo: the identifier)
 * @param srcNode the initiator's node id when known from the network map, else 0
 * @param srcKey the initiator's node key when known, else null
 * @param srcUser the initiator's user when known, else null
 * @param dstNode the responder's node id when known, else 0
 * @param dstKey the responder's node key when known, else null
 * @param dstUser the responder's user when known, else null
 * @param start epoch milliseconds of the first packet the observer saw
 * @param end epoch milliseconds of the last packet the observer saw
 * @param fwdPackets packets src to dst; {@code fwdBytes} their IP bytes
 * @param revPackets packets dst to src; {@code revBytes} their IP bytes
 * @param verdict "accepted" or "dropped" (by the observer's filter)
 * @param rule the filter rule that decided, when the filter names one, else -1
 * @param reason why the record was written: "fin", "rst", "idle", "interim", "shutdown"
 */
public record FlowRecord(
    long node,
    long seq,
    int proto,
    String src,
    int sport,
    String dst,
    int dport,
    long srcNode,
    String srcKey,
    String srcUser,
    long dstNode,
    String dstKey,
    String dstUser,
    long start,
    long end,
    long fwdPackets,
    long fwdBytes,
    long revPackets,
    long revBytes,
    String verdict,
    int rule,
    String reason) {

  /** Whether the record ends its flow (not an interim one). */
  public boolean last() {
    return !"interim".equals(reason);
  }

  /** The same record with sequence number {@code n}. */
  public FlowRecord withSeq(long n) {
    return new FlowRecord(
        node,
        n,
        proto,
        src,
        sport,
        dst,
        dport,
        srcNode,
        srcKey,
        srcUser,
        dstNode,
        dstKey,
        dstUser,
        start,
        end,
        fwdPackets,
        fwdBytes,
        revPackets,
        revBytes,
        verdict,
        rule,
        reason);
  }

  /** One JSON line (without the newline). */
  public String toJson() {
    try {
      return MessageCodec.JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Parses one JSON line.
   *
   * @throws IOException for anything that is not a record; no unchecked exception escapes
   */
  public static FlowRecord fromJson(String line) throws IOException {
    try {
      FlowRecord r = MessageCodec.JSON.readValue(line, FlowRecord.class);
      if (r == null || r.seq() < 1 || r.src() == null || r.dst() == null || r.reason() == null) {
        throw new IOException("not a flow record (missing seq, src, dst or reason)");
      }
      return r;
    } catch (RuntimeException e) {
      throw new IOException("malformed flow record: " + e.getClass().getSimpleName(), e);
    }
  }
}
