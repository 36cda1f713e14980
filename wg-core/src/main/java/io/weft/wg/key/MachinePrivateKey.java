package io.weft.wg.key;

import java.security.SecureRandom;
import java.util.Objects;
import javax.security.auth.Destroyable;

/**
 * A machine private key: a Curve25519 key in the machine role, a value type distinct from a node's
 * {@link NoisePrivateKey}. {@link #toString()} never shows the key.
 */
public record MachinePrivateKey(NoisePrivateKey key) implements Destroyable {
  public MachinePrivateKey {
    Objects.requireNonNull(key, "key");
  }

  /** A fresh random key. */
  public static MachinePrivateKey generate(SecureRandom random) {
    return new MachinePrivateKey(NoisePrivateKey.generate(random));
  }

  /** The matching public key. */
  public MachinePublicKey publicKey() {
    return new MachinePublicKey(key.publicKey());
  }

  @Override
  public void destroy() {
    key.destroy();
  }

  @Override
  public boolean isDestroyed() {
    return key.isDestroyed();
  }

  @Override
  public String toString() {
    return "MachinePrivateKey[redacted]";
  }
}
