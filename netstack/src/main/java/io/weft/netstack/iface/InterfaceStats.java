package io.weft.netstack.iface;

/** Packet counters of one interface. Read them under the interface's lock. */
public final class InterfaceStats {
  long rxPackets;
  long txPackets;
  long droppedTruncated;
  long droppedMalformed;
  long droppedBadChecksum;
  long droppedNotForUs;
  long droppedUnsupported;
  long droppedNoSocket;
  long droppedBacklogFull;
  long fragmentsReceived;
  long datagramsReassembled;
  long reassemblyTimeouts;
  long reassemblyDropped;
  long echoRequestsAnswered;
  long resetsSent;
  long unreachablesSent;

  public long rxPackets() {
    return rxPackets;
  }

  public long txPackets() {
    return txPackets;
  }

  public long droppedTruncated() {
    return droppedTruncated;
  }

  public long droppedMalformed() {
    return droppedMalformed;
  }

  public long droppedBadChecksum() {
    return droppedBadChecksum;
  }

  public long droppedNotForUs() {
    return droppedNotForUs;
  }

  public long droppedUnsupported() {
    return droppedUnsupported;
  }

  public long droppedNoSocket() {
    return droppedNoSocket;
  }

  public long droppedBacklogFull() {
    return droppedBacklogFull;
  }

  public long fragmentsReceived() {
    return fragmentsReceived;
  }

  public long datagramsReassembled() {
    return datagramsReassembled;
  }

  public long reassemblyTimeouts() {
    return reassemblyTimeouts;
  }

  public long reassemblyDropped() {
    return reassemblyDropped;
  }

  public long echoRequestsAnswered() {
    return echoRequestsAnswered;
  }

  public long resetsSent() {
    return resetsSent;
  }

  public long unreachablesSent() {
    return unreachablesSent;
  }

  /** All drops of incoming packets, whatever the reason. */
  public long droppedTotal() {
    return droppedTruncated
        + droppedMalformed
        + droppedBadChecksum
        + droppedNotForUs
        + droppedUnsupported
        + droppedNoSocket
        + droppedBacklogFull
        + reassemblyDropped;
  }

  @Override
  public String toString() {
    return "InterfaceStats[rx="
        + rxPackets
        + " tx="
        + txPackets
        + " truncated="
        + droppedTruncated
        + " malformed="
        + droppedMalformed
        + " badChecksum="
        + droppedBadChecksum
        + " notForUs="
        + droppedNotForUs
        + " unsupported="
        + droppedUnsupported
        + " noSocket="
        + droppedNoSocket
        + " backlogFull="
        + droppedBacklogFull
        + " fragments="
        + fragmentsReceived
        + " reassembled="
        + datagramsReassembled
        + " reassemblyTimeouts="
        + reassemblyTimeouts
        + " echoAnswered="
        + echoRequestsAnswered
        + " resets="
        + resetsSent
        + " unreachables="
        + unreachablesSent
        + "]";
  }
}
