package io.weft.wg.local;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Secret files (private keys, the pinned server key, tokens) and the directories that hold them.
 *
 * <p>A secret is written through the descriptor that created its temporary file ({@code
 * CREATE_NEW}, i.e. {@code O_EXCL}, mode 0600 from the start), forced to disk, then renamed over
 * the target: a reader sees the old secret or the new one, never half of one, and no one can swap
 * the temporary file between its creation and the write (it is never reopened by path).
 */
public final class OwnerOnlyFiles {
  /** {@code rw-------}. */
  public static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  /** {@code rwx------}. */
  public static final Set<PosixFilePermission> PRIVATE_DIRECTORY =
      PosixFilePermissions.fromString("rwx------");

  static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final SecureRandom RANDOM = new SecureRandom();

  private OwnerOnlyFiles() {}

  /** Writes {@code content} to {@code file} (mode 0600) atomically and durably. */
  public static void writeSecret(Path file, byte[] content) throws IOException {
    Path tmp =
        file.resolveSibling(
            file.getFileName() + "." + HexFormat.of().toHexDigits(RANDOM.nextInt()) + ".tmp");
    FileAttribute<?>[] attrs =
        POSIX
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
            : new FileAttribute<?>[0];
    boolean moved = false;
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            Set.of(
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
            attrs)) {
      ByteBuffer b = ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    try {
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
      syncDirectory(file.toAbsolutePath().getParent());
    } finally {
      if (!moved) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /** The rename is durable once the directory entry is: fsync the directory (best effort). */
  private static void syncDirectory(Path dir) {
    if (dir == null || !POSIX) {
      return;
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some file systems refuse to open or sync a directory; the file itself was synced.
    }
  }

  /**
   * Creates {@code dir} (and missing parents) with mode 0700 when it does not exist, then refuses
   * it unless this process's user owns it and neither group nor others may write to it.
   *
   * @param what how the error names the directory ("state directory")
   */
  public static void openPrivateDirectory(Path dir, String what) throws IOException {
    if (!Files.isDirectory(dir)) {
      if (POSIX) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY));
      } else {
        Files.createDirectories(dir);
      }
    }
    checkDirectory(dir, what, false);
  }

  /**
   * Refuses {@code dir} when group or others may write to it, or when its owner is neither this
   * process's user nor (with {@code rootMayOwn}) root. Does nothing without POSIX attributes.
   */
  public static void checkDirectory(Path dir, String what, boolean rootMayOwn) throws IOException {
    if (!POSIX) {
      return;
    }
    int owner = (Integer) Files.getAttribute(dir, "unix:uid");
    long me = currentUid();
    if (owner != me && !(rootMayOwn && owner == 0)) {
      throw new IOException(
          what
              + " "
              + dir
              + " is owned by uid "
              + owner
              + ", not by this process's uid "
              + me
              + (rootMayOwn ? " or root" : "")
              + ": refusing to use it (chown it, or choose another directory)");
    }
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
    if (mode.contains(PosixFilePermission.GROUP_WRITE)
        || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new IOException(
          what
              + " "
              + dir
              + " is writable by "
              + (mode.contains(PosixFilePermission.OTHERS_WRITE) ? "others" : "its group")
              + " (mode "
              + PosixFilePermissions.toString(mode)
              + "): refusing to use it (chmod go-w "
              + dir
              + ")");
    }
  }

  /** This process's user id. */
  public static long currentUid() {
    return new UnixSystem().getUid();
  }
}
