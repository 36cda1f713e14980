/**
 * The control protocol's messages, as the node and the server both see them (see {@code
 * control/PROTOCOL.md}): JSON objects tagged by {@code "type"}, each sent as a 4-byte big-endian
 * length then the JSON, inside the Noise stream of {@link io.weft.control.noise}. {@link
 * io.weft.control.protocol.NetMap} applies a full map and its deltas on the node's side. {@link
 * io.weft.control.protocol.MeshPrefixes} names the mesh's address ranges once, for the server's
 * address plan and the node's routes.
 *
 * <p>Depends on wg-core and Jackson only, never on the server, so the agent can use it.
 */
package io.weft.control.protocol;
