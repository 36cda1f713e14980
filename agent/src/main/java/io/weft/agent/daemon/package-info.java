/**
 * {@code weft daemon}: the long-running node process and its local API, a line-oriented JSON
 * protocol on a Unix domain socket restricted (by {@code SO_PEERCRED}) to root and the daemon's own
 * user. {@link io.weft.agent.daemon.LocalApiServer} documents the wire format and {@link
 * io.weft.agent.daemon.Daemon} the operations.
 */
package io.weft.agent.daemon;
