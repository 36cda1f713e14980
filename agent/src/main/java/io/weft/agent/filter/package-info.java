/**
 * The node's inbound packet filter: the pipeline's filter stage ({@link
 * io.weft.agent.pipeline.PacketPipeline#setFilter}), compiled from the {@link
 * io.weft.control.protocol.FilterRule}s of the network map and swapped atomically when they change.
 *
 * <p>Default deny. An inbound (decrypted) packet is admitted when:
 *
 * <ul>
 *   <li>it belongs to a tracked flow: TCP and UDP 5-tuples and ICMP echo identifiers recorded from
 *       this node's outbound packets (so replies to its own connections come in), and TCP and UDP
 *       flows a rule admitted (so established connections go on);
 *   <li>TCP: it is a SYN (without ACK) that a rule admits (protocol, source, destination and port);
 *       any other TCP segment outside a flow is dropped as "not a new connection";
 *   <li>UDP: a rule admits it; ICMP other than echo replies: a rule admits the protocol between the
 *       two addresses on any port; echo replies only within a tracked echo; ICMP errors always;
 *   <li>another protocol: a rule lists it with a destination covering every port;
 *   <li>an IP fragment after the first (its first fragment carried the ports); an IPv6 first
 *       fragment is judged by the transport header behind its fragment header, a fragment header
 *       behind other extension headers is dropped.
 * </ul>
 *
 * Everything else is dropped and counted by reason ({@link io.weft.agent.filter.FilterStats}: no
 * rule, wrong port, wrong protocol, not a new connection, malformed) and per rule (admissions, and
 * wrong-port misses on the rule whose addresses matched). Outbound packets always pass.
 *
 * <p>No filter yet, or a map without one (a server that predates filters): no rules, so only
 * replies to this node's own traffic come in. This follows Tailscale, whose client treats a missing
 * filter as an empty one that admits nothing (ipn/ipnlocal/local.go:3357-3470, {@code
 * updateFilterLocked}; tailcfg/tailcfg.go:2080-2092: an empty list blocks everything) and Weft's
 * default-deny brief. Weft's server sends allow-all until a policy is set, as a tailnet without a
 * policy file gets.
 *
 * <p>Per packet nothing is allocated: prefix sets are wg-core's {@link
 * io.weft.wg.allowedips.AllowedIps} tries (a destination trie holds the port ranges open at each
 * prefix), protocols a 256-bit set, flows bounded set-associative tables of primitives with expiry
 * on an injected clock; a full bucket evicts its least recently used flow (counted).
 *
 * <p>Facts from Tailscale (commit de9ec7ee2), not its code: wgengine/filter/filter.go:502-623
 * ({@code runIn4}/{@code runIn6}: ICMP echo replies and errors accepted, other ICMP if any port of
 * the destination is open, TCP non-SYN accepted, UDP by a reverse-flow cache or a rule, other
 * protocols only with all ports), :625-659 ({@code runOut} records UDP reverse flows), :108-109 (a
 * 512-entry LRU), wgengine/filter/tailcfg.go:21 (empty {@code IPProto} = TCP, UDP, ICMPv4, ICMPv6).
 * Where Weft is stricter: TCP non-SYN segments and echo replies need a tracked flow; Tailscale's
 * destination "local nets" check and {@code cap:} sources are not implemented.
 */
package io.weft.agent.filter;
