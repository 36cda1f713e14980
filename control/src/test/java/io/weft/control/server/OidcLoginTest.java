package io.weft.control.server;

import static io.weft.control.server.TestNode.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.control.oidc.OidcConfig;
import io.weft.control.oidc.OidcLogin;
import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.Node;
import io.weft.control.protocol.RegisterStatus;
import io.weft.control.store.Users;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interactive login end to end against a real OpenID provider running in the test. */
class OidcLoginTest {
  static final String CLIENT = "weft-client";
  static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

  @TempDir Path dir;
  MockOAuth2Server provider;
  ControlServer server;
  HttpClient browser;
  TestNode node;
  final ManualClock clock = new ManualClock();

  @BeforeEach
  void start() throws Exception {
    provider = new MockOAuth2Server();
    provider.start(InetAddress.getLoopbackAddress(), 0);
    startServer(c -> c.allowingDomains(List.of("example.com")));
    browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  }

  void startServer(UnaryOperator<OidcConfig> policy) throws Exception {
    if (node != null) {
      node.close();
    }
    if (server != null) {
      server.close();
    }
    String issuer = provider.issuerUrl("weft").toString();
    server =
        ControlServer.start(
            ControlConfig.defaults(dir)
                .withClock(clock)
                .withOidc(
                    policy.apply(new OidcConfig(issuer, CLIENT, "client-secret", null, "people"))));
    node = new TestNode("laptop", "127.0.0.1:41641").connect(server);
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    browser.close();
    server.close();
    provider.shutdown();
  }

  /** What a browser holds after opening a login link: the page, its CSRF token and its cookie. */
  record Opened(HttpResponse<String> page, String csrf, String cookie) {}

