/**
 * The control channel's encryption: {@code Noise_IK_25519_ChaChaPoly_BLAKE2s} (The Noise Protocol
 * Framework, rev. 34, §7.5 pattern IK) with Weft's own prologue, then a stream of length-prefixed
 * transport records (§5.1 CipherState, §11.4 message size).
 *
 * <p>As in Tailscale's ts2021, the node is the initiator and already knows the server's static key
 * (fetched from {@code GET /key}); the server learns and authenticates the node's machine key in
 * the first message. Every record is bound to its session's fresh ephemeral keys and counter, so
 * nothing recorded can be replayed into another session or reordered within one. The primitives are
 * wg-core's; WireGuard's own {@code Noise_IKpsk2} code is specific to WireGuard messages.
 */
package io.weft.control.noise;
