/**
 * Typed keys: the WireGuard ones ({@link io.weft.wg.key.NoisePrivateKey}, {@link
 * io.weft.wg.key.NoisePublicKey} (a node key), {@link io.weft.wg.key.NoisePresharedKey}), with the
 * base64 form of wg(8) and the hex form of the UAPI, and the other Curve25519 roles of a mesh node
 * as distinct value types (Tailscale {@code types/key}): machine keys (the control channel) and
 * disco keys (path discovery). Secrets never appear in {@code toString()} and can be zeroed with
 * {@code destroy()}.
 */
package io.weft.wg.key;
