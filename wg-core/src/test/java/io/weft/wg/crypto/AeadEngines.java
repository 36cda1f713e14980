package io.weft.wg.crypto;

import io.weft.testing.Prerequisites;

/** Test helper: an engine must be usable (skips on a laptop without libcrypto, fails in CI). */
final class AeadEngines {
  private AeadEngines() {}

  static void require(ChaCha20Poly1305.Engine engine) {
    if (!engine.available()) {
      Prerequisites.unmet("ChaCha20-Poly1305 engine " + engine + ": " + engine.problem());
    }
  }
}
