/**
 * Userspace mode's way in and out for ordinary applications: a SOCKS5 server (RFC 1928 CONNECT and
 * UDP ASSOCIATE; RFC 1929 username/password), an HTTP proxy (CONNECT and absolute-form forwarding,
 * RFC 9110 section 9.3.6 and RFC 9112 sections 3.2.2 and 6.3) and inbound forwarding of mesh ports
 * to host ports. Clients connect on host sockets (loopback by default), one virtual thread per
 * connection; their bytes are relayed into the node's netstack ({@link io.weft.agent.proxy.Relay}).
 *
 * <p>Names resolve only from the network map ({@link io.weft.agent.proxy.MeshNames}), and IP
 * literals must be mesh addresses, so no DNS query or packet leaves the host unless the fallback is
 * {@code direct}. Every listener is bounded ({@link io.weft.agent.proxy.ProxyLimits}): connections
 * at once, a handshake deadline, the request-head size, per-direction buffers and an idle timeout;
 * parsers ({@link io.weft.agent.proxy.Socks5}, {@link io.weft.agent.proxy.HttpRequestHead}) never
 * throw, and bad input gets the RFC's failure reply before the connection is closed.
 */
package io.weft.agent.proxy;
