/**
 * A userspace IPv4/IPv6 TCP/IP stack: IP packets in, IP packets out, sockets on top.
 *
 * <p>{@link io.weft.netstack.NetStack} is the blocking/non-blocking socket API run by one driver
 * thread. Underneath, in smoltcp's shape: {@code wire} (flyweights), {@code iface} (the IP layer),
 * {@code tcp} and {@code tcp.cc}, {@code udp}, {@code icmp}, {@code storage} (ring buffer,
 * assembler) and {@code phy} (loopback, fault injector, pcap). The core is driven by {@code
 * poll(nowNanos)} and {@code nextDeadline()}, so all of it runs under a simulated clock in tests.
 * Nothing here depends on the rest of Weft.
 */
package io.weft.netstack;
