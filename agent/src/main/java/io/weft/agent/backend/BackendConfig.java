package io.weft.agent.backend;

import io.weft.agent.userspace.NetstackTun;
import io.weft.wg.conn.Bind;
import io.weft.wg.conn.UdpBind;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How a {@link Backend} joins its mesh ({@code weft up}'s options).
 *
 * @param stateDir where the node's keys live
 * @param controlUrl the coordination server ({@code --login-server})
 * @param authKey a pre-auth key, or null for interactive login ({@code --auth-key})
 * @param hostname the name this node reports ({@code --hostname})
 * @param tun opens the plaintext side once the node's addresses are known
 * @param bind the datagram side (plain UDP until magicsock takes over)
 * @param listenPort UDP port, 0 for any
 * @param advertise the addresses reported as endpoints with the bind's port; null for every
 *     non-loopback interface address (loopback only when there is nothing else)
 * @param backoffInitial first reconnection delay
 * @param backoffMax longest reconnection delay
 * @param requestTimeout how long one request to the server may take
 * @param loginTimeout how long an interactive login may take
 */
public record BackendConfig(
    Path stateDir,
    URI controlUrl,
    String authKey,
    String hostname,
    TunFactory tun,
    Supplier<Bind> bind,
    int listenPort,
    List<InetAddress> advertise,
    Duration backoffInitial,
    Duration backoffMax,
    Duration requestTimeout,
    Duration loginTimeout) {

  public BackendConfig {
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(controlUrl, "controlUrl");
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(tun, "tun");
    Objects.requireNonNull(bind, "bind");
    advertise = advertise == null ? null : List.copyOf(advertise);
  }

  /** Userspace mode (no root) on plain UDP, with the default timeouts. */
  public static BackendConfig userspace(Path stateDir, URI controlUrl, String authKey, String hostname) {
    return new BackendConfig(stateDir, controlUrl, authKey, hostname, NetstackTun::forNode, UdpBind::new, 0, null,
        Duration.ofMillis(250), Duration.ofSeconds(30), Duration.ofSeconds(15), Duration.ofMinutes(10));
  }

  public BackendConfig withAdvertise(List<InetAddress> addresses) {
    return new BackendConfig(stateDir, controlUrl, authKey, hostname, tun, bind, listenPort, addresses,
        backoffInitial, backoffMax, requestTimeout, loginTimeout);
  }

  public BackendConfig withBackoff(Duration initial, Duration max) {
    return new BackendConfig(stateDir, controlUrl, authKey, hostname, tun, bind, listenPort, advertise,
        initial, max, requestTimeout, loginTimeout);
  }

  public BackendConfig withTun(TunFactory factory) {
    return new BackendConfig(stateDir, controlUrl, authKey, hostname, factory, bind, listenPort, advertise,
        backoffInitial, backoffMax, requestTimeout, loginTimeout);
  }

  public BackendConfig withListenPort(int port) {
    return new BackendConfig(stateDir, controlUrl, authKey, hostname, tun, bind, port, advertise,
        backoffInitial, backoffMax, requestTimeout, loginTimeout);
  }
}
