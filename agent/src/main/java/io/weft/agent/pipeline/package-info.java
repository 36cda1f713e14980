/**
 * The node's packet pipeline (Tailscale's {@code net/tstun}, {@code wrap.go}): one {@link
 * io.weft.wg.tun.Tun} wrapped around the node's real one (kernel TUN or netstack) that every
 * decrypted inbound packet and every outbound packet crosses exactly once, parsed once into a
 * {@link io.weft.agent.pipeline.Packet}. Hooks per direction in a fixed order: the packet filter
 * first (its verdict), then taps and interceptors in the order added (flow accounting, {@code weft
 * ping}'s reply catcher). Packets made by the node itself (ping requests, RSTs, ICMP unreachables,
 * DNS answers) are injected in either direction and cross no hook. Nothing is allocated per packet.
 *
 * <p>Facts from Tailscale {@code net/tstun/wrap.go} (commit 00b1318): its {@code Wrapper} runs a
 * pre-filter, the packet filter and a post-filter per direction over one parsed packet ({@code
 * filterOut}, {@code PreFilterIn}/{@code PostFilterIn}), injected packets skip the filters ({@code
 * tunReadResult.injected}, {@code InjectInboundCopy}), and echo replies the node waits for are
 * taken by a hook ({@code OnICMPEchoResponseReceived}). Unlike it, this pipeline needs no polling
 * goroutine: the real TUN's {@code wakeup()} lets an injected packet reach the reader.
 */
package io.weft.agent.pipeline;
