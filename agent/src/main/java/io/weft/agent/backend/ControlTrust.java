package io.weft.agent.backend;

import io.weft.wg.key.NoisePublicKey;
import java.nio.file.Path;

/**
 * How a node recognises its coordination server.
 *
 * @param serverKey the server's Noise key given up front ({@code weft up --server-key}): pinned at
 *     once, replacing an earlier pin, and {@code GET /key} is never asked; null to learn the key
 *     from {@code GET /key} on first use and pin it at the first successful registration
 * @param caFile PEM CA certificates an {@code https://} server's certificate must chain to ({@code
 *     --ca-file}); null for the system trust store
 */
public record ControlTrust(NoisePublicKey serverKey, Path caFile) {
  /** Trust on first use, system trust store. */
  public static final ControlTrust FIRST_USE = new ControlTrust(null, null);
}
