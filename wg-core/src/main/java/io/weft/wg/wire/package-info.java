/**
 * WireGuard's wire formats (paper §5.4): offsets and sizes of the handshake initiation, response,
 * cookie reply and transport messages, and the never-throwing classifier for untrusted datagrams.
 */
package io.weft.wg.wire;
