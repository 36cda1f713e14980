package io.weft.control.oidc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.weft.control.http.HttpRequest;
import io.weft.control.http.HttpResponse;
import io.weft.control.protocol.Message;
import io.weft.control.server.NodeRegistry;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The login pages: {@code GET /login/{id}} redirects the browser to the provider with a fresh
 * state, nonce and PKCE challenge; {@code GET /oidc/callback} exchanges the code (with the
 * verifier), validates the ID token and completes the node's registration. Pending logins live in
 * memory for {@link #PENDING_LIFETIME}.
 */
public final class OidcLogin {
  /** Prefix of the per-login URL handed to the node. */
  public static final String LOGIN_PATH = "/login/";
  /** The redirect URI path registered at the provider. */
  public static final String CALLBACK_PATH = "/oidc/callback";
  /** How long a user has to complete a login. */
  public static final Duration PENDING_LIFETIME = Duration.ofMinutes(10);

  private static final System.Logger LOG = System.getLogger(OidcLogin.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final OidcConfig config;
  private final String publicUrl;
  private final NodeRegistry registry;
  private final SecureRandom random;
  private final Clock clock;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final Map<String, Pending> byLoginId = new ConcurrentHashMap<>();
  private final Map<String, Pending> byState = new ConcurrentHashMap<>();
  private volatile Provider provider;

  private static final class Pending {
    final String machineKey;
    final Message.Register request;
    final long created;
    String state;
    String nonce;
    String verifier;

    Pending(String machineKey, Message.Register request, long created) {
      this.machineKey = machineKey;
      this.request = request;
      this.created = created;
    }
  }

  private record Provider(String issuer, URI authorization, URI token, DefaultJWTProcessor<SecurityContext> ids) {}

  public OidcLogin(OidcConfig config, String publicUrl, NodeRegistry registry, SecureRandom random, Clock clock) {
    this.config = config;
    this.publicUrl = publicUrl;
    this.registry = registry;
    this.random = random;
    this.clock = clock;
  }

  /** Records a pending login for the machine; returns the URL the user opens. */
  public String begin(String machineKey, Message.Register request) {
    expireOld();
    String id = token(24);
    byLoginId.put(id, new Pending(machineKey, request, clock.millis()));
    return publicUrl + LOGIN_PATH + id;
  }

  /** Answers {@code /login/{id}} and {@code /oidc/callback}. */
  public HttpResponse handle(HttpRequest req) {
    if (!req.method().equals("GET")) {
      return HttpResponse.error(405, "use GET");
    }
    try {
      if (req.path().startsWith(LOGIN_PATH)) {
        return start(req.path().substring(LOGIN_PATH.length()));
      }
      return callback(req.query());
    } catch (IOException e) {
      LOG.log(Level.WARNING, "OpenID provider unreachable: {0}", e.getMessage());
      return HttpResponse.error(502, "the OpenID provider could not be reached: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return HttpResponse.error(503, "interrupted");
    }
  }

  private HttpResponse start(String loginId) throws IOException, InterruptedException {
    Pending p = byLoginId.get(loginId);
    if (p == null || expired(p)) {
      return HttpResponse.error(404, "unknown or expired login");
    }
    Provider prov = provider();
    synchronized (p) {
      if (p.state != null) {
        byState.remove(p.state);
      }
      p.state = token(24);
      p.nonce = token(24);
      p.verifier = token(48);
      byState.put(p.state, p);
    }
    String url =
        prov.authorization()
            + (prov.authorization().getQuery() == null ? "?" : "&")
            + "response_type=code"
            + "&client_id=" + enc(config.clientId())
            + "&redirect_uri=" + enc(redirectUri())
            + "&scope=" + enc(String.join(" ", scopes()))
            + "&state=" + enc(p.state)
            + "&nonce=" + enc(p.nonce)
            + "&code_challenge=" + enc(challenge(p.verifier))
            + "&code_challenge_method=S256";
    return HttpResponse.redirect(url);
  }

  private HttpResponse callback(Map<String, String> q) throws IOException, InterruptedException {
    if (q.containsKey("error")) {
      return HttpResponse.error(400, "the provider refused the login: " + q.get("error"));
    }
    String state = q.get("state");
    String code = q.get("code");
    if (state == null || code == null) {
      return HttpResponse.error(400, "code and state are required");
    }
    Pending p = byState.remove(state);
    if (p == null || expired(p)) {
      return HttpResponse.error(400, "unknown or expired login state");
    }
    Provider prov = provider();
    String form =
        "grant_type=authorization_code"
            + "&code=" + enc(code)
            + "&redirect_uri=" + enc(redirectUri())
            + "&client_id=" + enc(config.clientId())
            + "&code_verifier=" + enc(p.verifier);
    java.net.http.HttpRequest.Builder tokenReq =
        java.net.http.HttpRequest.newBuilder(prov.token())
            .timeout(Duration.ofSeconds(15))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(form));
    if (config.clientSecret() != null) {
      tokenReq.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
          (enc(config.clientId()) + ":" + enc(config.clientSecret())).getBytes(StandardCharsets.UTF_8)));
    }
    java.net.http.HttpResponse<String> r = http.send(tokenReq.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      return HttpResponse.error(400, "the provider refused the code (status " + r.statusCode() + ")");
    }
    String idToken = JSON.readTree(r.body()).path("id_token").asText(null);
    if (idToken == null) {
      return HttpResponse.error(400, "the provider returned no id_token");
    }
    JWTClaimsSet claims;
    try {
      claims = validateIdToken(idToken, p.nonce);
    } catch (InvalidIdToken e) {
      return HttpResponse.error(401, "ID token refused: " + e.getMessage());
    }
    byLoginId.values().remove(p);
    String email = stringClaim(claims, "email");
    String login = email != null ? email : claims.getSubject();
    String display = stringClaim(claims, "name");
    registry.completeLogin(p.machineKey, p.request, config.domain(), claims.getIssuer(), claims.getSubject(), login,
        display != null ? display : login);
    return HttpResponse.html(200, "<!doctype html><title>Weft</title><p>Logged in. You may close this window.</p>");
  }

  /** An ID token that failed validation, and why. */
  public static final class InvalidIdToken extends Exception {
    InvalidIdToken(String reason) {
      super(reason, null, false, false);
    }
  }

  /**
   * Validates an ID token (OIDC Core §3.1.3.7): signature by a key of the provider's JWKS, issuer,
   * audience (our client id), expiry (60 s skew), and that its nonce is {@code expectedNonce}.
   */
  public JWTClaimsSet validateIdToken(String idToken, String expectedNonce)
      throws InvalidIdToken, IOException, InterruptedException {
    JWTClaimsSet claims;
    try {
      claims = provider().ids().process(idToken, null);
    } catch (BadJOSEException | ParseException | JOSEException e) {
      throw new InvalidIdToken(e.getMessage());
    }
    if (!expectedNonce.equals(claims.getClaim("nonce"))) {
      throw new InvalidIdToken("nonce does not match the login");
    }
    return claims;
  }

  private static String stringClaim(JWTClaimsSet c, String name) {
    Object v = c.getClaim(name);
    return v instanceof String s && !s.isBlank() ? s : null;
  }

  /** Discovers the provider once (issuer, endpoints, JWKS) and builds the ID-token validator. */
  private Provider provider() throws IOException, InterruptedException {
    Provider p = provider;
    if (p != null) {
      return p;
    }
    String base = config.issuer().endsWith("/") ? config.issuer().substring(0, config.issuer().length() - 1) : config.issuer();
    java.net.http.HttpResponse<String> r =
        http.send(
            java.net.http.HttpRequest.newBuilder(URI.create(base + "/.well-known/openid-configuration"))
                .timeout(Duration.ofSeconds(15)).GET().build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("discovery answered " + r.statusCode() + " " + r.body().substring(0, Math.min(300, r.body().length())));
    }
    JsonNode doc = JSON.readTree(r.body());
    String issuer = doc.path("issuer").asText();
    if (!issuer.equals(config.issuer())) {
      throw new IOException("discovery names issuer " + issuer + ", configured " + config.issuer());
    }
    JWKSource<SecurityContext> keys =
        JWKSourceBuilder.create(URI.create(doc.path("jwks_uri").asText()).toURL()).retrying(true).build();
    DefaultJWTProcessor<SecurityContext> ids = new DefaultJWTProcessor<>();
    ids.setJWSKeySelector(new JWSVerificationKeySelector<>(
        Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.PS256), keys));
    DefaultJWTClaimsVerifier<SecurityContext> verifier =
        new DefaultJWTClaimsVerifier<>(
            config.clientId(),
            new JWTClaimsSet.Builder().issuer(issuer).build(),
            Set.of("sub", "iat", "exp", "nonce")) {
          @Override
          protected Date currentTime() {
            return new Date(clock.millis());
          }
        };
    verifier.setMaxClockSkew(60);
    ids.setJWTClaimsSetVerifier(verifier);
    p = new Provider(issuer, URI.create(doc.path("authorization_endpoint").asText()),
        URI.create(doc.path("token_endpoint").asText()), ids);
    provider = p;
    return p;
  }

  private java.util.List<String> scopes() {
    return config.scopes().contains("openid")
        ? config.scopes()
        : java.util.stream.Stream.concat(java.util.stream.Stream.of("openid"), config.scopes().stream()).toList();
  }

  private String redirectUri() {
    return publicUrl + CALLBACK_PATH;
  }

  private boolean expired(Pending p) {
    return clock.millis() - p.created > PENDING_LIFETIME.toMillis();
  }

  private void expireOld() {
    byLoginId.values().removeIf(this::expired);
    byState.values().removeIf(this::expired);
  }

  private String token(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String challenge(String verifier) {
    try {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
