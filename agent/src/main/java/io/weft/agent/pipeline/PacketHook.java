package io.weft.agent.pipeline;

/**
 * A hook on the {@link PacketPipeline}: sees each packet of one direction once, parsed, and returns
 * a verdict. Runs on the data path (the device's TUN reader or a receive loop): it must not block
 * and should not allocate.
 */
@FunctionalInterface
public interface PacketHook {
  /** Pass the packet on (to the next hook, then to the peer or the OS). */
  int ACCEPT = 0;

  /** Drop the packet; counted by the pipeline. */
  int DROP = 1;

  /** The hook took the packet (an echo reply it was waiting for): not passed on, not a drop. */
  int CONSUMED = 2;

  /** The verdict on {@code p}: {@link #ACCEPT}, {@link #DROP} or {@link #CONSUMED}. */
  int onPacket(Packet p);
}
