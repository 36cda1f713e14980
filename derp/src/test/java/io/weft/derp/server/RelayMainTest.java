package io.weft.derp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.derp.Await;
import io.weft.derp.TestClients;
import io.weft.derp.TestClients.Recorder;
import io.weft.derp.client.DerpClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelayMainTest {
  @TempDir Path dir;

  @Test
  void serveShouldWriteAPrivateKeyFileAndRelay() throws Exception {
    Path key = dir.resolve("relay.key");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CountDownLatch stop = new CountDownLatch(1);
    int[] rc = {-1};
    Thread t =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    rc[0] =
                        RelayMain.run(
                            new String[] {
                              "--listen",
                              "127.0.0.1:0",
                              "--key-file",
                              key.toString(),
                              "--accept-any",
                              "--stun",
                              "127.0.0.1:0"
                            },
                            new PrintStream(out, true),
                            new PrintStream(new ByteArrayOutputStream()),
                            stop);
                  } catch (Exception e) {
                    throw new RuntimeException(e);
                  }
                });
    Pattern p = Pattern.compile("serving http on /127.0.0.1:(\\d+)");
    Matcher m =
        Await.value(
            "serving line",
            () -> {
              Matcher mm = p.matcher(out.toString());
              return mm.find() ? mm : null;
            });
    assertThat(Files.getPosixFilePermissions(key))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.readString(key)).contains("\"PrivateKey\": \"privkey:");
    URI u = URI.create("http://127.0.0.1:" + m.group(1) + "/derp");
    Recorder ra = new Recorder();
    Recorder rb = new Recorder();
    io.weft.derp.NodeKey served;
    try (DerpClient a = TestClients.connect(u, ra);
        DerpClient b = TestClients.connect(u, rb)) {
      served = a.serverKey();
      assertThat(out.toString()).contains(served.toString());
      a.send(b.publicKey(), new byte[] {4}, 0, 1);
      Await.value("packet", rb.packets::poll);
    }
    stop.countDown();
    t.join(10_000);
    assertThat(rc[0]).isZero();
    assertThat(io.weft.derp.NodeKey.of(RelayMain.loadOrCreateKey(key).publicKey()))
        .as("the key file holds the served key and is read back, not replaced")
        .isEqualTo(served);
  }
}
