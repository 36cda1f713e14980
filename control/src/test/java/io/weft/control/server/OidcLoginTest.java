package io.weft.control.server;

import static io.weft.control.server.TestNode.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.oidc.OidcConfig;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.Node;
import io.weft.control.protocol.RegisterStatus;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interactive login end to end against a real OpenID provider running in the test. */
class OidcLoginTest {
  static final String CLIENT = "weft-client";

  @TempDir Path dir;
  MockOAuth2Server provider;
  ControlServer server;
  HttpClient browser;
  TestNode node;

  @BeforeEach
  void start() throws Exception {
    provider = new MockOAuth2Server();
    provider.start(InetAddress.getLoopbackAddress(), 0);
    String issuer = provider.issuerUrl("weft").toString();
    server = ControlServer.start(ControlConfig.defaults(dir)
        .withOidc(new OidcConfig(issuer, CLIENT, "client-secret", null, "people")));
    browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    node = new TestNode("laptop", "127.0.0.1:41641").connect(server);
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    browser.close();
    server.close();
    provider.shutdown();
  }

  /** Plays the browser: login URL → provider → callback. Returns the callback's response. */
  HttpResponse<String> browse(String loginUrl, java.util.function.UnaryOperator<String> tamper) throws Exception {
    return browse(loginUrl, tamper, authorize -> {});
  }

  HttpResponse<String> browse(String loginUrl, java.util.function.UnaryOperator<String> tamper,
      java.util.function.Consumer<String> beforeCallback) throws Exception {
    HttpResponse<String> r = browser.send(HttpRequest.newBuilder(URI.create(loginUrl)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
    String authorize = tamper.apply(r.headers().firstValue("Location").orElseThrow());
    assertThat(authorize).contains("code_challenge_method=S256").contains("nonce=").contains("state=");
    HttpResponse<String> atProvider =
        browser.send(HttpRequest.newBuilder(URI.create(authorize)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(atProvider.statusCode()).isEqualTo(302);
    String callback = atProvider.headers().firstValue("Location").orElseThrow();
    assertThat(callback).startsWith(server.url() + "/oidc/callback");
    beforeCallback.accept(authorize);
    return browser.send(HttpRequest.newBuilder(URI.create(callback)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  String needLogin() throws Exception {
    Message.RegisterResult r = node.register(null);
    assertThat(r.status()).isEqualTo(RegisterStatus.NEEDS_LOGIN);
    return r.loginUrl();
  }

  @Test
  void shouldRegisterTheNodeTheMomentTheUserCompletesLogin() throws Exception {
    String url = needLogin();
    provider.enqueueCallback(new DefaultOAuth2TokenCallback("weft", "alice", "JWT", List.of(CLIENT),
        Map.of("email", "alice@example.com", "name", "Alice"), 3600));
    HttpResponse<String> done = browse(url, u -> u);
    assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
    Node self = node.client.awaitLogin(TIMEOUT);
    assertThat(self.user()).isEqualTo("alice@example.com");
    assertThat(self.addresses()).containsExactly("100.64.0.1/32", "fd7a:115c:a1e0::1/128");
    node.client.subscribe();
    assertThat(node.client.awaitMap(m -> m.self() != null, TIMEOUT).domain()).isEqualTo("people");
    // The same user's second login reuses the user.
    TestNode second = new TestNode("phone", "127.0.0.1:2").connect(server);
    try {
      String url2 = second.register(null).loginUrl();
      provider.enqueueCallback(new DefaultOAuth2TokenCallback("weft", "alice", "JWT", List.of(CLIENT),
          Map.of("email", "alice@example.com"), 3600));
      assertThat(browse(url2, u -> u).statusCode()).isEqualTo(200);
      second.client.awaitLogin(TIMEOUT);
      node.client.awaitMap(m -> m.peers().size() == 1, TIMEOUT);
    } finally {
      second.close();
    }
    assertThat(server.admin().createDomain("people")).isNotNull();
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
  void shouldRefuseAnIdTokenForAnotherAudience() throws Exception {
    // The provider's code flow always addresses ID tokens to the requesting client, so the wrong
    // audience is a genuine token of this provider, correctly signed, with the right nonce, issued
    // to another client; it goes through the same validation the callback uses.
    needLogin();
    String idToken = provider.issueToken("weft", "someone-else", new DefaultOAuth2TokenCallback(
        "weft", "mallory", "JWT", List.of("someone-else"), Map.of("nonce", "n-1"), 3600)).serialize();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> server.oidc().validateIdToken(idToken, "n-1"))
        .isInstanceOf(io.weft.control.oidc.OidcLogin.InvalidIdToken.class)
        .hasMessageContaining("aud");
    String good = provider.issueToken("weft", CLIENT, new DefaultOAuth2TokenCallback(
        "weft", "alice", "JWT", List.of(CLIENT), Map.of("nonce", "n-1"), 3600)).serialize();
    assertThat(server.oidc().validateIdToken(good, "n-1").getSubject()).isEqualTo("alice");
    String otherIssuer = provider.issueToken("elsewhere", CLIENT, new DefaultOAuth2TokenCallback(
        "elsewhere", "alice", "JWT", List.of(CLIENT), Map.of("nonce", "n-1"), 3600)).serialize();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> server.oidc().validateIdToken(otherIssuer, "n-1"))
        .isInstanceOf(io.weft.control.oidc.OidcLogin.InvalidIdToken.class);
    assertThat(server.registry().nodes()).isEmpty();
  }

  @Test
  void shouldRefuseAnExpiredIdToken() throws Exception {
    String url = needLogin();
    provider.enqueueCallback(new DefaultOAuth2TokenCallback("weft", "late", "JWT", List.of(CLIENT), Map.of(), -3600));
    HttpResponse<String> done = browse(url, u -> u);
    assertThat(done.statusCode()).isEqualTo(401);
    assertThat(done.body()).containsIgnoringCase("expired");
    assertThat(server.registry().nodes()).isEmpty();
  }

  @Test
  void shouldRefuseACallbackWithAnUnknownState() throws Exception {
    HttpResponse<String> r = browser.send(
        HttpRequest.newBuilder(server.url().resolve("/oidc/callback?code=x&state=nope")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("state");
  }
}
