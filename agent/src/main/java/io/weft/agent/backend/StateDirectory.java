package io.weft.agent.backend;

import io.weft.control.protocol.MessageCodec;
import io.weft.wg.conn.RelayMap;
import io.weft.wg.key.DiscoPrivateKey;
import io.weft.wg.key.MachinePrivateKey;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import io.weft.wg.local.OwnerOnlyFiles;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.Set;

/**
 * The node's state directory: its three private keys (machine, node, disco), each in its own file
 * readable by the owner only (0600, in a 0700 directory), created on first start; a marker saying
 * the machine is registered, so that later starts do not spend a pre-auth key again; and the
 * coordination server's public key, pinned at the first successful registration (or by {@code weft
 * up --server-key}) and never replaced without being told to. Keys are never logged: only their
 * public halves are ever printed. A directory owned by another user or writable by group or others
 * is refused; every file is written through the descriptor that created it ({@link
 * OwnerOnlyFiles#writeSecret}).
 */
public final class StateDirectory {
  private static final System.Logger LOG = System.getLogger(StateDirectory.class.getName());
  static final String MACHINE_KEY = "machine.key";
  static final String NODE_KEY = "node.key";
  static final String DISCO_KEY = "disco.key";
  static final String REGISTERED = "registered";
  static final String SERVER_KEY = "server.key";
  static final String RELAY_MAP = "relay-map.json";
  private static final Set<PosixFilePermission> OWNER_ONLY = OwnerOnlyFiles.OWNER_ONLY;
  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private final Path dir;
  private final SecureRandom random;

  /**
   * Opens (creating, 0700) {@code dir}; refuses it when another user owns it or group or others may
   * write to it.
   */
  public StateDirectory(Path dir, SecureRandom random) throws IOException {
    this.dir = dir;
    this.random = random;
    OwnerOnlyFiles.openPrivateDirectory(dir, "state directory");
  }

  /** The directory. */
  public Path path() {
    return dir;
  }

  /** The machine key (identifies this machine to the coordination server). */
  public MachinePrivateKey machineKey() throws IOException {
    return new MachinePrivateKey(loadOrCreate(MACHINE_KEY));
  }

  /** The node key (the WireGuard identity peers see). */
  public NoisePrivateKey nodeKey() throws IOException {
    return loadOrCreate(NODE_KEY);
  }

  /** The disco key (magicsock's discovery messages). */
  public DiscoPrivateKey discoKey() throws IOException {
    return new DiscoPrivateKey(loadOrCreate(DISCO_KEY));
  }

  /** Replaces the node key after the server accepted a rotation. */
  public synchronized void storeNodeKey(NoisePrivateKey key) throws IOException {
    writePrivate(dir.resolve(NODE_KEY), key.toBase64() + "\n");
  }

  /** Deletes the node key ({@code weft logout}): the next start creates a new one. */
  public synchronized void forgetNodeKey() throws IOException {
    Files.deleteIfExists(dir.resolve(NODE_KEY));
  }

  /** Whether a registration succeeded and has not been undone (logout, deletion). */
  public boolean registered() {
    return Files.exists(dir.resolve(REGISTERED));
  }

  /** Records whether the machine is registered. */
  public void setRegistered(boolean registered) throws IOException {
    Path marker = dir.resolve(REGISTERED);
    if (registered) {
      writePrivate(marker, "registered\n");
    } else {
      Files.deleteIfExists(marker);
    }
  }

  /** The pinned server key, or null before the first registration (and after a logout). */
  public synchronized NoisePublicKey serverKey() throws IOException {
    Path file = dir.resolve(SERVER_KEY);
    if (!Files.exists(file)) {
      return null;
    }
    String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
    try {
      return NoisePublicKey.fromBase64(text);
    } catch (IllegalArgumentException e) {
      throw new IOException(
          file + ": not a base64 server key (remove it, or weft up --server-key KEY)");
    }
  }

  /**
   * Pins {@code key} as the coordination server's key, replacing an earlier one: only for the first
   * registration and for an explicit {@code --server-key}, never on the server's word.
   */
  public synchronized void pinServerKey(NoisePublicKey key) throws IOException {
    writePrivate(dir.resolve(SERVER_KEY), key.toBase64() + "\n");
  }

  /** Forgets the pinned server key ({@code weft logout}): the next registration pins afresh. */
  public synchronized void forgetServerKey() throws IOException {
    Files.deleteIfExists(dir.resolve(SERVER_KEY));
  }

  private synchronized NoisePrivateKey loadOrCreate(String name) throws IOException {
    Path file = dir.resolve(name);
    if (Files.exists(file)) {
      if (POSIX && !Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
        LOG.log(Level.WARNING, "{0} was readable by others; setting mode 0600", file);
        Files.setPosixFilePermissions(file, OWNER_ONLY);
      }
      try {
        return NoisePrivateKey.fromBase64(
            Files.readString(file, StandardCharsets.US_ASCII).strip());
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": not a base64 private key");
      }
    }
    NoisePrivateKey k = NoisePrivateKey.generate(random);
    writePrivate(file, k.toBase64() + "\n");
    LOG.log(Level.INFO, "created {0} (public key {1})", file, k.publicKey());
    return k;
  }

  /**
   * The relay map of the last full map (Tailscale's DERPMap JSON), so the bind built at the next
   * start knows the relays before the control connection is up; {@link RelayMap#EMPTY} when none is
   * stored or the file does not parse.
   */
  public synchronized RelayMap relayMap() {
    Path file = dir.resolve(RELAY_MAP);
    try {
      if (!Files.exists(file) || Files.size(file) > 1 << 20) {
        return RelayMap.EMPTY;
      }
      RelayMap m = MessageCodec.JSON.readValue(Files.readAllBytes(file), RelayMap.class);
      return m == null ? RelayMap.EMPTY : m;
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "{0}: unreadable relay map, starting without relays", file);
      return RelayMap.EMPTY;
    }
  }

  /** Stores the relay map for the next start (a no-op when it is the stored one). */
  public synchronized void storeRelayMap(RelayMap map) throws IOException {
    if (!map.equals(relayMap())) {
      OwnerOnlyFiles.writeSecret(dir.resolve(RELAY_MAP), MessageCodec.JSON.writeValueAsBytes(map));
    }
  }

  private static void writePrivate(Path file, String text) throws IOException {
    OwnerOnlyFiles.writeSecret(file, text.getBytes(StandardCharsets.US_ASCII));
  }
}
