/**
 * ICMP echo ("ping") sockets: ICMPv4 echo (RFC 792) and ICMPv6 echo (RFC 4443 sections 4.1 and
 * 4.2). Answering echo requests addressed to the interface is done by the interface itself.
 */
package io.weft.netstack.icmp;
