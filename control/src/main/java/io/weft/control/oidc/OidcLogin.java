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
import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.Message;
import io.weft.control.server.NodeRegistry;
import io.weft.control.server.SourceAddress;
import io.weft.control.store.StoreException;
import io.weft.control.text.UntrustedText;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
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
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The login pages. {@code GET /login/{id}} shows a confirmation page naming the machine that asked
 * (hostname, OS, source address, time) and sets a cookie binding this browser to the login; only
 * its form ({@code POST /login/{id}} with the page's CSRF token and that cookie) sends the browser
 * to the provider, with a fresh state, nonce and PKCE challenge. {@code GET /oidc/callback} takes
 * the state once, checks the same cookie, exchanges the code (with the verifier), validates the ID
 * token, applies the admission policy of {@link OidcConfig} and completes the node's registration.
 * A link to someone else's login therefore cannot complete without its victim seeing the machine
 * and confirming it, in the browser that completes it.
 */
public final class OidcLogin {
  /** Prefix of the per-login URL handed to the node. */
  public static final String LOGIN_PATH = "/login/";

  /** The redirect URI path registered at the provider. */
  public static final String CALLBACK_PATH = "/oidc/callback";

  /** How long a user has to complete a login. */
  public static final Duration PENDING_LIFETIME = Duration.ofMinutes(10);

  /** Logins pending at once, in all (each holds a register request of a few KiB). */
  public static final int MAX_PENDING = 4096;

  /** Logins pending at once from one source address (IPv6: one /64). */
  public static final int MAX_PENDING_PER_SOURCE = 16;

  /** Longest {@code code}, {@code state} or {@code csrf} value accepted. */
  static final int MAX_PARAM = 2048;

  /** Longest name or email taken from the ID token (the column's width). */
  static final int MAX_NAME = 255;

  private static final String COOKIE_PREFIX = "weft_login_";
  private static final System.Logger LOG = System.getLogger(OidcLogin.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final OidcConfig config;
  private final String publicUrl;
  private final NodeRegistry registry;
  private final SecureRandom random;
  private final Clock clock;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final PendingLogins pending;
  private volatile Provider provider;

  private record Provider(
      String issuer, URI authorization, URI token, DefaultJWTProcessor<SecurityContext> ids) {}

  public OidcLogin(
      OidcConfig config,
      String publicUrl,
      NodeRegistry registry,
      SecureRandom random,
      Clock clock) {
    this(config, publicUrl, registry, random, clock, MAX_PENDING, MAX_PENDING_PER_SOURCE);
  }

  /** With explicit caps on pending logins (in all, and per source address). */
  public OidcLogin(
      OidcConfig config,
      String publicUrl,
      NodeRegistry registry,
      SecureRandom random,
      Clock clock,
      int maxPending,
      int maxPendingPerSource) {
    this.config = config;
    this.publicUrl = publicUrl;
    this.registry = registry;
    this.random = random;
    this.clock = clock;
    this.pending =
        new PendingLogins(maxPending, maxPendingPerSource, PENDING_LIFETIME.toMillis(), clock);
  }

  /**
   * Records a pending login for the machine; returns the URL the user opens, or null when too many
   * logins are pending (in all or from {@code source}).
   */
  public String begin(String machineKey, Message.Register request, InetAddress source) {
    String id = token(24);
    if (pending.add(id, machineKey, request, source) == null) {
      LOG.log(
          Level.WARNING,
          "interactive login refused for {0}: too many pending logins",
          SourceAddress.key(source));
      return null;
    }
    return publicUrl + LOGIN_PATH + id;
  }

  /** How many logins are pending. */
  public int pendingCount() {
    return pending.size();
  }

  /**
   * Answers {@code /login/{id}} (GET: the confirmation page, POST: confirmed) and {@code
   * /oidc/callback}.
   */
  public HttpResponse handle(HttpRequest req) {
    try {
      if (req.path().startsWith(LOGIN_PATH)) {
        String id = req.path().substring(LOGIN_PATH.length());
        return switch (req.method()) {
          case "GET" -> confirmationPage(id, req);
          case "POST" -> confirmed(id, req);
          default -> HttpResponse.error(405, "use GET or POST").header("Allow", "GET, POST");
        };
      }
      if (!req.method().equals("GET")) {
        return HttpResponse.error(405, "use GET").header("Allow", "GET");
      }
      return callback(req);
    } catch (IOException e) {
      LOG.log(
          Level.WARNING,
          "OpenID provider unreachable: {0}",
          UntrustedText.escape(e.getMessage(), 300));
      return HttpResponse.error(502, "the OpenID provider could not be reached");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return HttpResponse.error(503, "interrupted");
    }
  }

  private HttpResponse confirmationPage(String loginId, HttpRequest req) {
    PendingLogins.Pending p = loginId.length() > MAX_PARAM ? null : pending.byId(loginId);
    if (p == null) {
      return page(
          404,
          "<p>This login link is unknown or has expired. Run the login on the machine again.</p>");
    }
    String cookie = token(32);
    String csrf = token(24);
    synchronized (p) {
      p.browser = sha256(cookie);
      p.csrf = csrf;
    }
    pending.clearState(p); // a provider URL handed out before this page no longer completes
    HostInfo h = p.request.hostInfo();
    String html =
        "<h1>Add this machine to your network?</h1>"
            + "<p>A machine asked to join as you. Continue only if you started this login yourself,"
            + " on this machine, just now.</p>"
            + "<table>"
            + "<tr><th>Hostname</th><td>"
            + UntrustedText.html(cut(h.hostname()))
            + "</td></tr>"
            + "<tr><th>Operating system</th><td>"
            + UntrustedText.html(cut(h.os()))
            + "</td></tr>"
            + "<tr><th>Connected from</th><td>"
            + UntrustedText.html(p.address)
            + "</td></tr>"
            + "<tr><th>Requested at</th><td>"
            + Instant.ofEpochMilli(p.created)
            + " (UTC)</td></tr>"
            + "<tr><th>Machine key</th><td><code>"
            + UntrustedText.html(p.machineKey)
            + "</code></td></tr>"
            + "</table>"
            + "<form method=\"post\" action=\""
            + UntrustedText.html(LOGIN_PATH + loginId)
            + "\">"
            + "<input type=\"hidden\" name=\"csrf\" value=\""
            + UntrustedText.html(csrf)
            + "\">"
            + "<button type=\"submit\">Yes, add this machine and log in</button>"
            + "</form>";
    return page(200, html)
        .header(
            "Set-Cookie",
            cookieName(loginId)
                + "="
                + cookie
                + "; Path=/; Max-Age="
                + PENDING_LIFETIME.toSeconds()
                + "; HttpOnly; SameSite=Lax"
                + (publicUrl.startsWith("https:") ? "; Secure" : ""));
  }

  private HttpResponse confirmed(String loginId, HttpRequest req)
      throws IOException, InterruptedException {
    PendingLogins.Pending p = loginId.length() > MAX_PARAM ? null : pending.byId(loginId);
    if (p == null) {
      return HttpResponse.error(404, "unknown or expired login");
    }
    String origin = req.header("origin");
    if (origin != null && !origin.equals("null") && !origin.equalsIgnoreCase(publicOrigin())) {
      return HttpResponse.error(403, "the confirmation came from another site");
    }
    if (req.body().length > 4 * MAX_PARAM) {
      return HttpResponse.error(413, "form too large");
    }
    Map<String, String> form;
    try {
      form = HttpRequest.parseQuery(req.bodyText());
    } catch (IllegalArgumentException e) {
      return HttpResponse.error(400, "malformed form");
    }
    String csrf = form.get("csrf");
    String cookie = cookie(req, cookieName(loginId));
    synchronized (p) {
      if (p.csrf == null
          || csrf == null
          || p.browser == null
          || cookie == null
          || !MessageDigest.isEqual(
              p.csrf.getBytes(StandardCharsets.US_ASCII), csrf.getBytes(StandardCharsets.UTF_8))
          || !MessageDigest.isEqual(p.browser, sha256(cookie))) {
        return HttpResponse.error(
            403, "confirm on the page this browser opened (missing or wrong CSRF token or cookie)");
      }
      p.nonce = token(24);
      p.verifier = token(48);
    }
    Provider prov = provider();
    String state = token(24);
    pending.setState(p, state);
    String url =
        prov.authorization()
            + (prov.authorization().getQuery() == null ? "?" : "&")
            + "response_type=code"
            + "&client_id="
            + enc(config.clientId())
            + "&redirect_uri="
            + enc(redirectUri())
            + "&scope="
            + enc(String.join(" ", scopes()))
            + "&state="
            + enc(state)
            + "&nonce="
            + enc(p.nonce)
            + "&code_challenge="
            + enc(challenge(p.verifier))
            + "&code_challenge_method=S256";
    return HttpResponse.redirect(url);
  }

  private HttpResponse callback(HttpRequest req) throws IOException, InterruptedException {
    Map<String, String> q = req.query();
    if (q.containsKey("error")) {
      return HttpResponse.error(
          400, "the provider refused the login: " + UntrustedText.escape(q.get("error"), 100));
    }
    String state = q.get("state");
    String code = q.get("code");
    if (!wellFormed(state) || !wellFormed(code)) {
      return HttpResponse.error(
          400,
          "code and state are required (printable ASCII, at most " + MAX_PARAM + " characters)");
    }
    PendingLogins.Pending p = pending.takeByState(state);
    if (p == null) {
      return HttpResponse.error(400, "unknown or expired login state");
    }
    String cookie = cookie(req, cookieName(p.id));
    byte[] browser;
    String nonce;
    String verifier;
    synchronized (p) {
      browser = p.browser;
      nonce = p.nonce;
      verifier = p.verifier;
    }
    if (browser == null
        || nonce == null
        || cookie == null
        || !MessageDigest.isEqual(browser, sha256(cookie))) {
      return HttpResponse.error(
          403, "this login was not confirmed in this browser; open the login link again");
    }
    Provider prov = provider();
    String form =
        "grant_type=authorization_code"
            + "&code="
            + enc(code)
            + "&redirect_uri="
            + enc(redirectUri())
            + "&client_id="
            + enc(config.clientId())
            + "&code_verifier="
            + enc(verifier);
    java.net.http.HttpRequest.Builder tokenReq =
        java.net.http.HttpRequest.newBuilder(prov.token())
            .timeout(Duration.ofSeconds(15))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(form));
    if (config.clientSecret() != null) {
      tokenReq.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder()
                  .encodeToString(
                      (enc(config.clientId()) + ":" + enc(config.clientSecret()))
                          .getBytes(StandardCharsets.UTF_8)));
    }
    java.net.http.HttpResponse<String> r =
        http.send(tokenReq.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      return HttpResponse.error(
          400, "the provider refused the code (status " + r.statusCode() + ")");
    }
    String idToken;
    try {
      idToken = JSON.readTree(r.body()).path("id_token").asText(null);
    } catch (IOException e) {
      return HttpResponse.error(502, "the provider's token response is not JSON");
    }
    if (idToken == null) {
      return HttpResponse.error(400, "the provider returned no id_token");
    }
    JWTClaimsSet claims;
    try {
      claims = validateIdToken(idToken, nonce);
    } catch (InvalidIdToken e) {
      return HttpResponse.error(
          401, "ID token refused: " + UntrustedText.escape(e.getMessage(), 300));
    }
    Identity who;
    try {
      who = admit(claims);
    } catch (InvalidIdToken e) {
      LOG.log(
          Level.WARNING,
          "login refused for subject {0}: {1}",
          UntrustedText.escape(claims.getSubject(), 100),
          e.getMessage());
      return HttpResponse.error(403, e.getMessage());
    }
    pending.remove(p);
    try {
      registry.completeLogin(
          p.machineKey,
          p.request,
          config.domain(),
          claims.getIssuer(),
          claims.getSubject(),
          who.login(),
          who.display());
    } catch (NodeRegistry.Refused e) {
      return HttpResponse.error(409, e.getMessage());
    } catch (StoreException e) {
      LOG.log(
          Level.WARNING,
          "login of machine {0} failed in the store: {1}",
          p.machineKey,
          UntrustedText.escape(e.getMessage(), 300));
      return HttpResponse.error(503, "the server could not store this login; try again later");
    }
    return page(200, "<p>Logged in. You may close this window.</p>");
  }

  /** Who an admitted ID token names: the login name and the display name. */
  record Identity(String login, String display) {}

  /**
   * Applies the admission policy to validated claims. An email counts only with {@code
   * email_verified} true; the login name is that email, else the subject (users are keyed by issuer
   * and subject, never by the email).
   */
  Identity admit(JWTClaimsSet claims) throws InvalidIdToken {
    String email = stringClaim(claims, "email");
    Object verified = claims.getClaim("email_verified");
    boolean emailVerified = Boolean.TRUE.equals(verified) || "true".equals(verified);
    String verifiedEmail =
        email != null && emailVerified ? UntrustedText.strip(email).strip() : null;
    if (verifiedEmail != null
        && (verifiedEmail.length() > MAX_NAME || verifiedEmail.indexOf('@') <= 0)) {
      throw new InvalidIdToken(
          "the email claim is not an address of at most " + MAX_NAME + " characters");
    }
    boolean admitted = config.allowAny();
    if (!admitted && verifiedEmail != null) {
      String lower = verifiedEmail.toLowerCase(Locale.ROOT);
      String emailDomain = lower.substring(lower.lastIndexOf('@') + 1);
      admitted =
          config.allowedUsers().stream().anyMatch(u -> u.equalsIgnoreCase(lower))
              || config.allowedDomains().stream().anyMatch(d -> d.equalsIgnoreCase(emailDomain));
    }
    if (!admitted && !config.allowedGroups().isEmpty()) {
      Object g = claims.getClaim(config.groupsClaim());
      List<?> groups = g instanceof List<?> l ? l : g instanceof String s ? List.of(s) : List.of();
      admitted = groups.stream().anyMatch(config.allowedGroups()::contains);
    }
    if (!admitted) {
      throw new InvalidIdToken(
          !config.admitsAnyone()
              ? "no account of this provider is allowed yet (the server has no --oidc-allowed-* setting)"
              : email != null && !emailVerified
                  ? "the provider has not verified this account's email, and no allowed group names it"
                  : "this account is not allowed to join (not in the allowed users, domains or groups)");
    }
    String subject = UntrustedText.strip(claims.getSubject());
    String login = verifiedEmail != null ? verifiedEmail : subject;
    if (login == null || login.isBlank() || login.length() > MAX_NAME) {
      throw new InvalidIdToken(
          "the ID token names no usable subject (empty or over " + MAX_NAME + " characters)");
    }
    String name = stringClaim(claims, "name");
    String display = name == null ? login : UntrustedText.strip(name).strip();
    if (display.isEmpty()) {
      display = login;
    }
    return new Identity(
        login, display.length() > MAX_NAME ? display.substring(0, MAX_NAME) : display);
  }

  /** An ID token that failed validation, and why. */
  public static final class InvalidIdToken extends Exception {
    InvalidIdToken(String reason) {
      super(reason, null, false, false);
    }
  }

  /**
   * Validates an ID token (OIDC Core §3.1.3.7): signature by a key of the provider's JWKS, issuer,
   * audience (our client id), {@code azp} (our client id when present, required with several
   * audiences), expiry (60 s skew), and that its nonce is {@code expectedNonce}.
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
    Object azp = claims.getClaim("azp");
    if (azp != null && !config.clientId().equals(azp)) {
      throw new InvalidIdToken("azp names another client");
    }
    if (azp == null && claims.getAudience().size() > 1) {
      throw new InvalidIdToken("aud names several clients but azp is missing");
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
    String base =
        config.issuer().endsWith("/")
            ? config.issuer().substring(0, config.issuer().length() - 1)
            : config.issuer();
    java.net.http.HttpResponse<String> r =
        http.send(
            java.net.http.HttpRequest.newBuilder(
                    URI.create(base + "/.well-known/openid-configuration"))
                .timeout(Duration.ofSeconds(15))
                .GET()
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(
          "discovery answered "
              + r.statusCode()
              + " "
              + r.body().substring(0, Math.min(300, r.body().length())));
    }
    JsonNode doc = JSON.readTree(r.body());
    String issuer = doc.path("issuer").asText();
    if (!issuer.equals(config.issuer())) {
      throw new IOException("discovery names issuer " + issuer + ", configured " + config.issuer());
    }
    JWKSource<SecurityContext> keys =
        JWKSourceBuilder.create(URI.create(doc.path("jwks_uri").asText()).toURL())
            .retrying(true)
            .build();
    DefaultJWTProcessor<SecurityContext> ids = new DefaultJWTProcessor<>();
    ids.setJWSKeySelector(
        new JWSVerificationKeySelector<>(
            Set.of(
                JWSAlgorithm.RS256,
                JWSAlgorithm.RS384,
                JWSAlgorithm.RS512,
                JWSAlgorithm.ES256,
                JWSAlgorithm.ES384,
                JWSAlgorithm.PS256),
            keys));
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
    p =
        new Provider(
            issuer,
            URI.create(doc.path("authorization_endpoint").asText()),
            URI.create(doc.path("token_endpoint").asText()),
            ids);
    provider = p;
    return p;
  }

  private java.util.List<String> scopes() {
    return config.scopes().contains("openid")
        ? config.scopes()
        : java.util.stream.Stream.concat(
                java.util.stream.Stream.of("openid"), config.scopes().stream())
            .toList();
  }

  /** {@code scheme://host[:port]} of the public URL, as a browser's {@code Origin} names it. */
  private String publicOrigin() {
    URI u = URI.create(publicUrl);
    return u.getScheme() + "://" + u.getRawAuthority();
  }

  private String redirectUri() {
    return publicUrl + CALLBACK_PATH;
  }

  private String token(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String challenge(String verifier) {
    try {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(
              MessageDigest.getInstance("SHA-256")
                  .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean wellFormed(String v) {
    if (v == null || v.isEmpty() || v.length() > MAX_PARAM) {
      return false;
    }
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private static String cut(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }

  private static String cookieName(String loginId) {
    return COOKIE_PREFIX + HexFormat.of().formatHex(sha256(loginId), 0, 6);
  }

  /** The value of cookie {@code name} in the request's {@code Cookie} header, or null. */
  private static String cookie(HttpRequest req, String name) {
    String header = req.header("cookie");
    if (header == null || header.length() > 8192) {
      return null;
    }
    for (String part : header.split(";")) {
      String t = part.strip();
      if (t.startsWith(name + "=")) {
        return t.substring(name.length() + 1);
      }
    }
    return null;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A small HTML page that no other site may frame and no cache keeps. */
  private static HttpResponse page(int status, String body) {
    return HttpResponse.html(
            status, "<!doctype html><meta charset=\"utf-8\"><title>Weft login</title>" + body)
        .header("Cache-Control", "no-store")
        .header("X-Frame-Options", "DENY")
        .header(
            "Content-Security-Policy",
            "default-src 'none'; frame-ancestors 'none'; form-action 'self' https: http:")
        .header("Referrer-Policy", "no-referrer")
        .header("X-Content-Type-Options", "nosniff");
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
