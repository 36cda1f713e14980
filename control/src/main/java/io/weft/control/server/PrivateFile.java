package io.weft.control.server;

import io.weft.wg.local.OwnerOnlyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Secrets on disk (the server key, the admin token): written whole, readable by the owner only. */
public final class PrivateFile {
  private PrivateFile() {}

  /**
   * Writes {@code text} to {@code file} with mode 0600 (where the file system has POSIX modes),
   * through a temporary file written by the descriptor that created it and fsynced, so a reader
   * never sees half a secret ({@link OwnerOnlyFiles#writeSecret}).
   */
  public static void write(Path file, String text) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    OwnerOnlyFiles.writeSecret(file, text.getBytes(StandardCharsets.US_ASCII));
  }
}
