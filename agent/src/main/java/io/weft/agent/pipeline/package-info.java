/**
 * The node's packet pipeline (Tailscale's {@code net/tstun}, {@code wrap.go}): one {@link
 * io.weft.wg.tun.Tun} wrapped around the node's real one (kernel TUN or netstack) that every
 * decrypted inbound packet and every outbound packet crosses exactly once, parsed once into a
 * {@link io.weft.agent.pipeline.Packet}. Hooks per direction in a fixed order: the packet filter
 * first (its verdict), then taps and interceptors in the order added (flow accounting, {@code
 * weft ping}'s reply catcher). Packets made by the node itself (ping requests, RSTs, ICMP
 * unreachables, DNS answers) are injected in either direction and cross no hook. Nothing is
 * allocated per packet.
 */
package io.weft.agent.pipeline;
