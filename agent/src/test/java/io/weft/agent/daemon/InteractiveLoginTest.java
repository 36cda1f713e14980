package io.weft.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.agent.backend.Backend;
import io.weft.agent.backend.BackendState;
import io.weft.agent.cli.WeftCli;
import io.weft.control.oidc.OidcConfig;
import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft up} without a key: it prints the login URL, a user (played by an HTTP client) logs in
 * at a real OpenID provider running in the test, and {@code up} returns 0 once RUNNING.
 */
class InteractiveLoginTest {
  static final String CLIENT = "weft-client";
  static final Pattern URL = Pattern.compile("To authenticate, visit:\n\n\t(\\S+)\n");

  @TempDir Path dir;
  MockOAuth2Server provider;
  ControlServer server;
  Daemon daemon;
  HttpClient browser;

  @BeforeEach
  void start() throws Exception {
    provider = new MockOAuth2Server();
    provider.start(InetAddress.getLoopbackAddress(), 0);
    server =
        ControlServer.start(
            ControlConfig.defaults(dir.resolve("control"))
                .withOidc(
                    new OidcConfig(
                            provider.issuerUrl("weft").toString(),
                            CLIENT,
                            "client-secret",
                            null,
                            "people")
                        .allowingDomains(List.of("example.com"))));
    daemon = new Daemon(dir.resolve("state"), dir.resolve("run/weftd.sock"));
    daemon.start();
    browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  }

  @AfterEach
  void stop() throws Exception {
    daemon.close();
    browser.close();
    server.close();
    provider.shutdown();
  }

  /**
   * The login URL → its confirmation → the provider → the callback, as a browser would follow them.
   */
  int login(String url) throws Exception {
    HttpResponse<String> page =
        browser.send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page.body());
    assertThat(csrf.find()).isTrue();
    String setCookie = page.headers().firstValue("Set-Cookie").orElseThrow();
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    HttpResponse<String> r =
        browser.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("csrf=" + csrf.group(1)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
    HttpResponse<String> atProvider =
        browser.send(
            HttpRequest.newBuilder(URI.create(r.headers().firstValue("Location").orElseThrow()))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(atProvider.statusCode()).isEqualTo(302);
    String callback = atProvider.headers().firstValue("Location").orElseThrow();
    return browser
        .send(
            HttpRequest.newBuilder(URI.create(callback)).header("Cookie", cookie).GET().build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void shouldPrintTheLoginUrlAndReturnOnceLoggedIn() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] args = {
      "--socket",
      dir.resolve("run/weftd.sock").toString(),
      "up",
      "--login-server",
      server.url().toString(),
      "--hostname",
      "laptop",
      "--tun=userspace",
      "--advertise",
      "127.0.0.1",
      "--timeout",
      "60s"
    };
    CompletableFuture<Integer> up =
        CompletableFuture.supplyAsync(
            () -> WeftCli.run(args, new PrintWriter(out), new PrintWriter(err)));

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Matcher m;
    while (!(m = URL.matcher(out.toString())).find()) {
      assertThat(up).as("up still waiting; out %s err %s", out, err).isNotDone();
      assertThat(System.nanoTime() - deadline).as("login URL printed").isNegative();
      LockSupport.parkNanos(20_000_000L);
    }
    String url = m.group(1);
    assertThat(url).startsWith(server.url().toString());
    assertThat(up).as("up waits for the login").isNotDone();
    assertThat(daemon.status().state()).isEqualTo(BackendState.LOGGING_IN);

    provider.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            "weft",
            "alice",
            "JWT",
            List.of(CLIENT),
            Map.of("email", "alice@example.com", "email_verified", true),
            3600));
    assertThat(login(url)).isEqualTo(200);

    assertThat(up.get(30, TimeUnit.SECONDS)).as("exit status; err %s", err).isZero();
    Backend.Status s = daemon.status();
    assertThat(s.state()).isEqualTo(BackendState.RUNNING);
    assertThat(s.addresses()).containsExactly("100.64.0.1/32", "fd7a:115c:a1e0::1/128");
    assertThat(server.registry().nodes()).hasSize(1);
  }
}
