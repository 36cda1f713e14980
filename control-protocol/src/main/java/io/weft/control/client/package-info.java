/**
 * The node's side of the control protocol: {@link io.weft.control.client.ControlClient} fetches
 * the server key, upgrades an HTTP connection to the Noise channel, registers, streams the map
 * into a {@link io.weft.control.protocol.NetMap}, updates host info and logs out. No server
 * dependencies: the agent uses this package as it is.
 */
package io.weft.control.client;
