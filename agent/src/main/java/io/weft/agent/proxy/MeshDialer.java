package io.weft.agent.proxy;

import io.weft.netstack.NetStack;
import io.weft.netstack.UdpEndpoint;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where the proxies' connections go: names resolve through {@link MeshNames}; mesh addresses are
 * dialed through the node's netstack. Anything else is refused, unless the fallback is {@link
 * Fallback#DIRECT}, which resolves and dials it with the host's own DNS and sockets.
 */
public final class MeshDialer {
  /** What to do with a destination outside the mesh. */
  public enum Fallback {
    /** Refuse it (the default): no DNS query and no packet leaves the mesh. */
    REFUSE,
    /** Resolve and connect with the host's resolver and sockets (TCP only). */
    DIRECT
  }

  /** Why a dial failed, mapped by each proxy to its own reply. */
  enum Failure {
    NO_STACK,
    UNKNOWN_NAME,
    NOT_IN_MESH,
    REFUSED,
    UNREACHABLE,
    FAILED
  }

  static final class DialException extends IOException {
    final Failure failure;

    DialException(Failure failure, String message) {
      super(message);
      this.failure = failure;
    }
  }

  private final Supplier<Optional<NetStack>> stack;
  private final MeshNames names;
  private final Fallback fallback;
  private final Duration connectTimeout;

  MeshDialer(
      Supplier<Optional<NetStack>> stack,
      MeshNames names,
      Fallback fallback,
      Duration connectTimeout) {
    this.stack = stack;
    this.names = names;
    this.fallback = fallback;
    this.connectTimeout = connectTimeout;
  }

  /** A mesh address for {@code host} (a name or a literal), or a failure. */
  InetAddress resolveMesh(String host) throws DialException {
    final InetAddress literal = literal(host);
    if (literal != null) {
      if (!names.isMeshAddress(literal)) {
        throw new DialException(Failure.NOT_IN_MESH, host + " is not a mesh address");
      }
      return literal;
    }
    final List<InetAddress> a = names.resolve(host);
    if (a.isEmpty()) {
      throw new DialException(
          Failure.UNKNOWN_NAME, "no node named " + host + " in the network map");
    }
    return a.getFirst();
  }

  /** Connects to {@code host} ({@code address} when the client gave one) and {@code port}. */
  Duplex dial(String host, InetAddress address, int port) throws DialException {
    if (fallback == Fallback.REFUSE) {
      netstack(); // a node that is not up says so, before any name is looked at
    }
    InetAddress target = address;
    try {
      if (target == null) {
        target = resolveMesh(host);
      } else if (!names.isMeshAddress(target)) {
        throw new DialException(
            Failure.NOT_IN_MESH, target.getHostAddress() + " is not a mesh address");
      }
    } catch (DialException e) {
      if (fallback == Fallback.DIRECT && e.failure != Failure.NO_STACK) {
        return dialDirect(host != null ? host : address.getHostAddress(), port);
      }
      throw e;
    }
    final NetStack s = netstack();
    try {
      return Duplex.of(s.dialTcp(new InetSocketAddress(target, port), connectTimeout));
    } catch (ConnectException e) {
      throw new DialException(Failure.REFUSED, e.getMessage());
    } catch (SocketTimeoutException e) {
      throw new DialException(Failure.UNREACHABLE, e.getMessage());
    } catch (IOException e) {
      throw new DialException(Failure.FAILED, e.getMessage());
    }
  }

  /** A netstack UDP endpoint on an ephemeral port. */
  UdpEndpoint openUdp() throws DialException {
    try {
      return netstack().openUdp(0);
    } catch (IOException e) {
      throw new DialException(Failure.FAILED, e.getMessage());
    }
  }

  NetStack netstack() throws DialException {
    return stack
        .get()
        .orElseThrow(() -> new DialException(Failure.NO_STACK, "the node has no netstack yet"));
  }

  private Duplex dialDirect(String host, int port) throws DialException {
    try {
      final SocketChannel ch = SocketChannel.open();
      try {
        ch.socket().connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
      } catch (IOException e) {
        ch.close();
        throw e;
      }
      return Duplex.of(ch);
    } catch (ConnectException e) {
      throw new DialException(Failure.REFUSED, e.getMessage());
    } catch (SocketTimeoutException | java.nio.channels.UnresolvedAddressException e) {
      throw new DialException(Failure.UNREACHABLE, String.valueOf(e.getMessage()));
    } catch (IOException | RuntimeException e) {
      throw new DialException(Failure.FAILED, String.valueOf(e.getMessage()));
    }
  }

  /** {@code host} as an IP literal (brackets allowed for IPv6), else null; never a DNS query. */
  static InetAddress literal(String host) {
    String h = host;
    if (h.length() > 2 && h.charAt(0) == '[' && h.charAt(h.length() - 1) == ']') {
      h = h.substring(1, h.length() - 1);
    }
    try {
      return InetAddress.ofLiteral(h);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
