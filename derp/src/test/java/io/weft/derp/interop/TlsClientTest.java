package io.weft.derp.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.derp.Await;
import io.weft.derp.TestClients;
import io.weft.derp.TestClients.Recorder;
import io.weft.derp.client.DerpClient;
import io.weft.derp.server.Admission;
import io.weft.derp.server.DerpServer;
import io.weft.wg.key.NoisePrivateKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weft's client and relay over HTTPS, with certificate and host name checked. */
class TlsClientTest {
  @TempDir Path dir;

  @Test
  void clientsShouldRelayOverTlsAndRefuseAnUntrustedCertificate() throws Exception {
    try (DerpServer relay =
        DerpServer.builder(NoisePrivateKey.generate(TestClients.RANDOM))
            .admission(Admission.acceptAny())
            .ioThreads(1)
            .build()) {
      int port =
          relay.listen(new InetSocketAddress("127.0.0.1", 0), TestTls.selfSigned(dir)).getPort();
      URI u = URI.create("https://127.0.0.1:" + port + "/derp");
      SSLContext trust = TestTls.trusting(dir);
      DerpClient.Options o = DerpClient.Options.defaults().withTls(trust, true);
      Recorder ra = new Recorder();
      Recorder rb = new Recorder();
      try (DerpClient a =
              DerpClient.connect(u, NoisePrivateKey.generate(TestClients.RANDOM), o, ra);
          DerpClient b =
              DerpClient.connect(u, NoisePrivateKey.generate(TestClients.RANDOM), o, rb)) {
        assertThat(a.serverKey()).isEqualTo(relay.publicKey());
        a.send(b.publicKey(), new byte[] {1, 2}, 0, 2);
        assertThat(Await.value("packet over TLS", rb.packets::poll).data()).containsExactly(1, 2);
      }
      assertThatThrownBy(
              () ->
                  DerpClient.connect(
                      u,
                      NoisePrivateKey.generate(TestClients.RANDOM),
                      DerpClient.Options.defaults(),
                      new Recorder()))
          .as("the JDK's default trust store does not know the test certificate")
          .isInstanceOf(IOException.class);
    }
  }
}
