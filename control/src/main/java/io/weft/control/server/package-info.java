/**
 * The coordination server: {@link io.weft.control.server.ControlServer} wires storage, the HTTP
 * endpoints and the Noise upgrade; {@link io.weft.control.server.NodeRegistry} registers, updates,
 * approves, expires and removes nodes, each change one transaction; {@link
 * io.weft.control.server.MapBroker} keeps each domain's current nodes and change log in memory and
 * fans every change out to the map streams of that domain only, as a delta the size of the change;
 * {@link io.weft.control.server.ControlSession} is one node's connection.
 */
package io.weft.control.server;
