package io.weft.wg.local;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Who may talk to a local socket: root and the user owning the socket file, checked on each
 * connection with the kernel's account of the caller ({@code SO_PEERCRED}), whatever the file's
 * mode says.
 */
public final class Callers {
  private final Path socket;
  private final UserPrincipal owner;
  private final UserPrincipal root;

  private Callers(Path socket, UserPrincipal owner, UserPrincipal root) {
    this.socket = socket;
    this.owner = owner;
    this.root = root;
  }

  /** Root and the owner of {@code socket} (the process that bound it). */
  public static Callers rootAndOwnerOf(Path socket) throws IOException {
    UserPrincipal owner = Files.getOwner(socket);
    UserPrincipal root;
    try {
      root = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("root");
    } catch (IOException e) {
      root = null; // no root entry in the user database: only the owner is allowed
    }
    return new Callers(socket, owner, root);
  }

  /** The socket file's owner. */
  public UserPrincipal owner() {
    return owner;
  }

  /** Why a caller was refused: its user name ("?" when unknown) and the answer to give it. */
  public record Refusal(String user, String reason) {}

  /**
   * Null when the caller on {@code c} may proceed, else why not. A caller whose credentials cannot
   * be read is refused.
   */
  public Refusal refusal(SocketChannel c) {
    UnixDomainPrincipal peer;
    try {
      peer = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
    } catch (IOException | UnsupportedOperationException e) {
      return new Refusal("?", "permission denied: cannot identify the caller (" + e + ")");
    }
    UserPrincipal user = peer.user();
    if (user.equals(owner) || (root != null && user.equals(root))) {
      return null;
    }
    return new Refusal(
        user.getName(),
        "permission denied: user "
            + user.getName()
            + " may not use "
            + socket
            + " (only root and "
            + owner.getName()
            + ")");
  }
}
