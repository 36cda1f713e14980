package io.weft.wg.uapi;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Serves {@link Uapi} on a Unix socket, by default {@code /var/run/wireguard/<iface>.sock} where
 * wg(8) looks for userspace interfaces. The socket is created mode 0600 in a 0755 directory, so
 * only its owner (root) can read the private key or change the configuration; each connection is
 * served on a virtual thread.
 */
public final class UapiServer implements Closeable {
  /** Where wg(8) looks for userspace sockets. */
  public static final Path DEFAULT_DIR = Path.of("/var/run/wireguard");

  private final Uapi uapi;
  private final Path path;
  private final ServerSocketChannel server;
  private final Thread acceptor;
  private volatile boolean closed;

  private UapiServer(Uapi uapi, Path path, ServerSocketChannel server) {
    this.uapi = uapi;
    this.path = path;
    this.server = server;
    this.acceptor = Thread.ofPlatform().daemon().name("weft-uapi").start(this::acceptLoop);
  }

  /** Binds {@code dir/<iface>.sock} (replacing a stale socket) and starts serving. */
  public static UapiServer start(Uapi uapi, Path dir, String iface) throws IOException {
    Files.createDirectories(dir);
    try {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException | UnsupportedOperationException e) {
      // not our directory to change; the socket itself is still 0600
    }
    Path path = dir.resolve(iface + ".sock");
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    return new UapiServer(uapi, path, server);
  }

  /** The socket path. */
  public Path path() {
    return path;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        SocketChannel c = server.accept();
        Thread.ofVirtual().name("weft-uapi-conn").start(() -> serve(c));
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void serve(SocketChannel c) {
    try (c;
        BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
        Writer out = new OutputStreamWriter(Channels.newOutputStream(c), StandardCharsets.UTF_8)) {
      String op;
      while ((op = in.readLine()) != null) {
        int errno = 0;
        switch (op) {
          case "get=1" -> {
            String blank = in.readLine();
            if (blank == null) {
              return;
            }
            if (!blank.isEmpty()) {
              errno = Uapi.ERR_INVALID;
            } else {
              uapi.get(out);
            }
          }
          case "set=1" -> {
            try {
              uapi.set(in);
            } catch (Uapi.UapiException e) {
              errno = e.errno();
              System.getLogger("weft.uapi").log(System.Logger.Level.WARNING, "UAPI set: {0}", e.getMessage());
            }
          }
          default -> {
            return; // not the protocol: hang up, as wireguard-go does
          }
        }
        out.write("errno=" + errno + "\n\n");
        out.flush();
      }
    } catch (IOException e) {
      // client went away
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    Files.deleteIfExists(path);
    acceptor.interrupt();
  }
}
