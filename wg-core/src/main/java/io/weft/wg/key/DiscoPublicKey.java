package io.weft.wg.key;

import java.util.Objects;

/**
 * A disco public key: a Curve25519 key in the disco role (Tailscale {@code types/key}), a value
 * type distinct from a node's {@link NoisePublicKey} so the roles cannot be mixed up. Printed as
 * {@code discokey:} and hex, as Tailscale prints it.
 */
public record DiscoPublicKey(NoisePublicKey key) {
  public DiscoPublicKey {
    Objects.requireNonNull(key, "key");
  }

  /** From base64. */
  public static DiscoPublicKey fromBase64(String s) {
    return new DiscoPublicKey(NoisePublicKey.fromBase64(s));
  }

  /** Base64 of the raw key. */
  public String toBase64() {
    return key.toBase64();
  }

  @Override
  public String toString() {
    return "discokey:" + key.toHex();
  }
}
