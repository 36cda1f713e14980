/**
 * {@code weft ping}: ICMP echo (RFC 792, RFC 4443 section 4.1) injected into the device's
 * outbound packets and its reply intercepted on the way back, in kernel and userspace mode alike.
 */
package io.weft.agent.ping;
