/**
 * {@code weft quickstart}: a tour of what works, run end to end on this machine without root. It
 * checks the crypto primitives against their published known answers, then starts a coordination
 * server on SQLite and two userspace-mode nodes in this one process, joins them with a pre-auth key
 * and carries an HTTP download from one node's TCP/IP stack to the other's across the WireGuard
 * mesh. It lives in {@code dist} because it needs the node and the server together, and the agent
 * must not carry server code.
 */
package io.weft.dist.quickstart;
