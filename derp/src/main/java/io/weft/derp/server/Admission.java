package io.weft.derp.server;

import io.weft.derp.NodeKey;
import java.util.Set;

/**
 * Which node keys may use the relay. Clients presenting the region's mesh key bypass it (they are
 * other relays). Unlike derper's {@code --verify-client-url}, which fails open by default, the
 * relay built without an admission rule admits nobody.
 */
@FunctionalInterface
public interface Admission {
  /** Whether {@code nodeKey} may connect. Called once per handshake, on an I/O thread. */
  boolean admit(NodeKey nodeKey);

  /** Admits nobody: the default, so a misconfigured relay is closed rather than open. */
  static Admission denyAll() {
    return k -> false;
  }

  /** Admits every key: for local tests and deliberately open relays only. */
  static Admission acceptAny() {
    return k -> true;
  }

  /** Admits the keys of {@code known} (for example the coordination server's node list). */
  static Admission knownKeys(Set<NodeKey> known) {
    return known::contains;
  }
}
