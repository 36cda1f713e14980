/**
 * Links for the stack: the {@link io.weft.netstack.phy.PacketSink} seam outgoing packets go
 * through, a thread-safe {@link io.weft.netstack.phy.PacketQueue} that two stacks can be joined by
 * ({@link io.weft.netstack.phy.LoopbackPair}), a seeded {@link io.weft.netstack.phy.FaultInjector}
 * (loss, duplication, reordering and delay driven by a simulation clock) and a {@link
 * io.weft.netstack.phy.PcapWriter} (classic libpcap format with LINKTYPE_RAW, 101: each record is a
 * bare IPv4 or IPv6 packet, as tcpdump on a TUN device writes).
 */
package io.weft.netstack.phy;
