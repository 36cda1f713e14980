package io.weft.wg.conn;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Batch send and receive of datagrams to opaque {@link Endpoint}s: the seam between the
 * WireGuard device and the network. Implementations: {@link UdpBind} (plain UDP), magicsock (the
 * mesh) and an in-memory double in tests.
 */
public interface Bind extends Closeable {

  /**
   * Opens the bind on {@code port} (0 picks one) and returns the port actually bound.
   */
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
}
