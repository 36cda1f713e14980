package io.weft.control.server;

import io.weft.wg.key.NoisePrivateKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
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
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(tmp);
    }
    Files.writeString(tmp, key.toBase64() + "\n", StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return key;
  }
}
