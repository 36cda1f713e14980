package io.weft.netstack.phy;

/**
 * Two queues joining two stacks: what side A sends, side B receives from {@link #towardsB()}, and
 * the other way round.
 */
public final class LoopbackPair {
  private final PacketQueue towardsA;
  private final PacketQueue towardsB;

  public LoopbackPair(int capacity, int mtu) {
    this.towardsA = new PacketQueue(capacity, mtu);
    this.towardsB = new PacketQueue(capacity, mtu);
  }

  /** Side A sends here; side B reads from it. */
  public PacketQueue towardsB() {
    return towardsB;
  }

  /** Side B sends here; side A reads from it. */
  public PacketQueue towardsA() {
    return towardsA;
  }
}
