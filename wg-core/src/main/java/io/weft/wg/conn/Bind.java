package io.weft.wg.conn;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;

/**
 * Batch send and receive of datagrams to opaque {@link Endpoint}s: the seam between the WireGuard
 * device and the network. Implementations: {@link UdpBind} (plain UDP), magicsock (the mesh) and an
 * in-memory double in tests.
 *
 * <p>A bind with more than one source of datagrams (UDP sockets and a relay stream) offers one
 * {@link Receiver} per source ({@link #receivers()}, wireguard-go's {@code ReceiveFunc}s); the
 * device runs one receive loop per receiver, so no source waits for another and no wakeup is
 * needed.
 */
public interface Bind extends Closeable {

  /** One source of datagrams, with {@link Bind#receive}'s contract. */
  @FunctionalInterface
  interface Receiver {
    /** As {@link Bind#receive}: blocks until at least one datagram or the bind closes. */
    int receive(ByteBuffer[] bufs, int[] sizes, Endpoint[] sources) throws IOException;
  }

  /** Opens the bind on {@code port} (0 picks one) and returns the port actually bound. */
  int open(int port) throws IOException;

  /**
   * Receives up to {@code bufs.length} datagrams; blocks until at least one arrives or the bind is
   * closed. Datagram {@code i} is written at {@code [0, sizes[i])} of {@code bufs[i]}; positions
   * and limits are left unchanged.
   *
   * @return the number of datagrams (at least 1)
   * @throws java.nio.channels.ClosedChannelException once closed
   */
  int receive(ByteBuffer[] bufs, int[] sizes, Endpoint[] sources) throws IOException;

  /**
   * Sends {@code count} datagrams to {@code destination}; datagram {@code i} is {@code bufs[i]}
   * from its position to its limit (positions are advanced).
   */
  void send(ByteBuffer[] bufs, int count, Endpoint destination) throws IOException;

  /** Parses an endpoint in {@code host:port} or {@code [v6]:port} form (UAPI {@code endpoint=}). */
  Endpoint parseEndpoint(String hostPort);

  /** How many datagrams one {@link #receive} can return at most. */
  int batchSize();

  /**
   * The sources the device receives from, each on its own thread. Asked once, after the first
   * {@link #open}; each receiver keeps working across later {@code open} calls and throws {@link
   * java.nio.channels.ClosedChannelException} once the bind is closed. By default the one source
   * {@link #receive}.
   */
  default List<Receiver> receivers() {
    return List.of(this::receive);
  }

  /**
   * The endpoint the device sends to for {@code peer}, or null while there is no path. By default
   * (plain UDP) the first candidate address; a mesh bind returns one endpoint per peer whose path
   * it chooses itself.
   */
  default Endpoint endpointFor(PeerPaths peer) {
    if (peer.candidates().isEmpty()) {
      return null;
    }
    return parseEndpoint(new UdpEndpoint(peer.candidates().getFirst()).destinationString());
  }

  /**
   * The whole peer set after each network map, so a mesh bind can start and stop path discovery. A
   * plain UDP bind ignores it.
   */
  default void setPeers(Collection<PeerPaths> peers) {}
}
