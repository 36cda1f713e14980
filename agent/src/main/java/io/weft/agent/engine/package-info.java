/**
 * Engine wiring: each network map from the coordination server applied to the WireGuard {@code
 * Device} as a difference, so that peers that did not change keep their sessions.
 */
package io.weft.agent.engine;
