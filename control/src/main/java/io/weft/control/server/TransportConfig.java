package io.weft.control.server;

import io.weft.control.http.HttpLimits;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How the server meets the network: HTTP limits, the Noise channel's limits before a machine is
 * registered, and TLS.
 *
 * @param http limits of the HTTP server (sizes, deadlines, connection caps)
 * @param firstMessageDeadline how long after the Noise handshake the node's first whole message may
 *     take
 * @param registrationDeadline how long a channel may stay open without its machine registered
 *     (covers an interactive login)
 * @param maxUnregisteredMessageBytes largest message buffered from a machine not yet registered
 * @param tlsCert PEM certificate chain, or null for plain HTTP
 * @param tlsKey PEM (PKCS#8) private key of {@code tlsCert}, or null
 */
public record TransportConfig(
    HttpLimits http,
    Duration firstMessageDeadline,
    Duration registrationDeadline,
    int maxUnregisteredMessageBytes,
    Path tlsCert,
    Path tlsKey) {

  public TransportConfig {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("TLS needs both a certificate and a key");
    }
  }

  /** The defaults, without TLS. */
  public static TransportConfig defaults() {
    return new TransportConfig(
        HttpLimits.defaults(),
        Duration.ofSeconds(10),
        Duration.ofMinutes(15),
        64 * 1024,
        null,
        null);
  }

  public TransportConfig withHttp(HttpLimits limits) {
    return new TransportConfig(
        limits,
        firstMessageDeadline,
        registrationDeadline,
        maxUnregisteredMessageBytes,
        tlsCert,
        tlsKey);
  }

  public TransportConfig withSessionLimits(
      Duration firstMessage, Duration registration, int maxUnregisteredBytes) {
    return new TransportConfig(
        http, firstMessage, registration, maxUnregisteredBytes, tlsCert, tlsKey);
  }

  public TransportConfig withTls(Path cert, Path key) {
    return new TransportConfig(
        http, firstMessageDeadline, registrationDeadline, maxUnregisteredMessageBytes, cert, key);
  }
}
