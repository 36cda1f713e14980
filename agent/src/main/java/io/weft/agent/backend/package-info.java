/**
 * The node's backend: one state machine ({@link io.weft.agent.backend.BackendState}) owning the
 * state directory (the node's private keys), the connection to the coordination server (register,
 * map stream, endpoint reports, reconnection with backoff) and the {@link
 * io.weft.agent.engine.Engine} that applies each map to the WireGuard device. The CLI, the daemon's
 * local API and embedders all drive a {@link io.weft.agent.backend.Backend}.
 */
package io.weft.agent.backend;
