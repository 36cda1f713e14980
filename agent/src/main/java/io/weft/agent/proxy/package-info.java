/**
 * Userspace mode's way in and out for ordinary applications: a SOCKS5 server (RFC 1928 CONNECT
 * and UDP ASSOCIATE; RFC 1929 username/password), an HTTP proxy (CONNECT and absolute-form
 * forwarding, RFC 9110 section 9.3.6 and RFC 9112 section 3.2.2) and inbound forwarding of mesh
 * ports to host ports. Clients connect on host sockets (loopback by default); their connections
 * are relayed into the node's netstack. Names resolve only from the network map ({@link
 * io.weft.agent.proxy.MeshNames}), so no DNS query leaves the host unless the fallback is
 * configured to.
 */
package io.weft.agent.proxy;
