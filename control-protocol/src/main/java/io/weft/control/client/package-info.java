/**
 * The node's side of the control protocol: {@link io.weft.control.client.ControlClient} fetches the
 * server key, upgrades an HTTP connection to the Noise channel, registers, streams the map into a
 * {@link io.weft.control.protocol.NetMap}, updates host info and logs out. No server dependencies:
 * the agent uses this package as it is.
 *
 * <p>Trust: the Noise channel is authenticated to the server key the caller passes in; {@code GET
 * /key} is only as trustworthy as its transport, so callers pin the key (the agent's state
 * directory). {@code https://} URLs run both the key fetch and the upgrade over TLS with host name
 * verification ({@link io.weft.control.client.ControlTls}); the upgrade answer is parsed strictly
 * and within fixed bounds ({@code io.weft.wg.httpupgrade.UpgradeResponse}). A failed Noise
 * handshake is a {@link io.weft.control.client.ServerHandshakeException}, distinct from other
 * refusals.
 */
package io.weft.control.client;
