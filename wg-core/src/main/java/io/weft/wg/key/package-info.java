/**
 * Typed WireGuard keys: {@link io.weft.wg.key.NoisePrivateKey}, {@link
 * io.weft.wg.key.NoisePublicKey} and {@link io.weft.wg.key.NoisePresharedKey}, with the base64
 * form of wg(8) and the hex form of the UAPI. Secrets never appear in {@code toString()} and can be
 * zeroed with {@code destroy()}.
 */
package io.weft.wg.key;
