package io.weft.control.server;

import io.weft.wg.key.NoisePrivateKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

/** The server's Noise static key in its own file (mode 0600), never in the database. */
final class ServerKey {
  private ServerKey() {}

  /** Reads the key at {@code file}, or generates and writes one. */
  static NoisePrivateKey loadOrCreate(Path file, SecureRandom random) throws IOException {
    if (Files.exists(file)) {
      return NoisePrivateKey.fromBase64(Files.readString(file, StandardCharsets.US_ASCII).strip());
    }
    NoisePrivateKey key = NoisePrivateKey.generate(random);
    PrivateFile.write(file, key.toBase64() + "\n");
    return key;
  }
}
