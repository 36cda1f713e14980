package io.weft.agent.backend;

import static io.weft.agent.backend.UserspaceMeshTest.TIMEOUT;
import static io.weft.agent.backend.UserspaceMeshTest.echo;
import static io.weft.agent.backend.UserspaceMeshTest.id;
import static io.weft.agent.backend.UserspaceMeshTest.stack;
import static io.weft.agent.backend.UserspaceMeshTest.v4;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.agent.filter.FilterStats;
import io.weft.control.protocol.FilterRule;
import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import io.weft.netstack.TcpConnection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two userspace nodes and an embedded server whose maps carry a fixed filter (only TCP port 7, the
 * echo service, is open on every node): a connect to port 7 works, with its replies admitted by the
 * dialer's flow table although no rule opens the dialer's ports; a connect to port 80 is dropped at
 * the receiver and counted there as a wrong port.
 */
class FilterMeshTest {
  @TempDir Path dir;
  ControlServer server;
  final List<Backend> backends = new ArrayList<>();
  final List<AutoCloseable> servers = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable s : servers) {
      s.close();
    }
    for (Backend b : backends) {
      b.close();
    }
    if (server != null) {
      server.close();
    }
  }

  ControlConfig serverConfig;

  void startServer() throws Exception {
    if (serverConfig == null) {
      server =
          ControlServer.start(
              ControlConfig.defaults(dir.resolve("control")).withAdminToken("admin"));
      serverConfig =
          ControlConfig.defaults(dir.resolve("control"))
              .withAdminToken("admin")
              .withListen(server.listenAddress());
    } else {
      server = ControlServer.start(serverConfig); // same database and port: the nodes reconnect
    }
  }

  String preAuthKey() {
    return server
        .admin()
        .createPreAuthKey("mesh", null, true, false, false, List.of(), Duration.ofHours(1))
        .secret();
  }

  Backend join(String name, String authKey) throws Exception {
    Backend b =
        new Backend(
            BackendConfig.userspace(dir.resolve(name), server.url(), authKey, name)
                .withAdvertise(List.of(InetAddress.getLoopbackAddress()))
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(500)));
    backends.add(b);
    b.start();
    assertThat(b.awaitState(BackendState.RUNNING, TIMEOUT))
        .as("%s running; %s", name, b.status())
        .isTrue();
    servers.add(UserspaceMeshTest.serveEcho(stack(b).listenTcp(7, 8)));
    servers.add(UserspaceMeshTest.serveEcho(stack(b).listenTcp(80, 8)));
    return b;
  }

  static final List<FilterRule> ECHO_ONLY =
      List.of(
          new FilterRule(
              List.of("*"),
              List.of(new FilterRule.NetPortRange("*", new FilterRule.PortRange(7, 7))),
              List.of(6)));

  @Test
  void shouldAdmitTheAllowedConnectAndDropTheDeniedOne() throws Exception {
    startServer();
    server.setPacketFilters(node -> ECHO_ONLY);
    String key = preAuthKey();
    Backend a = join("alpha", key);
    Backend b = join("bravo", key);
    a.awaitMap(m -> m.peers().containsKey(id(b)) && ECHO_ONLY.equals(m.packetFilter()), TIMEOUT);
    b.awaitMap(m -> m.peers().containsKey(id(a)) && ECHO_ONLY.equals(m.packetFilter()), TIMEOUT);
    assertThat(b.packetFilter().rules()).isEqualTo(ECHO_ONLY);

    try (TcpConnection allowed = stack(a).dialTcp(new InetSocketAddress(v4(b), 7), TIMEOUT)) {
      allowed.setReadTimeout(TIMEOUT);
      assertThat(echo(allowed, "through the filter")).isEqualTo("through the filter");
    }
    assertThat(b.packetFilter().acceptedByRule()[0])
        .as("bravo admitted the SYN by rule 0")
        .isEqualTo(1);
    assertThat(a.packetFilter().stats().get(FilterStats.ACCEPT_FLOW))
        .as("alpha admitted bravo's replies as its own flow")
        .isPositive();

    long before = b.packetFilter().stats().get(FilterStats.WRONG_PORT);
    assertThatThrownBy(
            () -> stack(a).dialTcp(new InetSocketAddress(v4(b), 80), Duration.ofSeconds(2)).close())
        .isInstanceOf(IOException.class);
    assertThat(b.packetFilter().stats().get(FilterStats.WRONG_PORT) - before)
        .as("the SYNs to port 80 dropped at bravo")
        .isPositive();
    assertThat(b.packetFilter().wrongPortByRule()[0]).isPositive();
  }

  @Test
  void shouldKeepAnEstablishedConnectionWhenTheRulesChange() throws Exception {
    startServer();
    server.setPacketFilters(node -> ECHO_ONLY);
    String key = preAuthKey();
    Backend a = join("alpha", key);
    Backend b = join("bravo", key);
    a.awaitMap(m -> m.peers().containsKey(id(b)) && ECHO_ONLY.equals(m.packetFilter()), TIMEOUT);
    b.awaitMap(m -> m.peers().containsKey(id(a)) && ECHO_ONLY.equals(m.packetFilter()), TIMEOUT);
    try (TcpConnection held = stack(a).dialTcp(new InetSocketAddress(v4(b), 7), TIMEOUT)) {
      held.setReadTimeout(TIMEOUT);
      assertThat(echo(held, "before")).isEqualTo("before");
      // The server comes back with a policy that allows nothing: the nodes get the empty filter.
      server.close();
      UserspaceMeshTest.awaitDisconnected(b);
      startServer();
      // Set microseconds after the start; a reconnect (handshake, register, subscribe) takes
      // longer.
      server.setPacketFilters(node -> List.of());
      b.awaitMap(m -> m.packetFilter() != null && m.packetFilter().isEmpty(), TIMEOUT);
      assertThat(b.packetFilter().rules()).isEmpty();
      assertThat(echo(held, "after"))
          .as("the established connection survives the swap")
          .isEqualTo("after");
      assertThatThrownBy(
              () ->
                  stack(a).dialTcp(new InetSocketAddress(v4(b), 7), Duration.ofSeconds(2)).close())
          .as("a new one is refused")
          .isInstanceOf(IOException.class);
      assertThat(b.packetFilter().stats().get(FilterStats.NO_RULE)).isPositive();
    }
  }
}
