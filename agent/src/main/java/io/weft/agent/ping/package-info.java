/**
 * {@code weft ping}: ICMP echo (RFC 792, RFC 4443 section 4.1) injected into the device's outbound
 * packets through the packet pipeline ({@link io.weft.agent.pipeline}) and its reply consumed by a
 * pipeline hook on the way back, in kernel and userspace mode alike.
 */
package io.weft.agent.ping;
