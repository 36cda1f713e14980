package io.weft.wg.key;

import java.util.Objects;

/**
 * A machine public key: a Curve25519 key in the machine role (Tailscale {@code types/key}), a value
 * type distinct from a node's {@link NoisePublicKey} so the roles cannot be mixed up. Printed as
 * {@code machinekey:} and hex, as Tailscale prints it.
 */
public record MachinePublicKey(NoisePublicKey key) {
  public MachinePublicKey {
    Objects.requireNonNull(key, "key");
  }

  /** From base64. */
  public static MachinePublicKey fromBase64(String s) {
    return new MachinePublicKey(NoisePublicKey.fromBase64(s));
  }

  /** Base64 of the raw key. */
  public String toBase64() {
    return key.toBase64();
  }

  @Override
  public String toString() {
    return "machinekey:" + key.toHex();
  }
}
