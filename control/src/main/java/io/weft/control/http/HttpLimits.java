package io.weft.control.http;

import java.time.Duration;

/**
 * What one client may make the server hold. Every limit is checked before the bytes it bounds are
 * buffered.
 *
 * @param maxRequestLineBytes longest request line (method, target, version)
 * @param maxHeaderBytes largest header block
 * @param maxBodyBytes largest body of an authenticated request (see {@link HttpServer.BodyLimit})
 * @param maxUnauthenticatedBodyBytes largest body buffered before the request is authenticated
 * @param requestDeadline how long a whole request (from the connection's accept, or from its first
 *     byte on a kept-alive connection, to its last body byte) may take, however steadily it
 *     trickles
 * @param idleTimeout how long a kept-alive connection may wait between requests
 * @param maxConnections open connections in all, upgraded ones included
 * @param maxConnectionsPerAddress open connections from one source IP address
 * @param upgradedReadBuffer bytes an upgraded connection buffers before it stops reading the socket
 * @param upgradedWriteTimeout how long a write to an upgraded connection may wait for a peer that
 *     does not read before the connection is closed
 */
public record HttpLimits(
    int maxRequestLineBytes,
    int maxHeaderBytes,
    int maxBodyBytes,
    int maxUnauthenticatedBodyBytes,
    Duration requestDeadline,
    Duration idleTimeout,
    int maxConnections,
    int maxConnectionsPerAddress,
    int upgradedReadBuffer,
    Duration upgradedWriteTimeout) {

  /** Default cap on open connections in all. */
  public static final int DEFAULT_MAX_CONNECTIONS = 4096;

  /** Default cap on open connections from one source address (nodes behind one NAT share it). */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 1024;

  /** The defaults. */
  public static HttpLimits defaults() {
    return new HttpLimits(
        8 * 1024,
        16 * 1024,
        1 << 20,
        4 * 1024,
        Duration.ofSeconds(10),
        Duration.ofSeconds(60),
        DEFAULT_MAX_CONNECTIONS,
        DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
        64 * 1024,
        Duration.ofSeconds(30));
  }

  public HttpLimits withRequestDeadline(Duration d) {
    return new HttpLimits(
        maxRequestLineBytes,
        maxHeaderBytes,
        maxBodyBytes,
        maxUnauthenticatedBodyBytes,
        d,
        idleTimeout,
        maxConnections,
        maxConnectionsPerAddress,
        upgradedReadBuffer,
        upgradedWriteTimeout);
  }

  public HttpLimits withIdleTimeout(Duration d) {
    return new HttpLimits(
        maxRequestLineBytes,
        maxHeaderBytes,
        maxBodyBytes,
        maxUnauthenticatedBodyBytes,
        requestDeadline,
        d,
        maxConnections,
        maxConnectionsPerAddress,
        upgradedReadBuffer,
        upgradedWriteTimeout);
  }

  public HttpLimits withConnectionCaps(int total, int perAddress) {
    return new HttpLimits(
        maxRequestLineBytes,
        maxHeaderBytes,
        maxBodyBytes,
        maxUnauthenticatedBodyBytes,
        requestDeadline,
        idleTimeout,
        total,
        perAddress,
        upgradedReadBuffer,
        upgradedWriteTimeout);
  }

  public HttpLimits withBodyLimits(int authenticated, int unauthenticated) {
    return new HttpLimits(
        maxRequestLineBytes,
        maxHeaderBytes,
        authenticated,
        unauthenticated,
        requestDeadline,
        idleTimeout,
        maxConnections,
        maxConnectionsPerAddress,
        upgradedReadBuffer,
        upgradedWriteTimeout);
  }

  public HttpLimits withUpgradedWriteTimeout(Duration d) {
    return new HttpLimits(
        maxRequestLineBytes,
        maxHeaderBytes,
        maxBodyBytes,
        maxUnauthenticatedBodyBytes,
        requestDeadline,
        idleTimeout,
        maxConnections,
        maxConnectionsPerAddress,
        upgradedReadBuffer,
        d);
  }
}
