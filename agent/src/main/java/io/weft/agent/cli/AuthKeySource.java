package io.weft.agent.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --auth-key}'s value: the key itself, {@code file:PATH} (the first line of a file), or
 * {@code -} (the first line of standard input). The last two keep the key out of {@code argv},
 * which every local user can read in {@code /proc}.
 */
final class AuthKeySource {
  /** Longest key file or input read; a pre-auth key is far shorter. */
  static final int MAX_BYTES = 4096;

  private AuthKeySource() {}

  static String read(String value, InputStream stdin) throws IOException {
    if (value.equals("-")) {
      return firstLine(stdin.readNBytes(MAX_BYTES + 1), "standard input");
    }
    if (value.startsWith("file:")) {
      Path file = Path.of(value.substring("file:".length()));
      try (InputStream in = Files.newInputStream(file)) {
        return firstLine(in.readNBytes(MAX_BYTES + 1), file.toString());
      }
    }
    return value;
  }

  private static String firstLine(byte[] bytes, String source) throws IOException {
    if (bytes.length > MAX_BYTES) {
      throw new IOException(source + ": longer than " + MAX_BYTES + " bytes; not a pre-auth key");
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    int nl = text.indexOf('\n');
    String key = (nl < 0 ? text : text.substring(0, nl)).strip();
    if (key.isEmpty()) {
      throw new IOException(source + ": empty; expected a pre-auth key on its first line");
    }
    return key;
  }
}
