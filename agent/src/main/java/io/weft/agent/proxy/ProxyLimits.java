package io.weft.agent.proxy;

import java.time.Duration;

/**
 * The bounds every proxy listener applies.
 *
 * @param maxConnections connections served at once; more are accepted and closed at once
 * @param handshakeTimeout how long a client may take for its SOCKS5 handshake or HTTP request head
 * @param connectTimeout how long a dial into the mesh may take
 * @param bufferSize bytes copied per read in each direction of a relayed connection
 * @param maxHeadBytes the longest HTTP request head
 * @param idleTimeout how long a relayed mesh connection may pass no byte either way (or stay unable
 *     to write) before both ends are closed
 */
public record ProxyLimits(
    int maxConnections,
    Duration handshakeTimeout,
    Duration connectTimeout,
    int bufferSize,
    int maxHeadBytes,
    Duration idleTimeout) {

  public static final ProxyLimits DEFAULTS =
      new ProxyLimits(
          256,
          Duration.ofSeconds(10),
          Duration.ofSeconds(15),
          64 * 1024,
          16 * 1024,
          Duration.ofHours(1));

  public ProxyLimits {
    if (maxConnections < 1 || bufferSize < 512 || maxHeadBytes < 256) {
      throw new IllegalArgumentException(
          "proxy limits too small: "
              + maxConnections
              + " connections, "
              + bufferSize
              + " byte buffers, "
              + maxHeadBytes
              + " byte heads");
    }
    if (handshakeTimeout.isNegative()
        || handshakeTimeout.isZero()
        || connectTimeout.isNegative()
        || connectTimeout.isZero()
        || idleTimeout.isNegative()
        || idleTimeout.isZero()) {
      throw new IllegalArgumentException("proxy timeouts must be positive");
    }
  }

  public ProxyLimits withMaxConnections(int n) {
    return new ProxyLimits(
        n, handshakeTimeout, connectTimeout, bufferSize, maxHeadBytes, idleTimeout);
  }

  public ProxyLimits withIdleTimeout(Duration d) {
    return new ProxyLimits(
        maxConnections, handshakeTimeout, connectTimeout, bufferSize, maxHeadBytes, d);
  }

  public ProxyLimits withHandshakeTimeout(Duration d) {
    return new ProxyLimits(
        maxConnections, d, connectTimeout, bufferSize, maxHeadBytes, idleTimeout);
  }
}
