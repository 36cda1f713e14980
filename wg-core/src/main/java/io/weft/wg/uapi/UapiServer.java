package io.weft.wg.uapi;

import io.weft.wg.local.Callers;
import io.weft.wg.local.OwnerOnlyFiles;
import io.weft.wg.local.PrivateUnixSocket;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves {@link Uapi} on a Unix socket, by default {@code /var/run/wireguard/<iface>.sock} where
 * wg(8) looks for userspace interfaces. The socket is bound privately and made mode 0600 before it
 * appears at its path ({@link PrivateUnixSocket}), in a directory only its owner may write; and
 * each connection's caller must be root or the socket's owner ({@link Callers}), since the socket
 * hands out the private key. A path holding anything but a stale socket is never replaced. Each
 * connection is served on a virtual thread.
 */
public final class UapiServer implements Closeable {
  /** Where wg(8) looks for userspace sockets. */
  public static final Path DEFAULT_DIR = Path.of("/var/run/wireguard");

  private static final System.Logger LOG = System.getLogger("weft.uapi");

  private final Uapi uapi;
  private final Path path;
  private final ServerSocketChannel server;
  private final Callers callers;
  private final AtomicLong refused = new AtomicLong();
  private final Thread acceptor;
  private volatile boolean closed;

  private UapiServer(Uapi uapi, Path path, ServerSocketChannel server, Callers callers) {
    this.uapi = uapi;
    this.path = path;
    this.server = server;
    this.callers = callers;
    this.acceptor = Thread.ofPlatform().daemon().name("weft-uapi").start(this::acceptLoop);
  }

  /**
   * Binds {@code dir/<iface>.sock} (creating {@code dir} 0755; replacing a stale socket, refusing
   * anything else) and starts serving.
   */
  public static UapiServer start(Uapi uapi, Path dir, String iface) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    }
    Path path = dir.resolve(iface + ".sock").toAbsolutePath();
    ServerSocketChannel server = PrivateUnixSocket.bind(path, OwnerOnlyFiles.OWNER_ONLY);
    try {
      return new UapiServer(uapi, path, server, Callers.rootAndOwnerOf(path));
    } catch (IOException | RuntimeException e) {
      server.close();
      PrivateUnixSocket.deleteSocket(path);
      throw e;
    }
  }

  /** Connections refused because of the caller's user. */
  public long refused() {
    return refused.get();
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
    Callers.Refusal no = callers.refusal(c);
    if (no != null) {
      refused.incrementAndGet();
      LOG.log(
          System.Logger.Level.WARNING,
          "UAPI: refused a connection from user {0} on {1}",
          no.user(),
          path);
      try (c) {
        return; // wg(8) has no error line for this: hang up
      } catch (IOException e) {
        return;
      }
    }
    try (c;
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
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
              LOG.log(System.Logger.Level.WARNING, "UAPI set: {0}", e.getMessage());
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
    PrivateUnixSocket.deleteSocket(path);
    acceptor.interrupt();
  }
}
