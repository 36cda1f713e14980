package io.weft.control.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.testing.Prerequisites;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --tls-cert/--tls-key} with a certificate made here, reached by curl and the admin
 * CLI.
 */
class ServeTlsTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;
  final StringWriter serveOut = new StringWriter();
  final StringWriter serveErr = new StringWriter();
  final AtomicInteger serveExit = new AtomicInteger(-1);
  Thread serve;
  String url;
  Path cert;
  Path key;

  @BeforeEach
  void startServe() throws Exception {
    makeSelfSignedCertificate();
    serve =
        Thread.ofPlatform()
            .name("serve-tls")
            .start(
                () ->
                    serveExit.set(
                        ControlCli.run(
                            new String[] {
                              "serve",
                              "--data-dir",
                              dir.resolve("data").toString(),
                              "--listen",
                              "127.0.0.1:0",
                              "--tls-cert",
                              cert.toString(),
                              "--tls-key",
                              key.toString()
                            },
                            new PrintWriter(serveOut),
                            new PrintWriter(serveErr))));
    Pattern publicUrl = Pattern.compile("public URL (https://\\S+)");
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (url == null) {
      Matcher m = publicUrl.matcher(serveOut.toString());
      if (m.find()) {
        url = m.group(1);
      } else if (!serve.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("serve did not start: " + serveOut + serveErr);
      } else {
        Thread.sleep(20);
      }
    }
  }

  @AfterEach
  void stopServe() throws Exception {
    serve.interrupt();
    serve.join(TIMEOUT.toMillis());
    assertThat(serve.isAlive()).isFalse();
  }

  /** keytool (from this JDK) makes the pair; the PEM files are what an operator would hand over. */
  private void makeSelfSignedCertificate() throws Exception {
    Path store = dir.resolve("tls.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p =
        new ProcessBuilder(
                keytool.toString(),
                "-genkeypair",
                "-alias",
                "weft",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-keypass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(store.toFile())) {
      ks.load(in, "changeit".toCharArray());
    }
    Certificate c = ks.getCertificate("weft");
    PrivateKey k = (PrivateKey) ks.getKey("weft", "changeit".toCharArray());
    cert = dir.resolve("cert.pem");
    key = dir.resolve("key.pem");
    Files.writeString(cert, pem("CERTIFICATE", c.getEncoded()));
    Files.createFile(
        key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(key, pem("PRIVATE KEY", k.getEncoded()));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  @Test
  void shouldServeTheKeyOverHttpsToCurlWithTheCertificateAsItsOnlyTrust() throws Exception {
    Prerequisites.requireTools("curl");
    String serverKey =
        new ObjectMapper()
            .readTree(curl("--cacert", cert.toString(), url + "/key"))
            .get("publicKey")
            .asText();
    assertThat(serverKey).hasSize(44);
    // Without the certificate curl refuses the server: the channel is really authenticated.
    Process p =
        new ProcessBuilder("curl", "-sS", "--max-time", "20", url + "/key")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isNotZero();
  }

  @Test
  void shouldAnswerTheAdminCliOverHttpsAndDropPlainHttpOnTheTlsPort() throws Exception {
    Path token = dir.resolve("data").resolve(ServeCommand.TOKEN_FILE);
    ControlCliTest.Run users =
        ControlCliTest.cli(
            "users",
            "--server",
            url,
            "--token-file",
            token.toString(),
            "--cacert",
            cert.toString());
    assertThat(users.exit()).as(users.err()).isZero();
    ControlCliTest.Run untrusted =
        ControlCliTest.cli("users", "--server", url, "--token-file", token.toString());
    assertThat(untrusted.exit()).isEqualTo(ControlCli.EXIT_UNREACHABLE);
    URI u = URI.create(url);
    try (Socket s = new Socket(u.getHost(), u.getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write("GET /key HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] got = s.getInputStream().readNBytes(64);
      assertThat(new String(got, StandardCharsets.ISO_8859_1)).doesNotContain("publicKey");
    } catch (IOException e) {
      // Reset: refused all the same.
    }
    assertThat(
            ControlCliTest.cli(
                    "users",
                    "--server",
                    url,
                    "--token-file",
                    token.toString(),
                    "--cacert",
                    cert.toString())
                .exit())
        .isZero();
  }

  @Test
  void shouldRefuseAPlainHttpAdminUrlThatIsNotLoopback() {
    Path token = dir.resolve("data").resolve(ServeCommand.TOKEN_FILE);
    for (String bad :
        List.of(
            "http://192.0.2.1:8080", "http://control.example.com", "http://[2001:db8::1]:8080")) {
      ControlCliTest.Run r =
          ControlCliTest.cli("users", "--server", bad, "--token-file", token.toString());
      assertThat(r.exit()).as(bad).isEqualTo(ControlCli.EXIT_USAGE);
      assertThat(r.err()).as(bad).contains(bad).contains("https://");
    }
    for (String ok : List.of("http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1")) {
      ControlCliTest.Run r =
          ControlCliTest.cli("users", "--server", ok, "--token-file", token.toString());
      assertThat(r.exit()).as(ok + ": " + r.err()).isEqualTo(ControlCli.EXIT_UNREACHABLE);
    }
  }

  private static String curl(String... args) throws Exception {
    List<String> cmd =
        new java.util.ArrayList<>(List.of("curl", "-sS", "--fail", "--max-time", "20"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
