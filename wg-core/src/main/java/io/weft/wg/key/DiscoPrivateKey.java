package io.weft.wg.key;

import java.security.SecureRandom;
import java.util.Objects;
import javax.security.auth.Destroyable;

/**
 * A disco private key: a Curve25519 key in the disco role, a value type distinct from a node's
 * {@link NoisePrivateKey}. {@link #toString()} never shows the key.
 */
public record DiscoPrivateKey(NoisePrivateKey key) implements Destroyable {
  public DiscoPrivateKey {
    Objects.requireNonNull(key, "key");
  }

  /** A fresh random key. */
  public static DiscoPrivateKey generate(SecureRandom random) {
    return new DiscoPrivateKey(NoisePrivateKey.generate(random));
  }

  /** The matching public key. */
  public DiscoPublicKey publicKey() {
    return new DiscoPublicKey(key.publicKey());
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
    return "DiscoPrivateKey[redacted]";
  }
}
