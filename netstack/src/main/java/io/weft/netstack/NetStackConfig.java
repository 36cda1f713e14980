package io.weft.netstack;

import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.tcp.TcpConfig;
import java.util.function.LongSupplier;

/**
 * Settings of a {@link NetStack}.
 *
 * @param iface addresses, MTU and reassembly limits
 * @param tcp settings for every TCP connection
 * @param clock monotonic nanoseconds (System::nanoTime in production, a fake in tests)
 * @param seed seeds initial sequence numbers and port choice; use a random one in production
 * @param queueCapacity packets buffered between the link and the stack's driver thread
 * @param maxReceivePacket the largest packet {@link NetStack#deliver} accepts: the MTU, or up to
 *     65,535 bytes when the link hands over coalesced TCP segments (TUN offloads, LRO)
 */
public record NetStackConfig(
    InterfaceConfig iface,
    TcpConfig tcp,
    LongSupplier clock,
    long seed,
    int queueCapacity,
    int maxReceivePacket) {
  public static NetStackConfig of(InterfaceConfig iface) {
    return new NetStackConfig(
        iface,
        TcpConfig.defaults(),
        System::nanoTime,
        new java.security.SecureRandom().nextLong(),
        4096,
        iface.mtu());
  }

  public NetStackConfig withTcp(TcpConfig value) {
    return new NetStackConfig(iface, value, clock, seed, queueCapacity, maxReceivePacket);
  }

  /** Accepts packets up to {@code maxPacket} bytes, queueing at most {@code capacity} of them. */
  public NetStackConfig withReceiveQueue(int capacity, int maxPacket) {
    return new NetStackConfig(iface, tcp, clock, seed, capacity, Math.max(maxPacket, iface.mtu()));
  }
}
