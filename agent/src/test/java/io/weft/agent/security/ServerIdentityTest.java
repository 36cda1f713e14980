package io.weft.agent.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.agent.backend.Backend;
import io.weft.agent.backend.BackendConfig;
import io.weft.agent.backend.BackendState;
import io.weft.agent.backend.ControlTrust;
import io.weft.agent.backend.StateDirectory;
import io.weft.agent.backend.TunFactory;
import io.weft.agent.userspace.NetstackTun;
import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, server identity: the node keeps the server key it registered with, so whoever answers
 * on the server's address after resetting a connection does not become its coordination server; and
 * a server that hands out addresses outside the mesh prefixes gets nothing configured.
 */
class ServerIdentityTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;
  final List<AutoCloseable> closing = new ArrayList<>();
  final List<List<InetAddress>> tunsOpened = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
  }

  Backend start(String name, URI url, String authKey, ControlTrust trust) throws Exception {
    TunFactory recording =
        (host, addresses) -> {
          tunsOpened.add(List.copyOf(addresses));
          return NetstackTun.forNode(host, addresses);
        };
    Backend b =
        new Backend(
            BackendConfig.userspace(dir.resolve(name), url, authKey, name)
                .withAdvertise(List.of(InetAddress.getLoopbackAddress()))
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .withTun(recording)
                .withTrust(trust));
    closing.add(b);
    b.start();
    return b;
  }

  ControlServer realServer() throws Exception {
    ControlServer s =
        ControlServer.start(ControlConfig.defaults(dir.resolve("control")).withAdminToken("admin"));
    closing.add(s);
    return s;
  }

  static String preAuthKey(ControlServer s) {
    return s.admin()
        .createPreAuthKey("mesh", null, true, false, false, List.of(), Duration.ofHours(1))
        .secret();
  }

  @Test
  void shouldRefuseAServerPresentingAnotherKeyAfterTheRealOneWasPinned() throws Exception {
    ControlServer real = realServer();
    Backend node = start("node", real.url(), preAuthKey(real), ControlTrust.FIRST_USE);
    assertThat(node.awaitState(BackendState.RUNNING, TIMEOUT)).as("%s", node.status()).isTrue();
    assertThat(new StateDirectory(dir.resolve("node"), new SecureRandom()).serverKey())
        .isEqualTo(real.publicKey());

    // The attacker resets the node's connection and answers on the server's address from now on.
    InetSocketAddress address = real.listenAddress();
    real.close();
    FakeControlServer attacker =
        new FakeControlServer(address, List.of("100.64.66.66/32"), List.of());
    closing.add(attacker);

    assertThat(node.awaitState(BackendState.NOT_LOGGED_IN, TIMEOUT))
        .as("%s", node.status())
        .isTrue();
    String error = node.status().lastError();
    assertThat(error)
        .contains(real.publicKey().toString())
        .contains(attacker.publicKey().toString())
        .contains("weft up --server-key " + attacker.publicKey())
        .contains("weft logout");
    assertThat(attacker.channels.get()).as("Noise channels the attacker got").isZero();
    assertThat(attacker.registrations.get()).isZero();
    assertThat(new StateDirectory(dir.resolve("node"), new SecureRandom()).serverKey())
        .isEqualTo(real.publicKey());

    // A restart from the same state directory refuses the same way.
    node.close();
    Backend again = start("node", attacker.url(), null, ControlTrust.FIRST_USE);
    assertThat(again.awaitState(BackendState.NOT_LOGGED_IN, TIMEOUT))
        .as("%s", again.status())
        .isTrue();
    assertThat(again.status().lastError())
        .contains(attacker.publicKey().toString())
        .contains(real.publicKey().toString());
    assertThat(attacker.registrations.get()).isZero();
  }

  @Test
  void shouldNeverTrustGetKeyWhenTheServerKeyIsGivenUpFront() throws Exception {
    NoisePublicKey realKey =
        NoisePrivateKey.generate(new SecureRandom()).publicKey(); // no attacker holds it
    FakeControlServer attacker = new FakeControlServer(null, List.of("100.64.66.66/32"), List.of());
    closing.add(attacker);
    Backend node =
        start("joining", attacker.url(), "the-pre-auth-key", new ControlTrust(realKey, null));
    assertThat(node.awaitState(BackendState.NOT_LOGGED_IN, TIMEOUT))
        .as("%s", node.status())
        .isTrue();
    assertThat(node.status().lastError())
        .contains(realKey.toString())
        .contains(attacker.publicKey().toString());
    assertThat(attacker.channels.get()).as("the pre-auth key never reached the attacker").isZero();
    assertThat(new StateDirectory(dir.resolve("joining"), new SecureRandom()).serverKey())
        .isEqualTo(realKey);
  }

  @Test
  void shouldJoinWithTheServerKeyGivenUpFrontAndPinIt() throws Exception {
    ControlServer real = realServer();
    Backend node =
        start("given", real.url(), preAuthKey(real), new ControlTrust(real.publicKey(), null));
    assertThat(node.awaitState(BackendState.RUNNING, TIMEOUT)).as("%s", node.status()).isTrue();
    assertThat(new StateDirectory(dir.resolve("given"), new SecureRandom()).serverKey())
        .isEqualTo(real.publicKey());
  }

  @Test
  void shouldConfigureNothingWhenTheServerAssignsAnAddressOutsideTheMesh() throws Exception {
    FakeControlServer server =
        new FakeControlServer(null, List.of("10.0.0.1/32", "fd7a:115c:a1e0::1/128"), List.of());
    closing.add(server);
    Backend node = start("outside", server.url(), "key", ControlTrust.FIRST_USE);
    assertThat(node.awaitState(BackendState.NOT_LOGGED_IN, TIMEOUT))
        .as("%s", node.status())
        .isTrue();
    assertThat(node.status().lastError())
        .contains("10.0.0.1/32")
        .contains("outside the mesh prefixes")
        .doesNotContain("fd7a:115c:a1e0::1/128");
    assertThat(tunsOpened).as("no interface was configured").isEmpty();
    assertThat(node.device()).isNull();
    assertThat(server.registrations.get()).as("refused once, not retried").isEqualTo(1);
  }
}