  Opened open(String loginUrl) throws Exception {
    HttpResponse<String> r =
        browser.send(
            HttpRequest.newBuilder(URI.create(loginUrl)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    Matcher m = CSRF.matcher(r.body());
    assertThat(m.find()).as(r.body()).isTrue();
    String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie).contains("HttpOnly").contains("SameSite=Lax");
    return new Opened(r, m.group(1), setCookie.substring(0, setCookie.indexOf(';')));
  }

  HttpResponse<String> confirm(String loginUrl, String csrf, String cookie) throws Exception {
    return confirm(loginUrl, csrf, cookie, null);
  }

  HttpResponse<String> confirm(String loginUrl, String csrf, String cookie, String origin)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(loginUrl))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("csrf=" + csrf));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    if (origin != null) {
      b.header("Origin", origin);
    }
    return browser.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The provider's answer to an authorization URL: the callback URL it redirects to. */
  String atProvider(String authorize) throws Exception {
    HttpResponse<String> r =
        browser.send(
            HttpRequest.newBuilder(URI.create(authorize)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(302);
    String callback = r.headers().firstValue("Location").orElseThrow();
    assertThat(callback).startsWith(server.url() + "/oidc/callback");
    return callback;
  }

  HttpResponse<String> get(String url, String cookie) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    return browser.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Plays the browser: login page → confirm → provider → callback. Returns the callback's response.
   */
  HttpResponse<String> browse(String loginUrl, UnaryOperator<String> tamper) throws Exception {
    Opened o = open(loginUrl);
    HttpResponse<String> confirmed = confirm(loginUrl, o.csrf(), o.cookie());
    assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(302);
    String authorize = tamper.apply(confirmed.headers().firstValue("Location").orElseThrow());
    assertThat(authorize)
        .contains("code_challenge_method=S256")
        .contains("nonce=")
        .contains("state=");
    return get(atProvider(authorize), o.cookie());
  }

  String needLogin() throws Exception {
    return needLogin(node);
  }

  static String needLogin(TestNode n) throws Exception {
    Message.RegisterResult r = n.register(null);
    assertThat(r.status()).as(r.reason()).isEqualTo(RegisterStatus.NEEDS_LOGIN);
    return r.loginUrl();
  }

  void nextLogin(String subject, Map<String, Object> claims) {
    provider.enqueueCallback(
        new DefaultOAuth2TokenCallback("weft", subject, "JWT", List.of(CLIENT), claims, 3600));
  }

  static Map<String, Object> verified(String email) {
    return Map.of("email", email, "email_verified", true);
  }

  @Test
  void shouldRegisterTheNodeTheMomentTheUserCompletesLogin() throws Exception {
    String url = needLogin();
    nextLogin(
        "alice", Map.of("email", "alice@example.com", "email_verified", true, "name", "Alice"));
    HttpResponse<String> done = browse(url, u -> u);
    assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
    Node self = node.client.awaitLogin(TIMEOUT);
    assertThat(self.user()).isEqualTo("alice@example.com");
    assertThat(self.addresses()).containsExactly("100.64.0.1/32", "fd7a:115c:a1e0::1/128");
    node.client.subscribe();
    assertThat(node.client.awaitMap(m -> m.self() != null, TIMEOUT).domain()).isEqualTo("people");
    // The same subject's second login reuses the user, whatever email it now shows.
    TestNode second = new TestNode("phone", "127.0.0.1:2").connect(server);
    try {
      String url2 = needLogin(second);
      nextLogin("alice", verified("alice.new@example.com"));
      assertThat(browse(url2, u -> u).statusCode()).isEqualTo(200);
      assertThat(second.client.awaitLogin(TIMEOUT).user()).isEqualTo("alice@example.com");
      node.client.awaitMap(m -> m.peers().size() == 1, TIMEOUT);
    } finally {
      second.close();
    }
    assertThat(server.database().inTransaction(Users::all)).hasSize(1);
    assertThat(server.oidc().pendingCount()).isZero();
  }

  @Test
  void shouldShowTheMachineOnAPageAndNotRedirectToTheProviderUnconfirmed() throws Exception {
    Message.RegisterResult r =
        node.client.register(
            node.node.publicKey(),
            null,
            node.disco.publicKey(),
            new HostInfo(
                "<script>alert(1)</script>", "linux\u001b[31m\"'&", List.of("127.0.0.1:1")),
            null,
            TIMEOUT);
    String url = r.loginUrl();
    Opened o = open(url);
    String page = o.page().body();
    assertThat(o.page().headers().firstValue("Location")).isEmpty();
    assertThat(page).contains("&lt;script&gt;alert(1)&lt;/script&gt;").doesNotContain("<script>");
    assertThat(page).contains("linux\\u001b[31m&quot;&#39;&amp;").doesNotContain("\u001b");
    assertThat(page)
        .contains("127.0.0.1")
        .contains(java.time.Instant.ofEpochMilli(clock.millis()).toString());
    assertThat(page).contains(node.machine.publicKey().toBase64());
    assertThat(o.page().headers().firstValue("X-Frame-Options")).contains("DENY");
    // Neither a form without the token nor one without the cookie is a confirmation.
    assertThat(confirm(url, "forged", o.cookie()).statusCode()).isEqualTo(403);
    assertThat(confirm(url, o.csrf(), null).statusCode()).isEqualTo(403);
    assertThat(confirm(url, o.csrf(), o.cookie().replaceFirst("=.*", "=forged")).statusCode())
        .isEqualTo(403);
    String origin = server.url().getScheme() + "://" + server.url().getRawAuthority();
    assertThat(confirm(url, o.csrf(), o.cookie(), origin + "9").statusCode())
        .as("another site's form")
        .isEqualTo(403);
    assertThat(confirm(url, o.csrf(), o.cookie(), origin).statusCode()).isEqualTo(302);
    assertThat(server.registry().nodes()).isEmpty();
  }

  @Test
  void shouldNotCompleteAPhishedLoginInTheVictimsBrowser() throws Exception {
    // The attacker's machine asks to log in; the attacker opens and confirms its page, then hands
    // the provider URL (or the page's link) to a victim who is logged in at the provider.
    String url = needLogin();
    Opened attacker = open(url);
    HttpResponse<String> confirmed = confirm(url, attacker.csrf(), attacker.cookie());
    String authorize = confirmed.headers().firstValue("Location").orElseThrow();
    nextLogin("victim", verified("victim@example.com"));
    String callback = atProvider(authorize);
    HttpResponse<String> done = get(callback, null);
    assertThat(done.statusCode()).as(done.body()).isEqualTo(403);
    assertThat(done.body()).contains("not confirmed in this browser");
    // The state was used up: the attacker cannot replay the victim's code in its own browser.
    assertThat(get(callback, attacker.cookie()).statusCode()).isEqualTo(400);
    assertThat(server.registry().nodes()).isEmpty();
    assertThat(server.database().inTransaction(Users::all)).isEmpty();
  }

  @Test
  void shouldAdmitNobodyWithoutAnAllowList() throws Exception {
    startServer(c -> c);
    String url = needLogin();
    nextLogin("alice", verified("alice@example.com"));
    HttpResponse<String> done = browse(url, u -> u);
    assertThat(done.statusCode()).isEqualTo(403);
    assertThat(done.body()).contains("--oidc-allowed");
    assertThat(server.registry().nodes()).isEmpty();
  }

  @Test
  void shouldAdmitOnlyAllowedDomainsUsersAndGroups() throws Exception {
    startServer(
        c ->
            c.allowingDomains(List.of("example.com"))
                .allowingUsers(List.of("Bob@Other.org"))
                .allowingGroups("roles", List.of("vpn")));
    nextLogin("mallory", verified("mallory@evil.test"));
    assertThat(browse(needLogin(), u -> u).statusCode()).isEqualTo(403);
    nextLogin("eve", Map.of("email", "eve@example.com", "email_verified", false));
    HttpResponse<String> unverified = browse(needLogin(), u -> u);
    assertThat(unverified.statusCode()).isEqualTo(403);
    assertThat(unverified.body()).contains("verified");
    nextLogin("eve2", Map.of("email", "eve2@example.com"));
    assertThat(browse(needLogin(), u -> u).statusCode())
        .as("email_verified missing")
        .isEqualTo(403);
    assertThat(server.registry().nodes()).isEmpty();

    nextLogin("bob", verified("bob@other.org"));
    assertThat(browse(needLogin(), u -> u).statusCode()).isEqualTo(200);
    TestNode grouped = new TestNode("grouped", "127.0.0.1:3").connect(server);
    try {
      nextLogin("carol", Map.of("email", "carol@elsewhere.test", "roles", List.of("staff", "vpn")));
      assertThat(browse(needLogin(grouped), u -> u).statusCode()).isEqualTo(200);
      // Unverified email: the subject names the user.
      assertThat(grouped.client.awaitLogin(TIMEOUT).user()).isEqualTo("carol");
    } finally {
      grouped.close();
    }
  }

  @Test
  void shouldRefuseASecondAccountWithTheSameEmailClearly() throws Exception {
    startServer(OidcConfig::allowingAny);
    nextLogin("first-account", verified("same@example.com"));
    assertThat(browse(needLogin(), u -> u).statusCode()).isEqualTo(200);
    TestNode other = new TestNode("other", "127.0.0.1:4").connect(server);
    try {
      nextLogin("second-account", verified("same@example.com"));
      HttpResponse<String> r = browse(needLogin(other), u -> u);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
      assertThat(r.body()).contains("same@example.com").contains("another account");
    } finally {
      other.close();
    }
    assertThat(server.registry().nodes()).hasSize(1);
  }

  @Test
  void shouldCapPendingLoginsInAllAndPerSourceAndExpireThemOnTheClock() throws Exception {
    Message.Register req =
        new Message.Register(
            1,
            node.node.publicKey().toBase64(),
            null,
            node.disco.publicKey().toBase64(),
            new HostInfo("h", "linux", List.of()),
            null);
    OidcLogin oidc = server.oidc();
    int admitted = 0;
    for (int i = 0; i < 20_000; i++) {
      InetAddress src =
          InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
      if (oidc.begin("machine-" + i, req, src) != null) {
        admitted++;
      }
    }
    assertThat(admitted).isEqualTo(OidcLogin.MAX_PENDING);
    assertThat(oidc.pendingCount()).isEqualTo(OidcLogin.MAX_PENDING);
    clock.advance(OidcLogin.PENDING_LIFETIME.plusSeconds(1));
    assertThat(oidc.pendingCount()).isZero();
    InetAddress one = InetAddress.getByName("192.0.2.7");
    int fromOne = 0;
    for (int i = 0; i < 100; i++) {
      if (oidc.begin("m-" + i, req, one) != null) {
        fromOne++;
      }
    }
    assertThat(fromOne).isEqualTo(OidcLogin.MAX_PENDING_PER_SOURCE);
    // A machine asking again replaces its own pending login instead of adding one.
    for (int i = 0; i < 100; i++) {
      oidc.begin("again", req, InetAddress.getByName("192.0.2.8"));
    }
    assertThat(oidc.pendingCount()).isEqualTo(OidcLogin.MAX_PENDING_PER_SOURCE + 1);
    // Over the wire, a node whose source is full is refused with a reason.
    for (int i = 0; i < OidcLogin.MAX_PENDING_PER_SOURCE; i++) {
      oidc.begin("loopback-" + i, req, InetAddress.getLoopbackAddress());
    }
    Message.RegisterResult r = node.register(null);
    assertThat(r.status()).isEqualTo(RegisterStatus.REJECTED);
    assertThat(r.reason()).contains("too many logins");
  }

  @Test
  void shouldRefuseAnOverLongOsOrHostname() throws Exception {
    Message.RegisterResult os =
        node.client.register(
            node.node.publicKey(),
            null,
            node.disco.publicKey(),
            new HostInfo("h", "x".repeat(65), List.of()),
            null,
            TIMEOUT);
    assertThat(os.status()).isEqualTo(RegisterStatus.REJECTED);
    assertThat(os.reason()).contains("os");
    Message.RegisterResult host =
        node.client.register(
            node.node.publicKey(),
            null,
            node.disco.publicKey(),
            new HostInfo("h".repeat(256), "linux", List.of()),
            null,
            TIMEOUT);
    assertThat(host.status()).isEqualTo(RegisterStatus.REJECTED);
    assertThat(server.oidc().pendingCount()).isZero();
  }

  @Test
  void shouldRefuseAnIdTokenWithTheWrongNonce() throws Exception {
    String url = needLogin();
    HttpResponse<String> done = browse(url, u -> u.replaceFirst("nonce=[^&]+", "nonce=forged"));
    assertThat(done.statusCode()).isEqualTo(401);
    assertThat(done.body()).contains("nonce");
    assertThat(server.registry().nodes()).isEmpty();
  }

  @Test
  void shouldRefuseAnIdTokenForAnotherAudienceOrAuthorizedParty() throws Exception {
    // The provider's code flow always addresses ID tokens to the requesting client, so the wrong
    // audience is a genuine token of this provider, correctly signed, with the right nonce, issued
    // to another client; it goes through the same validation the callback uses.
    needLogin();
    String idToken =
        provider
            .issueToken(
                "weft",
                "someone-else",
                new DefaultOAuth2TokenCallback(
                    "weft",
                    "mallory",
                    "JWT",
                    List.of("someone-else"),
                    Map.of("nonce", "n-1"),
                    3600))
            .serialize();
    assertThatThrownBy(() -> server.oidc().validateIdToken(idToken, "n-1"))
        .isInstanceOf(OidcLogin.InvalidIdToken.class)
        .hasMessageContaining("aud");
    String good =
        provider
            .issueToken(
                "weft",
                CLIENT,
                new DefaultOAuth2TokenCallback(
                    "weft", "alice", "JWT", List.of(CLIENT), Map.of("nonce", "n-1"), 3600))
            .serialize();
    assertThat(server.oidc().validateIdToken(good, "n-1").getSubject()).isEqualTo("alice");
    String otherIssuer =
        provider
            .issueToken(
                "elsewhere",
                CLIENT,
                new DefaultOAuth2TokenCallback(
                    "elsewhere", "alice", "JWT", List.of(CLIENT), Map.of("nonce", "n-1"), 3600))
            .serialize();
    assertThatThrownBy(() -> server.oidc().validateIdToken(otherIssuer, "n-1"))
        .isInstanceOf(OidcLogin.InvalidIdToken.class);
    // Addressed to us, but obtained by another client (the provider names it in azp).
    String otherParty =
        provider
            .issueToken(
                "weft",
                "someone-else",
                new DefaultOAuth2TokenCallback(
                    "weft", "alice", "JWT", List.of(CLIENT), Map.of("nonce", "n-1"), 3600))
            .serialize();
    assertThatThrownBy(() -> server.oidc().validateIdToken(otherParty, "n-1"))
        .isInstanceOf(OidcLogin.InvalidIdToken.class)
        .hasMessageContaining("azp");
    assertThat(server.registry().nodes()).isEmpty();
  }

  @Test
  void shouldRefuseAnExpiredIdToken() throws Exception {
    String url = needLogin();
    provider.enqueueCallback(
        new DefaultOAuth2TokenCallback("weft", "late", "JWT", List.of(CLIENT), Map.of(), -3600));
    HttpResponse<String> done = browse(url, u -> u);
    assertThat(done.statusCode()).isEqualTo(401);
    assertThat(done.body()).containsIgnoringCase("expired");
    assertThat(server.registry().nodes()).isEmpty();
  }

  @Test
  void shouldRefuseACallbackWithAnUnknownState() throws Exception {
    HttpResponse<String> r =
        get(server.url().resolve("/oidc/callback?code=x&state=nope").toString(), null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("state");
  }
}
