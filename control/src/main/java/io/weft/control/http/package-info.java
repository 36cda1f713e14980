/**
 * The control server's HTTP/1.1 (RFC 9112) front on Netty's codec: strict parsing (CRLF only, one
 * digits-only {@code Content-Length}, no {@code Transfer-Encoding}, no whitespace before a colon,
 * no obs-fold), sizes, deadlines and connection caps from {@link io.weft.control.http.HttpLimits},
 * optional TLS through the JDK provider, and the {@code Upgrade} to a raw byte stream (RFC 9110
 * §7.8) that the Noise channel runs on, bridged to blocking streams with bounded buffers. Handlers
 * run on virtual threads; a malformed request gets a 4xx with a reason and closes only its own
 * connection.
 */
package io.weft.control.http;
