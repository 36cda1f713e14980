/**
 * A small HTTP/1.1 server (RFC 9112) for the control server's few endpoints: fixed-length bodies,
 * keep-alive, bounded header and body sizes, and the {@code Upgrade} to a raw byte stream (RFC 9110
 * §7.8) that the Noise channel needs and the JDK's {@code com.sun.net.httpserver} cannot give. Each
 * connection runs on a virtual thread; a malformed request gets a 4xx with a reason and closes only
 * its own connection.
 */
package io.weft.control.http;
