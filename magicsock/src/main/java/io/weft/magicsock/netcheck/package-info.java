/**
 * A network report like {@code tailscale netcheck}: whether UDP (IPv4) gets through, this node's
 * address as STUN servers see it, whether that mapping varies by server (a hard NAT), latency to
 * each relay region and the preferred (lowest-latency) region. Fields follow Tailscale's {@code
 * net/netcheck/netcheck.go:91-131} Report (read for facts, not copied); IPv6, ICMP, port-mapping
 * and captive-portal checks are not done yet.
 */
package io.weft.magicsock.netcheck;
