package io.weft.wg.local;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * A listening Unix domain socket that no other user can reach before its mode is set.
 *
 * <p>{@code bind(2)} creates the socket file with {@code 0777 & ~umask}; under umask 000 anyone
 * could connect between the bind and a later {@code chmod}, and a connection made then outlives the
 * chmod. So the socket is bound inside a fresh 0700 directory beside its final path, given its mode
 * there, and only then linked to the final path. An existing path is replaced only when it is a
 * socket nobody answers on (a stale one); a regular file or any other kind of file is never
 * deleted, and a live socket means another daemon owns the path.
 */
public final class PrivateUnixSocket {
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private PrivateUnixSocket() {}

  /**
   * Listens on {@code path} with {@code mode}; its directory must already exist and belong to this
   * user or root, not writable by group or others.
   *
   * @throws IOException when the path holds something other than a stale socket, or binding fails
   */
  public static ServerSocketChannel bind(Path path, Set<PosixFilePermission> mode)
      throws IOException {
    Path socket = path.toAbsolutePath();
    Path dir = socket.getParent();
    OwnerOnlyFiles.checkDirectory(dir, "socket directory", true);
    removeStale(socket);
    Path staging = dir.resolve(".weft-" + HexFormat.of().toHexDigits(RANDOM.nextInt()));
    Files.createDirectory(
        staging, PosixFilePermissions.asFileAttribute(OwnerOnlyFiles.PRIVATE_DIRECTORY));
    Path staged = staging.resolve("s");
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    boolean ok = false;
    try {
      ch.bind(UnixDomainSocketAddress.of(staged));
      Files.setPosixFilePermissions(staged, mode);
      try {
        Files.createLink(
            socket, staged); // link(2) fails rather than replace what appeared meanwhile
      } catch (FileAlreadyExistsException e) {
        throw new IOException(socket + " appeared while binding: refusing to replace it");
      } catch (IOException | UnsupportedOperationException e) {
        Files.move(staged, socket); // no hard links here: a rename that checks for a target first
      }
      ok = true;
      return ch;
    } finally {
      Files.deleteIfExists(staged);
      Files.deleteIfExists(staging);
      if (!ok) {
        ch.close();
      }
    }
  }

  /** Whether {@code path} is a socket file (not following a symbolic link). */
  public static boolean isSocket(Path path) {
    try {
      int m = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      return (m & S_IFMT) == S_IFSOCK;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  /** Deletes {@code path} if it is a socket; leaves any other file alone. */
  public static void deleteSocket(Path path) throws IOException {
    if (isSocket(path)) {
      Files.deleteIfExists(path);
    }
  }

  /**
   * Deletes a stale socket at {@code socket}; refuses a live one and anything that is not a socket.
   */
  private static void removeStale(Path socket) throws IOException {
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!isSocket(socket)) {
      throw new IOException(
          socket
              + " exists and is not a socket: refusing to replace it (remove it by hand"
              + " if it is yours)");
    }
    if (answers(socket)) {
      throw new IOException("another daemon is listening on " + socket);
    }
    Files.delete(socket);
  }

  private static boolean answers(Path socket) {
    try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      return probe.isConnected();
    } catch (IOException e) {
      return false;
    }
  }
}
