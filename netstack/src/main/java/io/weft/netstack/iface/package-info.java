/**
 * The IP layer: an {@link io.weft.netstack.iface.Interface} with one IPv4 and one IPv6 address that
 * validates incoming packets through the {@code wire} flyweights, dispatches them to sockets,
 * answers echo requests, reassembles IPv4 fragments and drives every socket's timers from {@code
 * poll(nowNanos)}, in the shape of smoltcp's {@code iface}.
 *
 * <ul>
 *   <li>IPv4 input checks: RFC 1122 section 3.2.1 (version, header checksum, lengths, destination
 *       address).
 *   <li>IPv4 and IPv6 reassembly: RFC 791 section 3.2 and RFC 8200 section 4.5, bounded to a few
 *       datagrams of at most 65,535 bytes with a timeout (RFC 1122 section 3.3.2 suggests 60 to 120
 *       seconds; Linux uses 30, and so do we by default). IPv6 fragments must follow the fixed
 *       header directly; other layouts are dropped and counted.
 *   <li>Echo replies: RFC 1122 section 3.2.2.6 (data returned unchanged), RFC 4443 section 4.2.
 *   <li>Segments for no connection get a reset: RFC 9293 section 3.10.7.1; datagrams for no socket
 *       get a rate-limited ICMP port unreachable: RFC 1122 section 4.1.3.1, RFC 4443 sections 3.1
 *       and 2.4.
 * </ul>
 *
 * Bad packets are dropped and counted in {@link io.weft.netstack.iface.InterfaceStats}; nothing on
 * this path throws or allocates, except creating a connection for a new SYN.
 */
package io.weft.netstack.iface;
