package io.weft.agent.backend;

import io.weft.agent.userspace.NetstackTun;
import io.weft.wg.conn.BindFactory;
import io.weft.wg.time.NanoClock;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link Backend} joins its mesh ({@code weft up}'s options).
 *
 * @param stateDir where the node's keys live
 * @param controlUrl the coordination server ({@code --login-server})
 * @param authKey a pre-auth key, or null for interactive login ({@code --auth-key})
 * @param hostname the name this node reports ({@code --hostname})
 * @param tun opens the plaintext side once the node's addresses are known
 * @param bind builds the datagram side from the node's keys and the relay map (plain UDP until
 *     magicsock takes over)
 * @param listenPort UDP port, 0 for any
 * @param advertise the addresses reported as endpoints with the bind's port; null for every
 *     non-loopback interface address (loopback only when there is nothing else)
 * @param backoffInitial first reconnection delay
 * @param backoffMax longest reconnection delay
 * @param requestTimeout how long one request to the server may take
 * @param loginTimeout how long an interactive login may take
 * @param mapSilenceTimeout how long the map stream may stay silent (no map message, not even a
 *     keepalive) before the connection is dropped and re-established; the server sends a keepalive
 *     after 60 s of idleness by default, so the default is 2.5 of those
 * @param clock the clock the silence is measured on (a manual one in tests)
 * @param trust how the coordination server is recognised: a key pinned up front ({@code
 *     --server-key}) and the CA certificates for an {@code https://} URL ({@code --ca-file})
 */
public record BackendConfig(
    Path stateDir,
    URI controlUrl,
    String authKey,
    String hostname,
    TunFactory tun,
    BindFactory bind,
    int listenPort,
    List<InetAddress> advertise,
    Duration backoffInitial,
    Duration backoffMax,
    Duration requestTimeout,
    Duration loginTimeout,
    Duration mapSilenceTimeout,
    NanoClock clock,
    ControlTrust trust) {

  /** The default {@link #mapSilenceTimeout}: 2.5 times the server's default keepalive interval. */
  public static final Duration DEFAULT_MAP_SILENCE_TIMEOUT = Duration.ofSeconds(150);

  public BackendConfig {
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(mapSilenceTimeout, "mapSilenceTimeout");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(trust, "trust");
    if (mapSilenceTimeout.isNegative() || mapSilenceTimeout.isZero()) {
      throw new IllegalArgumentException(
          "map silence timeout must be positive: " + mapSilenceTimeout);
    }
    Objects.requireNonNull(controlUrl, "controlUrl");
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(tun, "tun");
    Objects.requireNonNull(bind, "bind");
    advertise = advertise == null ? null : List.copyOf(advertise);
  }

  /** Without the watchdog settings: {@link #DEFAULT_MAP_SILENCE_TIMEOUT} on the system clock. */
  public BackendConfig(
      Path stateDir,
      URI controlUrl,
      String authKey,
      String hostname,
      TunFactory tun,
      BindFactory bind,
      int listenPort,
      List<InetAddress> advertise,
      Duration backoffInitial,
      Duration backoffMax,
      Duration requestTimeout,
      Duration loginTimeout) {
    this(
        stateDir,
        controlUrl,
        authKey,
        hostname,
        tun,
        bind,
        listenPort,
        advertise,
        backoffInitial,
        backoffMax,
        requestTimeout,
        loginTimeout,
        DEFAULT_MAP_SILENCE_TIMEOUT,
        NanoClock.SYSTEM,
        ControlTrust.FIRST_USE);
  }

  /**
   * Userspace mode (no root) on the platform's best plain UDP bind (batched on Linux), with the
   * default timeouts.
   */
  public static BackendConfig userspace(
      Path stateDir, URI controlUrl, String authKey, String hostname) {
    return new BackendConfig(
        stateDir,
        controlUrl,
        authKey,
        hostname,
        NetstackTun::forNode,
        BindFactory.plainUdp(),
        0,
        null,
        Duration.ofMillis(250),
        Duration.ofSeconds(30),
        Duration.ofSeconds(15),
        Duration.ofMinutes(10));
  }

  public BackendConfig withAdvertise(List<InetAddress> addresses) {
    return new BackendConfig(
        stateDir,
        controlUrl,
        authKey,
        hostname,
        tun,
        bind,
        listenPort,
        addresses,
        backoffInitial,
        backoffMax,
        requestTimeout,
        loginTimeout,
        mapSilenceTimeout,
        clock,
        trust);
  }

  public BackendConfig withBackoff(Duration initial, Duration max) {
    return new BackendConfig(
        stateDir,
        controlUrl,
        authKey,
        hostname,
        tun,
        bind,
        listenPort,
        advertise,
        initial,
        max,
        requestTimeout,
        loginTimeout,
        mapSilenceTimeout,
        clock,
        trust);
  }

  public BackendConfig withTun(TunFactory factory) {
    return new BackendConfig(
        stateDir,
        controlUrl,
        authKey,
        hostname,
        factory,
        bind,
        listenPort,
        advertise,
        backoffInitial,
        backoffMax,
        requestTimeout,
        loginTimeout,
        mapSilenceTimeout,
        clock,
        trust);
  }

  /**
   * The datagram side ({@code weft up --tun=kernel} picks a batched bind to match the TUN's
   * offloads).
   */
  public BackendConfig withBind(BindFactory factory) {
    return new BackendConfig(
        stateDir,
        controlUrl,
        authKey,
        hostname,
        tun,
        factory,
        listenPort,
        advertise,
        backoffInitial,
        backoffMax,
        requestTimeout,
        loginTimeout,
        mapSilenceTimeout,
        clock,
        trust);
  }

  public BackendConfig withListenPort(int port) {
    return new BackendConfig(
        stateDir,
        controlUrl,
        authKey,
        hostname,
        tun,
        bind,
        port,
        advertise,
        backoffInitial,
        backoffMax,
        requestTimeout,
        loginTimeout,
        mapSilenceTimeout,
        clock,
        trust);
  }

  /** Drops a map stream silent for longer than {@code timeout}, measured on {@code clock}. */
  public BackendConfig withMapSilenceTimeout(Duration timeout, NanoClock clock) {
    return new BackendConfig(
        stateDir,
        controlUrl,
        authKey,
        hostname,
        tun,
        bind,
        listenPort,
        advertise,
        backoffInitial,
        backoffMax,
        requestTimeout,
        loginTimeout,
        timeout,
        clock,
        trust);
  }

  /** How the coordination server is recognised ({@code --server-key}, {@code --ca-file}). */
  public BackendConfig withTrust(ControlTrust t) {
    return new BackendConfig(
        stateDir,
        controlUrl,
        authKey,
        hostname,
        tun,
        bind,
        listenPort,
        advertise,
        backoffInitial,
        backoffMax,
        requestTimeout,
        loginTimeout,
        mapSilenceTimeout,
        clock,
        t);
  }

  public BackendConfig withLoginTimeout(Duration timeout) {
    return new BackendConfig(
        stateDir,
        controlUrl,
        authKey,
        hostname,
        tun,
        bind,
        listenPort,
        advertise,
        backoffInitial,
        backoffMax,
        requestTimeout,
        timeout,
        mapSilenceTimeout,
        clock,
        trust);
  }
}
