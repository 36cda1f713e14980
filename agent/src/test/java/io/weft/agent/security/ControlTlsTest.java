package io.weft.agent.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.agent.backend.Backend;
import io.weft.agent.backend.BackendConfig;
import io.weft.agent.backend.BackendState;
import io.weft.agent.backend.ControlTrust;
import io.weft.control.client.ControlClient;
import io.weft.control.client.ControlException;
import io.weft.control.client.ControlTls;
import io.weft.control.protocol.NetMap;
import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import io.weft.wg.key.NoisePrivateKey;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, {@code https://} login servers: the node checks the server's certificate (chain and
 * host name) before it sends anything, so a pre-auth key only ever goes to the named server.
 */
class ControlTlsTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir static Path pki;
  static TestCa ca;
  static Path goodStore;
  static Path otherHostStore;

  @TempDir Path dir;
  ControlServer server;
  final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws Exception {
    ca = new TestCa(pki);
    goodStore = ca.serverStore("good", "dns:localhost,ip:127.0.0.1");
    otherHostStore = ca.serverStore("other", "dns:other.example");
  }

  @BeforeEach
  void startServer() throws Exception {
    server =
        ControlServer.start(ControlConfig.defaults(dir.resolve("control")).withAdminToken("admin"));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
    server.close();
  }

  TlsProxy proxy(Path store) throws Exception {
    TlsProxy p = new TlsProxy(store, server.listenAddress());
    closing.add(p);
    return p;
  }

  Backend join(String name, URI url, ControlTrust trust) throws Exception {
    String key =
        server
            .admin()
            .createPreAuthKey("mesh", null, true, false, false, List.of(), Duration.ofHours(1))
            .secret();
    Backend b =
        new Backend(
            BackendConfig.userspace(dir.resolve(name), url, key, name)
                .withAdvertise(List.of(InetAddress.getLoopbackAddress()))
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .withTrust(trust));
    closing.add(b);
    b.start();
    return b;
  }

  @Test
  void shouldJoinThroughAServerWhoseCertificateChainsToTheCaFile() throws Exception {
    TlsProxy p = proxy(goodStore);
    Backend b = join("tls", p.url("127.0.0.1"), new ControlTrust(null, ca.caPem));
    assertThat(b.awaitState(BackendState.RUNNING, TIMEOUT)).as("%s", b.status()).isTrue();
    assertThat(p.applicationBytes.get()).isPositive();
  }

  @Test
  void shouldSendNothingToAServerNamedOtherwiseInItsCertificate() throws Exception {
    TlsProxy p = proxy(otherHostStore);
    URI url = p.url("127.0.0.1");
    SSLContext tls = ControlTls.context(ca.caPem);
    assertThatThrownBy(() -> ControlClient.fetchServerKey(url, tls))
        .isInstanceOf(ControlException.class)
        .hasMessageContaining("TLS")
        .hasMessageContaining("nothing was sent");
    assertThatThrownBy(
            () ->
                ControlClient.connect(
                    url,
                    NoisePrivateKey.generate(new SecureRandom()),
                    server.publicKey(),
                    new NetMap(),
                    tls))
        .isInstanceOf(ControlException.class)
        .hasMessageContaining("TLS");

    Backend b = join("wronghost", url, new ControlTrust(server.publicKey(), ca.caPem));
    awaitError(b, "TLS");
    assertThat(p.applicationBytes.get()).as("bytes sent after a failed certificate check").isZero();
    assertThat(b.state()).isNotEqualTo(BackendState.RUNNING);
  }

  @Test
  void shouldSendNothingToAServerTheTrustStoreDoesNotKnow() throws Exception {
    TlsProxy p = proxy(goodStore);
    URI url = p.url("127.0.0.1");
    assertThatThrownBy(() -> ControlClient.fetchServerKey(url))
        .isInstanceOf(ControlException.class)
        .hasMessageContaining("TLS");
    Backend b = join("untrusted", url, ControlTrust.FIRST_USE); // the system trust store
    awaitError(b, "TLS");
    assertThat(p.applicationBytes.get()).as("bytes sent after a failed certificate check").isZero();
  }

  static void awaitError(Backend b, String text) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (b.status().lastError() == null || !b.status().lastError().contains(text)) {
      assertThat(System.nanoTime())
          .as("error containing %s; status %s", text, b.status())
          .isLessThan(deadline);
      b.awaitControlConnected(true, Duration.ofMillis(20)); // a bounded wait between looks
    }
  }
}
