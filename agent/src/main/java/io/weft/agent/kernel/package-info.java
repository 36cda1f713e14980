/**
 * Kernel mode: the node's plaintext side as a Linux TUN interface configured with its mesh
 * addresses and routes through iproute2.
 */
package io.weft.agent.kernel;
