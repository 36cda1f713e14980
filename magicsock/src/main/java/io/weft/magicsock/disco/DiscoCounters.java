package io.weft.magicsock.disco;

import java.util.concurrent.atomic.LongAdder;

/** Why disco datagrams were dropped; every parse failure lands in exactly one counter. */
public final class DiscoCounters {
  /** Too short, or without the magic: not a disco packet at all. */
  public final LongAdder notDisco = new LongAdder();

  /** The box did not open (wrong key, tampered, truncated). */
  public final LongAdder badBox = new LongAdder();

  /** The box opened but the message did not parse (unknown type, short body). */
  public final LongAdder badMessage = new LongAdder();

  /** From a disco key this node does not know. */
  public final LongAdder unknownSender = new LongAdder();

  /** The sum of all drops. */
  public long dropped() {
    return notDisco.sum() + badBox.sum() + badMessage.sum() + unknownSender.sum();
  }
}
