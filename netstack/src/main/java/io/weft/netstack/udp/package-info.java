/**
 * UDP sockets (RFC 768): datagrams queued in fixed ring buffers with a small per-datagram record
 * (length, peer address, peer port), so receiving and sending allocate nothing. Checksums are
 * verified by the interface; zero-checksum datagrams are accepted over IPv4 only (RFC 768, RFC 8200
 * section 8.1).
 */
package io.weft.netstack.udp;
