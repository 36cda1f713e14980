package io.weft.control.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.http.HttpRequest;
import io.weft.control.http.HttpResponse;
import io.weft.control.oidc.OidcConfig;
import io.weft.control.oidc.OidcLogin;
import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.Message;
import io.weft.control.store.Users;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random callback and login-page requests (garbage, over-long and repeated {@code code} and
 * {@code state}, genuine states with wrong codes or cookies) against a real provider: each is
 * answered with a 4xx, and no user or node is created. A failure names the seed to replay it.
 */
class OidcCallbackFuzzTest {
  static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());
  static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
  static final InetSocketAddress BROWSER =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 50000);

  @TempDir Path dir;
  MockOAuth2Server provider;
  ControlServer server;
  HttpClient browser;

  @BeforeEach
  void start() throws Exception {
    provider = new MockOAuth2Server();
    provider.start(InetAddress.getLoopbackAddress(), 0);
    server =
        ControlServer.start(
            ControlConfig.defaults(dir)
                .withOidc(
                    new OidcConfig(
                            provider.issuerUrl("weft").toString(),
                            "weft-client",
                            "s",
                            null,
                            "people")
                        .allowingAny()));
    browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  }

  @AfterEach
  void stop() {
    browser.close();
    server.close();
    provider.shutdown();
  }

  static String garbage(Random r) {
    int len =
        switch (r.nextInt(4)) {
          case 0 -> 0;
          case 1 -> r.nextInt(8);
          case 2 -> r.nextInt(200);
          default -> 2000 + r.nextInt(20_000);
        };
    StringBuilder b = new StringBuilder(len);
    for (int i = 0; i < len; i++) {
      b.append(
          switch (r.nextInt(5)) {
            case 0 -> (char) r.nextInt(0x20);
            case 1 -> (char) (0x80 + r.nextInt(0x800));
            case 2 -> "<>\"'&;=%\\".charAt(r.nextInt(9));
            default -> (char) (0x21 + r.nextInt(0x5e));
          });
    }
    return b.toString();
  }

  HttpResponse call(
      String method,
      String path,
      Map<String, String> query,
      Map<String, String> headers,
      String body) {
    return server
        .oidc()
        .handle(
            new HttpRequest(
                method,
                path,
                query,
                headers,
                body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                BROWSER));
  }

  /** A login confirmed in a browser: its state (from the provider URL) and the browser's cookie. */
  record Confirmed(String state, String cookie) {}

  Confirmed confirmedLogin(Random r) throws Exception {
    Message.Register req =
        new Message.Register(1, "k", null, "d", new HostInfo("h", "linux", List.of()), null);
    InetAddress source =
        InetAddress.getByAddress(new byte[] {10, (byte) r.nextInt(), (byte) r.nextInt(), 1});
    String url = server.oidc().begin("machine-" + r.nextLong(), req, source);
    var page =
        browser.send(
            java.net.http.HttpRequest.newBuilder(URI.create(url)).GET().build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    Matcher m = CSRF.matcher(page.body());
    assertThat(m.find()).isTrue();
    String setCookie = page.headers().firstValue("Set-Cookie").orElseThrow();
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    var confirmed =
        browser.send(
            java.net.http.HttpRequest.newBuilder(URI.create(url))
                .header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("csrf=" + m.group(1)))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    String location = confirmed.headers().firstValue("Location").orElseThrow();
    Matcher s = Pattern.compile("[?&]state=([^&]+)").matcher(location);
    assertThat(s.find()).isTrue();
    return new Confirmed(
        java.net.URLDecoder.decode(s.group(1), java.nio.charset.StandardCharsets.UTF_8), cookie);
  }

  @Test
  void shouldAnswerEveryMalformedCallbackWithA4xxAndCreateNothing() throws Exception {
    Random r = new Random(SEED);
    for (int round = 0; round < 600; round++) {
      Map<String, String> q = new LinkedHashMap<>();
      Map<String, String> headers = new LinkedHashMap<>();
      Confirmed genuine = round % 12 == 0 ? confirmedLogin(r) : null;
      if (genuine != null) {
        q.put("state", genuine.state());
        if (r.nextBoolean()) {
          headers.put("cookie", r.nextBoolean() ? genuine.cookie() : genuine.cookie() + "x");
        }
      } else if (r.nextInt(4) > 0) {
        q.put("state", garbage(r));
      }
      if (r.nextInt(4) > 0) {
        q.put("code", garbage(r));
      }
      if (r.nextInt(10) == 0) {
        q.put("error", garbage(r));
      }
      if (r.nextInt(5) == 0) {
        q.put(garbage(r), garbage(r));
      }
      HttpResponse resp =
          call(r.nextInt(20) == 0 ? "POST" : "GET", OidcLogin.CALLBACK_PATH, q, headers, "");
      assertThat(resp.status())
          .as(
              "seed %d round %d: %s -> %s",
              SEED,
              round,
              q.keySet(),
              new String(resp.body(), java.nio.charset.StandardCharsets.UTF_8))
          .isBetween(400, 499);
      if (genuine != null) {
        // The same callback again (a repeated or replayed request) is refused too: 400 when the
        // first one used the state up, 403 when it did not (a POST answered 405) and the cookie is
        // wrong or absent. Nothing is created either way (checked below).
        assertThat(call("GET", OidcLogin.CALLBACK_PATH, q, headers, "").status())
            .as("seed %d round %d: replay", SEED, round)
            .isBetween(400, 499);
      }
      // The login pages with garbage ids, forms and cookies.
      String id = garbage(r);
      HttpResponse page =
          call(
              pick(r, "GET", "POST", "PUT", "DELETE"),
              OidcLogin.LOGIN_PATH + id,
              Map.of(),
              Map.of("cookie", garbage(r), "origin", garbage(r)),
              "csrf=" + garbage(r));
      assertThat(page.status()).as("seed %d round %d: login page", SEED, round).isBetween(400, 499);
    }
    assertThat(server.registry().nodes()).as("seed %d", SEED).isEmpty();
    assertThat(server.database().inTransaction(Users::all)).as("seed %d", SEED).isEmpty();
  }

  static String pick(Random r, String... options) {
    return options[r.nextInt(options.length)];
  }
}
